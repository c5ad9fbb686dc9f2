"""The rules a campaign's settings must satisfy, in one place for every way of creating one.

The engine enforces them when a campaign is stored; the application layer's parsers (the CLI's
options, the bot's one-message /newcampaign, the web's form) report the same limits with the
same words before anything is stored. Pure: no database, no clock reads (``now`` is passed in).
"""
from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from quizzes.errors import QuizError

if TYPE_CHECKING:
    from quizzes.engine import CampaignSpec

REGISTRATION_FIELDS = ("college", "class", "student_no")  # optional ones; name and school always
# field -> (fewest, most) characters, for every channel that registers participants
FIELD_LIMITS = {"name": (1, 30), "school": (2, 60), "college": (1, 60), "class": (1, 60), "student_no": (3, 32)}
MIN_SECONDS, MAX_SECONDS = 5, 600  # Telegram's poll open_period range
MAX_QUESTIONS = 50
MAX_NAME = 60
CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")
# attribute -> (lowest, highest) for the numbers of a campaign
RANGES = {"question_count": (1, MAX_QUESTIONS), "seconds_per_question": (MIN_SECONDS, MAX_SECONDS),
          "pass_mark": (1, MAX_QUESTIONS), "scored_attempts": (1, 10), "practice_attempts": (0, 100)}


def normal_code(code: str) -> str:
    """A join code as stored: NFKC, trimmed, upper case."""
    return unicodedata.normalize("NFKC", code or "").strip().upper()


def normal_name(name: str) -> str:
    return " ".join((name or "").split())


def check_code(code: str) -> str:
    normal = normal_code(code)
    if not CODE.match(normal):
        raise QuizError("活动代码只能由字母、数字、连字符组成（2–32 个字符），例如 CQU2027。")
    return normal


def check_name(name: str) -> str:
    normal = normal_name(name)
    if not normal or len(normal) > MAX_NAME:
        raise QuizError(f"请给活动起一个名称（不超过 {MAX_NAME} 个字）。")
    return normal


def check_spec(spec: "CampaignSpec", now: float) -> tuple[str, str]:
    """Every check that needs neither the database nor the bank; (code, name) as stored.
    Raises QuizError with a Chinese message."""
    code, name = check_code(spec.code), check_name(spec.name)
    if spec.ends_at <= spec.starts_at:
        raise QuizError("活动的结束时间必须晚于开始时间。")
    if spec.ends_at <= now:
        raise QuizError("活动的结束时间已经过去了。")
    if not 1 <= spec.question_count <= MAX_QUESTIONS:
        raise QuizError(f"每轮题数应在 1 到 {MAX_QUESTIONS} 之间。")
    if not MIN_SECONDS <= spec.seconds_per_question <= MAX_SECONDS:
        raise QuizError(f"每题限时应在 {MIN_SECONDS} 到 {MAX_SECONDS} 秒之间。")
    (s_low, s_high), (p_low, p_high) = RANGES["scored_attempts"], RANGES["practice_attempts"]
    if not s_low <= spec.scored_attempts <= s_high or not p_low <= spec.practice_attempts <= p_high:
        raise QuizError(f"正式答题次数应在 {s_low} 到 {s_high} 之间，练习次数在 {p_low} 到 {p_high} 之间。")
    if not 1 <= spec.pass_mark <= spec.question_count:
        raise QuizError(f"合格分数应在 1 到每轮题数（{spec.question_count}）之间。")
    unknown = [f for f in spec.fields if f not in REGISTRATION_FIELDS]
    if unknown:
        raise QuizError(f"未知的报名项：{'、'.join(unknown)}（可选：college、class、student_no）。")
    return code, name
