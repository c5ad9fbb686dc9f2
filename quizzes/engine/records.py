"""The quiz engine's typed values, limits and row mappers, shared by its capability modules.

Frozen dataclasses cross every boundary (campaigns, registrations, attempts, items, results,
rankings, certificates); the SQL fragments and row mappers here are the one reading of the
``quiz.db`` rows they come from.
"""
from __future__ import annotations

import functools
import json
import random
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Sequence

from quizzes import rules
from quizzes.errors import QuizError, RegistrationError
from quizzes.model import (Question,
                           question_from_dict)

REGISTRATION_FIELDS = rules.REGISTRATION_FIELDS  # optional ones; name and school always
MIN_HUMAN_MS = 800  # answers faster than this after the question was sent are flagged
LATE_GRACE_S = 1.0  # network slack after a deadline before an answer counts as late


@dataclass(frozen=True)
class CampaignSpec:
    code: str
    name: str
    starts_at: float
    ends_at: float
    question_count: int = 10
    seconds_per_question: int = 30
    tags: tuple[str, ...] = ()  # empty: the whole approved bank
    scored_attempts: int = 1
    practice_attempts: int = 0
    fields: dict[str, bool] = field(default_factory=dict)  # optional field -> required? e.g. {"college": False}
    pass_mark: int = 6
    organiser: str = ""
    headcounts: dict[str, int] = field(default_factory=dict)  # school -> number of students
    created_by: str = ""
    hold_flagged: bool = True  # a flagged participant's certificate waits for review
    keep_student_no: bool = False  # keep student numbers in clear for the export (opt-in)


@dataclass(frozen=True)
class Campaign:
    id: int
    code: str
    name: str
    organiser: str
    starts_at: float
    ends_at: float
    tags: tuple[str, ...]
    question_count: int
    seconds_per_question: int
    scored_attempts: int
    practice_attempts: int
    fields: dict[str, bool]
    pass_mark: int
    headcounts: dict[str, int]
    hold_flagged: bool = True
    keep_student_no: bool = False

    def is_open(self, now: float) -> bool:
        return self.starts_at <= now < self.ends_at


@dataclass(frozen=True)
class Registration:
    id: int
    campaign_id: int
    user_ref: str
    name: str
    school: str
    college: str = ""
    class_name: str = ""
    has_student_no: bool = False


@dataclass(frozen=True)
class Attempt:
    id: int
    user_ref: str
    chat_id: int
    kind: str  # practice | scored
    campaign_id: int | None
    question_count: int
    seconds_per_question: int
    started_at: float
    status: str  # open | finished | abandoned
    answered: int = 0  # items with an answer or a timeout


@dataclass(frozen=True)
class Item:
    """One question as presented to one participant."""

    attempt_id: int
    position: int
    total: int
    question: Question
    order: tuple[int, ...]  # shown position -> index into question.options
    sent_at: float
    deadline_at: float
    message_id: int | None = None
    chat_id: int | None = None

    @property
    def shown_options(self) -> tuple[str, ...]:
        return tuple(self.question.options[i] for i in self.order)

    @property
    def correct_shown(self) -> tuple[int, ...]:
        return tuple(sorted(self.order.index(i) for i in self.question.correct))


@dataclass(frozen=True)
class AnswerResult:
    # accepted: recorded now. duplicate: this item already had an answer/timeout (nothing changed).
    # late: after the deadline (a timeout is recorded if none was). closed: the attempt is finished
    # or the campaign window has ended. not_yours: another account's attempt. not_current: the
    # item was never presented. ``replayed``: "accepted" again for a retry carrying the key
    # the answer was first recorded with (nothing changed).
    status: str
    item: Item | None = None
    correct: bool = False
    flagged: bool = False
    replayed: bool = False


@dataclass(frozen=True)
class Review:
    position: int
    question: Question
    chosen: tuple[int, ...]  # indexes into question.options; () for a timeout
    correct: bool


@dataclass(frozen=True)
class RoundResult:
    attempt_id: int
    kind: str
    campaign_id: int | None
    score: int
    total: int
    elapsed_ms: int
    passed: bool | None  # None for practice
    wrong: tuple[Review, ...]
    certificate_code: str | None = None  # only a valid certificate: never one held for review
    certificate_status: str = ""  # valid | held | revoked; "" when none was issued


@dataclass(frozen=True)
class RankRow:
    rank: int
    registration_id: int
    name: str
    school: str
    college: str
    class_name: str
    score: int
    total: int
    elapsed_ms: int
    finished_at: float
    passed: bool
    flagged: bool
    certificate_code: str | None
    user_ref: str = ""  # never exported
    certificate_status: str = ""  # valid | held | revoked; "" without a certificate
    student_no: str = ""  # only when the campaign keeps student numbers (keep_student_no)


