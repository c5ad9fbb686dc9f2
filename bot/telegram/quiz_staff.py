"""Organisers' quiz commands (allow-listed staff only, every action logged):
/campaigns, /ranking CODE, /export CODE (CSV + XLSX) and /newcampaign from one message.

``/newcampaign 代码 | 名称 | 开始 | 结束 | 题数 10 | 每题 30 秒 | 及格 6`` — the four first parts
are positional, the rest are "key value" parts in any order, all optional (defaults: 10
questions, 30 s each, pass mark 6, one scored attempt, no practice): 正式 N 次, 练习 N 次,
必填 学院 班级 学号, 选填 …, 标签 警报 历史 (the bank's topics, in Chinese or as tags),
主办 名称. Times are local ("2027-06-01 08:00"; a date
alone means the start or the end of that day).
"""
from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import InputFile, Update

from bot.telegram import quiz_render as qr
from bot.telegram import texts
from bot.telegram.common import Context, reply, services, settings, user_ref
from bot.telegram.render import esc, replies
from bot.telegram.staff import staff_only
from quizzes.engine import CampaignSpec
from quizzes.errors import NotFound, QuizError

log = logging.getLogger(__name__)
_CODE = re.compile(r"^[A-Za-z0-9_-]{2,20}$")
_FIELD_NAMES = {"学院": "college", "班级": "class", "学号": "student_no"}
_NUMBERS = {"题数": "question_count", "每题": "seconds_per_question", "及格": "pass_mark",
            "正式": "scored_attempts", "练习": "practice_attempts"}
_RANGES = {"question_count": (1, 50), "seconds_per_question": (5, 600), "pass_mark": (1, 50),
           "scored_attempts": (1, 10), "practice_attempts": (0, 100)}
# Chinese names organisers may use for the bank's tags (the tags themselves work too).
TAG_NAMES = {"警报": "alarm", "防空警报": "alarm", "历史": "history", "工程使用": "shelter", "防空洞": "shelter",
             "工程建设": "works", "权利义务": "rights", "军事设施": "military",
             "国防教育": "education", "国防动员": "mobilization", "动员": "mobilization",
             "简单": "easy", "中等": "medium", "较难": "hard", "困难": "hard",
             "学生": "student", "公众": "public", "群众": "public", "工作人员": "staff"}


class SpecError(ValueError):
    """A /newcampaign message that cannot be understood; ``str`` is the Chinese reason."""


def parse_time(text: str, tz: str, end: bool = False) -> float:
    text = text.strip().replace("/", "-").replace("T", " ")
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            at = datetime.strptime(text, fmt).replace(tzinfo=ZoneInfo(tz))
        except ValueError:
            continue
        if fmt == "%Y-%m-%d" and end:
            at += timedelta(days=1)  # "2027-06-05" as an end: the whole day
        return at.timestamp()
    raise SpecError(f"时间“{text}”格式不对，应为“2027-06-01 08:00”或“2027-06-01”。")


def parse_campaign(text: str, tz: str, created_by: str = "") -> CampaignSpec:
    parts = [p.strip() for p in re.split(r"[|｜]", text or "")]
    if len(parts) < 4 or not all(parts[:4]):
        raise SpecError("至少需要“代码 | 名称 | 开始时间 | 结束时间”四项。")
    code, name = parts[0].upper(), parts[1]
    if not _CODE.match(code):
        raise SpecError("活动代码应为 2–20 位字母、数字、下划线或连字符，例如 CQU2027。")
    if not 2 <= len(name) <= 40:
        raise SpecError("活动名称应为 2–40 个字。")
    values: dict = {"code": code, "name": name, "starts_at": parse_time(parts[2], tz),
                    "ends_at": parse_time(parts[3], tz, end=True), "created_by": created_by}
    fields: dict[str, bool] = {}
    for part in (p for p in parts[4:] if p):
        key, _, rest = part.partition(" ")
        key, rest = key.strip(), rest.strip()
        if key in _NUMBERS:
            m = re.match(r"^(\d+)\s*(秒|次|题)?$", rest)
            attr = _NUMBERS[key]
            low, high = _RANGES[attr]
            if not m or not low <= int(m.group(1)) <= high:
                raise SpecError(f"“{part}”：{key}应为 {low}–{high} 之间的整数。")
            values[attr] = int(m.group(1))
        elif key in ("必填", "选填"):
            names = [n for n in re.split(r"[\s,，、]+", rest) if n]
            unknown = [n for n in names if n not in _FIELD_NAMES]
            if not names or unknown:
                raise SpecError(f"“{part}”：可登记的项目只有学院、班级、学号。")
            fields.update({_FIELD_NAMES[n]: key == "必填" for n in names})
        elif key == "标签":
            values["tags"] = tuple(TAG_NAMES.get(t, t) for t in re.split(r"[\s,，、]+", rest) if t)
        elif key == "主办":
            values["organiser"] = rest
        else:
            raise SpecError(f"看不懂“{part}”。可用的项目：题数、每题、及格、正式、练习、必填、选填、标签、主办。")
    if values["ends_at"] <= values["starts_at"]:
        raise SpecError("结束时间必须晚于开始时间。")
    if values.get("pass_mark", 6) > values.get("question_count", 10):
        raise SpecError("及格题数不能多于总题数。")
    return CampaignSpec(fields=fields, **values)


