"""Creating a campaign from what staff type: one local-time parser and one set of rules for
every channel (``lawbot campaign create``, the bot's /newcampaign, the web's form).

Times are local to the deployment's time zone. A date alone means the start of that day as a
start time and the whole day as an end time ("--end 2027-06-05" closes at 2027-06-06 00:00), in
every channel. The limits (code, name, counts, seconds, attempts, pass mark, fields) come from
:mod:`quizzes.rules`, which the engine enforces again when it stores the campaign.
"""
from __future__ import annotations

import csv
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from quizzes import rules
from quizzes.engine import CampaignSpec
from quizzes.errors import QuizError

__all__ = ["SpecError", "parse_local_time", "parse_campaign_message", "parse_fields", "parse_tags",
           "read_headcounts", "campaign_spec", "TAG_NAMES", "FIELD_NAMES"]

_TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")
FIELD_NAMES = {"学院": "college", "班级": "class", "学号": "student_no"}
_NUMBERS = {"题数": "question_count", "每题": "seconds_per_question", "及格": "pass_mark",
            "正式": "scored_attempts", "练习": "practice_attempts"}
# Chinese names organisers may use for the bank's tags (the tags themselves work too).
TAG_NAMES = {"警报": "alarm", "防空警报": "alarm", "历史": "history", "工程使用": "shelter", "防空洞": "shelter",
             "工程建设": "works", "权利义务": "rights", "军事设施": "military",
             "国防教育": "education", "国防动员": "mobilization", "动员": "mobilization",
             "简单": "easy", "中等": "medium", "较难": "hard", "困难": "hard",
             "学生": "student", "公众": "public", "群众": "public", "工作人员": "staff"}


class SpecError(QuizError, ValueError):
    """Campaign settings that cannot be understood; ``str`` is the Chinese reason."""


def parse_local_time(text: str, tz: str, *, end: bool = False) -> float:
    """``2027-06-01 08:00`` (also with seconds, ``/`` or ``T``) or ``2027-06-01`` in zone ``tz``,
    as Unix seconds. A date alone as an ``end`` time means the end of that day."""
    cleaned = " ".join((text or "").strip().replace("/", "-").replace("T", " ").split())
    for fmt in _TIME_FORMATS:
        try:
            at = datetime.strptime(cleaned, fmt).replace(tzinfo=ZoneInfo(tz))
        except ValueError:
            continue
        if fmt == "%Y-%m-%d" and end:
            at += timedelta(days=1)
        return at.timestamp()
    raise SpecError(f"时间“{text}”格式不对，应为“2027-06-01 08:00”或“2027-06-01”。")


def parse_tags(text: str) -> tuple[str, ...]:
    """``alarm,history`` or ``警报 历史``: tags, Chinese topic names mapped to the bank's tags."""
    return tuple(dict.fromkeys(TAG_NAMES.get(t, t) for t in re.split(r"[\s,，、]+", text or "") if t))


def parse_fields(text: str) -> dict[str, bool]:
    """``college,class?,student_no`` (or 学院、班级?): the fields asked besides name and school;
    a trailing ? makes one optional."""
    fields = {}
    for part in (p.strip() for p in re.split(r"[,，、]+", text or "")):
        if not part:
            continue
        name, required = (part[:-1], False) if part.endswith(("?", "？")) else (part, True)
        name = FIELD_NAMES.get(name, name)
        if name not in rules.REGISTRATION_FIELDS:
            raise SpecError(f"未知的报名项“{name}”（可选：{', '.join(rules.REGISTRATION_FIELDS)}）。")
        fields[name] = required
    return fields


def read_headcounts(path: str | Path) -> dict[str, int]:
    """A CSV with the columns 学校, 人数 (UTF-8, with or without BOM)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise QuizError(f"{path}：请把文件另存为 UTF-8 编码的 CSV。") from None
    rows = csv.DictReader(text.splitlines())
    if not rows.fieldnames or not {"学校", "人数"} <= {f.strip() for f in rows.fieldnames}:
        raise QuizError(f"{path}：第一行应为表头“学校,人数”。")
    counts: dict[str, int] = {}
    for line, row in enumerate(rows, 2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        if not row["学校"] and not row["人数"]:
            continue
        if not row["学校"] or not row["人数"].isdigit() or int(row["人数"]) <= 0:
            raise QuizError(f"{path}：第 {line} 行应有学校名称和正整数人数。")
        if row["学校"] in counts:
            raise QuizError(f"{path}：第 {line} 行的学校“{row['学校']}”重复。")
        counts[row["学校"]] = int(row["人数"])
    return counts


def campaign_spec(*, code: str, name: str, start: str, end: str, tz: str, created_by: str,
                  tags: str = "", fields: str = "", **numbers) -> CampaignSpec:
    """A spec from typed values (times as local text, tags and fields as lists in text)."""
    return CampaignSpec(code=code, name=name, starts_at=parse_local_time(start, tz),
                        ends_at=parse_local_time(end, tz, end=True), tags=parse_tags(tags),
                        fields=parse_fields(fields), created_by=created_by, **numbers)


def parse_campaign_message(text: str, tz: str, created_by: str = "") -> CampaignSpec:
    """``代码 | 名称 | 开始 | 结束`` then optional ``key value`` parts in any order:
    题数 N, 每题 N 秒, 及格 N, 正式 N 次, 练习 N 次, 必填 学院 班级 学号, 选填 …, 标签 警报 历史, 主办 名称."""
    parts = [p.strip() for p in re.split(r"[|｜]", text or "")]
    if len(parts) < 4 or not all(parts[:4]):
        raise SpecError("至少需要“代码 | 名称 | 开始时间 | 结束时间”四项。")
    try:
        code, name = rules.check_code(parts[0]), rules.check_name(parts[1])
    except QuizError as exc:
        raise SpecError(str(exc)) from None
    values: dict = {"code": code, "name": name, "starts_at": parse_local_time(parts[2], tz),
                    "ends_at": parse_local_time(parts[3], tz, end=True), "created_by": created_by}
    fields: dict[str, bool] = {}
    for part in (p for p in parts[4:] if p):
        key, _, rest = part.partition(" ")
        key, rest = key.strip(), rest.strip()
        if key in _NUMBERS:
            m = re.match(r"^(\d+)\s*(秒|次|题)?$", rest)
            attr = _NUMBERS[key]
            low, high = rules.RANGES[attr]
            if not m or not low <= int(m.group(1)) <= high:
                raise SpecError(f"“{part}”：{key}应为 {low}–{high} 之间的整数。")
            values[attr] = int(m.group(1))
        elif key in ("必填", "选填"):
            names = [n for n in re.split(r"[\s,，、]+", rest) if n]
            unknown = [n for n in names if n not in FIELD_NAMES]
            if not names or unknown:
                raise SpecError(f"“{part}”：可登记的项目只有学院、班级、学号。")
            fields.update({FIELD_NAMES[n]: key == "必填" for n in names})
        elif key == "标签":
            values["tags"] = parse_tags(rest)
        elif key == "主办":
            values["organiser"] = rest
        else:
            raise SpecError(f"看不懂“{part}”。可用的项目：题数、每题、及格、正式、练习、必填、选填、标签、主办。")
    if values["ends_at"] <= values["starts_at"]:
        raise SpecError("结束时间必须晚于开始时间。")
    if values.get("pass_mark", 6) > values.get("question_count", 10):
        raise SpecError("及格题数不能多于总题数。")
    return CampaignSpec(fields=fields, **values)