@dataclass(frozen=True)
class SchoolRow:
    rank: int
    school: str
    participants: int
    average_score: float
    headcount: int | None
    participation_rate: float | None  # participants / headcount when a headcount was given


@dataclass(frozen=True)
class Certificate:
    code: str
    campaign_code: str
    campaign_name: str
    name: str
    school: str
    score: int
    total: int
    issued_at: float
    valid: bool = True  # False when the stored record no longer matches its MAC
    status: str = "valid"  # held: awaiting review (flagged participant); revoked: see reason
    reason: str = ""


_JUDGEMENT = ({"正确", "错误"}, {"对", "错"}, {"是", "否"}, {"√", "×"})
_FIXED_OPTION = re.compile(r"^(以上|上述)|^(全部|都|均)(正确|错误|不正确|对|错|是|不是)$")
_STUDENT_NO = re.compile(r"^[A-Z0-9_-]{3,32}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
MIN_SECONDS, MAX_SECONDS, MAX_QUESTIONS = rules.MIN_SECONDS, rules.MAX_SECONDS, rules.MAX_QUESTIONS


def option_order(question: Question, rng: random.Random) -> tuple[int, ...]:
    """A per-participant shuffle: shown position -> index into question.options.

    Judgement questions (正确/错误) keep their order, and options that refer to the others
    (以上都对, 上述均不正确 …) keep their place; the rest are shuffled.
    """
    n = len(question.options)
    if set(question.options) in _JUDGEMENT:
        return tuple(range(n))
    fixed = {i for i, text in enumerate(question.options) if _FIXED_OPTION.search(text)}
    movable = [i for i in range(n) if i not in fixed]
    rng.shuffle(movable)
    it = iter(movable)
    return tuple(i if i in fixed else next(it) for i in range(n))


def clean_text(value: str, what: str, limit: int, *, required: bool) -> str:
    """Registration text: NFKC, single spaces, no control characters, within ``limit``."""
    text = " ".join(unicodedata.normalize("NFKC", value or "").split())
    if _CONTROL.search(text):
        raise RegistrationError(f"{what}里有无法识别的字符，请重新输入。")
    if required and not text:
        raise RegistrationError(f"请填写{what}。")
    if len(text) > limit:
        raise RegistrationError(f"{what}太长了（最多 {limit} 个字）。")
    return text


def locked(method):
    """Run the engine method under the engine's lock (one connection, many threads)."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)
    return wrapper


_ATTEMPT_SQL = """
SELECT t.id, t.user_ref, t.chat_id, t.kind, t.campaign_id, t.question_count, t.seconds_per_question,
       t.started_at, t.status, (SELECT COUNT(*) FROM answers a WHERE a.attempt_id = t.id)
FROM attempts t
"""
_ITEM_COLUMNS = """i.attempt_id, i.position, t.question_count, i.question, i.option_order, i.sent_at,
       i.deadline_at, i.message_id, i.chat_id"""
_ITEM_SQL = f"SELECT {_ITEM_COLUMNS} FROM attempt_items i JOIN attempts t ON t.id = i.attempt_id"
_CAMPAIGN_SQL = """
SELECT id, code, name, organiser, starts_at, ends_at, tags, question_count, seconds_per_question,
       scored_attempts, practice_attempts, fields, pass_mark, hold_flagged, keep_student_no FROM campaigns
"""


def _school(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name or "").split())


@functools.lru_cache(maxsize=4096)
def _question(snapshot: str):
    """A question from an attempt's JSON snapshot. Snapshots repeat (every round draws from one
    bank) and a Question is frozen, so each distinct text is decoded once per process."""
    return question_from_dict(json.loads(snapshot))


def _item(row) -> Item:
    attempt_id, position, total, question, order, sent_at, deadline_at, message_id, chat_id = row
    return Item(attempt_id, position, total, _question(question),
                tuple(json.loads(order)), sent_at or 0.0, deadline_at or 0.0, message_id, chat_id)


def _map_choice(item: Item, shown: Sequence[int]) -> list[int]:
    picks = list(shown or ())
    if (not picks or len(set(picks)) != len(picks)
            or any(not isinstance(p, int) or not 0 <= p < len(item.order) for p in picks)):
        raise QuizError("所选答案无效。")
    return sorted(item.order[p] for p in picks)


def _rank_row(r) -> RankRow:
    (rank, registration_id, name, school, college, class_name, score, total, elapsed, finished_at,
     passed, flagged, cert, user_ref, cert_status, student_no) = r
    return RankRow(rank, registration_id, name, school, college, class_name, score, total, elapsed,
                   finished_at, bool(passed), bool(flagged), cert, user_ref, cert_status or "", student_no or "")