@staff_only
async def campaigns(update: Update, context: Context) -> None:
    summaries = await services(context).quiz(lambda ops: ops.summaries())
    log.info("staff %s listed campaigns", user_ref(update))
    if not summaries:
        await reply(update, context, texts.CAMPAIGNS_NONE)
        return
    tz, now = settings(context).timezone, services(context).clock()
    blocks = [f"<b>📋 知识竞赛活动</b>（共 {len(summaries)} 项）"]
    for s in summaries[:30]:
        c = s.campaign
        blocks.append(f"<b>{esc(c.code)}</b> {esc(c.name)}（{qr.phase(c, now)}）\n"
                      f"　{qr.window(c, tz)}\n　报名 {s.registered} 人，完成正式答题 {s.finished} 人，"
                      f"及格 {s.passed} 人")
    blocks.append("查看排名：/ranking 代码　导出成绩：/export 代码")
    await reply(update, context, replies(blocks))


def _code(context: Context) -> str | None:
    return context.args[0].strip().upper() if context.args else None


@staff_only
async def ranking(update: Update, context: Context) -> None:
    code = _code(context)
    if not code:
        await reply(update, context, "用法：<code>/ranking 活动代码</code>")
        return
    try:
        campaign, top, ranked, schools = await services(context).quiz(lambda ops: ops.rankings(code))
    except NotFound:
        await reply(update, context, texts.JOIN_UNKNOWN.format(code=esc(code)))
        return
    log.info("staff %s viewed the ranking of %s", user_ref(update), campaign.code)
    await reply(update, context, qr.staff_ranking_replies(campaign, top, ranked, schools, settings(context).timezone))


@staff_only
async def export(update: Update, context: Context) -> None:
    code = _code(context)
    if not code:
        await reply(update, context, "用法：<code>/export 活动代码</code>")
        return
    try:
        campaign, rows, files = await services(context).quiz(lambda ops: ops.export(code))
    except NotFound:
        await reply(update, context, texts.JOIN_UNKNOWN.format(code=esc(code)))
        return
    log.info("staff %s exported campaign %s (%d rows)", user_ref(update), campaign.code, rows)
    chat_id = update.effective_chat.id
    for name, data in files:
        await context.bot.send_document(chat_id, InputFile(data, filename=name),
                                        caption=f"{esc(campaign.name)}：{rows} 条成绩")


@staff_only
async def new_campaign(update: Update, context: Context) -> None:
    text = (update.effective_message.text or "").split(maxsplit=1)
    if len(text) < 2:
        await reply(update, context, texts.NEWCAMPAIGN_USAGE)
        return
    ref, tz = user_ref(update), settings(context).timezone
    try:
        spec = parse_campaign(text[1], tz, created_by=f"telegram:{ref}")
        campaign = await services(context).quiz(lambda ops: ops.create_campaign(spec))
    except (SpecError, QuizError) as exc:
        await reply(update, context, f"{esc(str(exc))}\n\n{texts.NEWCAMPAIGN_USAGE}")
        return
    log.info("staff %s created campaign %s (%s)", ref, campaign.code, campaign.name)
    fields = "、".join(qr.FIELD_LABELS[f] + ("" if required else "（选填）")
                      for f, required in campaign.fields.items()) or "无"
    lines = [f"✅ 已创建活动 <b>{esc(campaign.code)}</b>：{esc(campaign.name)}",
             f"时间：{qr.window(campaign, tz)}",
             f"{campaign.question_count} 题，每题 {campaign.seconds_per_question} 秒，及格 {campaign.pass_mark} 题；"
             f"正式答题 {campaign.scored_attempts} 次，练习 {campaign.practice_attempts} 次",
             f"另需登记：{fields}",
             f"学生报名：发送 <code>/join {esc(campaign.code)}</code>"]
    username = context.bot.username if context.bot else None
    if username:
        lines.append(f"或打开链接 https://t.me/{esc(username)}?start={esc(campaign.code)}")
    await reply(update, context, "\n".join(lines))
