"""The quiz engine: practice rounds, campaigns, registrations, timed attempts, scores, rankings.

CONTRACT (other modules and the Telegram layer code against these signatures):

* One :class:`QuizEngine` per thread (it owns one SQLite connection to ``quiz.db``; WAL, busy
  timeout). Every public method is blocking and short; the bot runs them in a worker thread.
* Time comes from ``clock()`` (Unix seconds) so tests can move it; nothing sleeps here.
* Every write commits before the method returns: a caller may acknowledge as soon as it has the
  return value ("nothing acknowledged is lost").
* ``user_ref`` is the opaque participant key (Telegram: the numeric user id as text).
* Positions are 0-based; ``shown`` indexes are what the participant saw (after the per-attempt
  shuffle); the engine maps them back to ``Question.options`` indexes.

Round life cycle (practice and scored alike)::

    att = eng.start_practice(user, chat)            # or eng.start_scored(campaign_id, user, chat)
    item = eng.present(att.id)                      # next unanswered item; sets sent_at/deadline
    eng.set_message(att.id, item.position, chat_id, message_id)   # optional: for edits / resume
    res = eng.answer(att.id, item.position, shown=(2,), user_ref=user)   # committed
    #   or, when the deadline passes without an answer:
    eng.expire(att.id, item.position)               # records a timeout unless answered first
    ...                                             # present() again until it returns None
    result = eng.finish(att.id)                     # idempotent; score, time, review, certificate
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from quizzes.model import Basis, Question

REGISTRATION_FIELDS = ("college", "class", "student_no")  # optional ones; name and school always
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
    # item was never presented.
    status: str
    item: Item | None = None
    correct: bool = False
    flagged: bool = False


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
    certificate_code: str | None = None


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


class QuizEngine:
    def __init__(self, db_path: str | Path, bank: Sequence[Question] = (), *,
                 clock: Callable[[], float] = time.time, seed: int | None = None):
        """Open (and migrate) ``quiz.db``. ``bank``: the curated questions from the bank files;
        approved imported/generated questions from the database are added to it."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # ---- bank ---------------------------------------------------------------------------

    def questions(self, tags: Iterable[str] = ()) -> list[Question]:
        """Approved questions (files + database) having any of ``tags`` (all when empty)."""
        raise NotImplementedError

    # ---- campaigns ----------------------------------------------------------------------

    def create_campaign(self, spec: CampaignSpec) -> Campaign:
        """Raises QuizError (duplicate code, bad window, not enough questions for the tags …)."""
        raise NotImplementedError

    def campaign(self, code_or_id: str | int) -> Campaign:
        """Raises NotFound."""
        raise NotImplementedError

    def campaigns(self) -> list[Campaign]:
        raise NotImplementedError

    def set_headcount(self, campaign_id: int, school: str, headcount: int) -> None:
        raise NotImplementedError

    # ---- registration -------------------------------------------------------------------

    def registration(self, campaign_id: int, user_ref: str) -> Registration | None:
        raise NotImplementedError

    def register(self, campaign_id: int, user_ref: str, *, name: str, school: str,
                 college: str = "", class_name: str = "", student_no: str = "") -> Registration:
        """Once per account and campaign; the student number is stored only as a salted hash.
        Raises RegistrationError / WindowClosed."""
        raise NotImplementedError

    def draft(self, user_ref: str) -> tuple[int, dict] | None:
        """The registration conversation in progress: (campaign_id, answers so far)."""
        raise NotImplementedError

    def save_draft(self, user_ref: str, campaign_id: int, data: dict) -> None:
        raise NotImplementedError

    def drop_draft(self, user_ref: str) -> None:
        raise NotImplementedError

    # ---- attempts -----------------------------------------------------------------------

    def start_practice(self, user_ref: str, chat_id: int, *, count: int = 10,
                       seconds: int = 30, campaign_id: int | None = None) -> Attempt:
        """Open practice (/quiz) or a campaign's practice round (limited by practice_attempts).
        An open attempt of the same user is returned instead of starting a second one."""
        raise NotImplementedError

    def start_scored(self, campaign_id: int, user_ref: str, chat_id: int) -> Attempt:
        """The scored attempt: registration required, inside the window, within the limit
        (counted in the same transaction that creates it). Raises AttemptLimit / WindowClosed /
        RegistrationError."""
        raise NotImplementedError

    def active_attempt(self, user_ref: str) -> Attempt | None:
        raise NotImplementedError

    def open_attempts(self) -> list[Attempt]:
        """Attempts left open (e.g. by a restart), for the bot to resume."""
        raise NotImplementedError

    def present(self, attempt_id: int) -> Item | None:
        """The current item: the first without an answer/timeout. Sets sent_at/deadline the first
        time it is presented (idempotent afterwards). None when every item is done."""
        raise NotImplementedError

    def current(self, attempt_id: int) -> Item | None:
        """Like present() but never marks anything as sent."""
        raise NotImplementedError

    def item(self, attempt_id: int, position: int) -> Item | None:
        raise NotImplementedError

    def set_message(self, attempt_id: int, position: int, chat_id: int, message_id: int) -> None:
        raise NotImplementedError

    def answer(self, attempt_id: int, position: int, shown: Sequence[int], user_ref: str) -> AnswerResult:
        """Record an answer exactly once (INSERT guarded by the primary key, committed)."""
        raise NotImplementedError

    def expire(self, attempt_id: int, position: int) -> bool:
        """Record a timeout for an item whose deadline has passed; False if it was answered
        (or the deadline has not passed)."""
        raise NotImplementedError

    def finish(self, attempt_id: int) -> RoundResult:
        """Close the attempt (idempotent): remaining items count as unanswered; for a passed
        scored attempt a certificate is issued."""
        raise NotImplementedError

    def abandon(self, attempt_id: int) -> None:
        """Practice only (e.g. /cancel); a scored attempt can only be finished."""
        raise NotImplementedError

    # ---- results ------------------------------------------------------------------------

    def ranking(self, campaign_id: int, limit: int | None = None) -> list[RankRow]:
        """Individuals by score desc, then elapsed time asc, then finish time; computed from
        the answers table (never from a cached total)."""
        raise NotImplementedError

    def standing(self, campaign_id: int, user_ref: str) -> tuple[RankRow | None, int]:
        """(the participant's row or None, number of ranked participants)."""
        raise NotImplementedError

    def school_ranking(self, campaign_id: int) -> list[SchoolRow]:
        raise NotImplementedError

    def flagged(self, campaign_id: int) -> list[RankRow]:
        raise NotImplementedError

    def export(self, campaign_id: int, path: str | Path) -> int:
        """Write results as .csv (UTF-8 with BOM, for Excel) or .xlsx by suffix; rows written."""
        raise NotImplementedError

    # ---- certificates -------------------------------------------------------------------

    def certificate(self, attempt_id: int) -> Certificate | None:
        raise NotImplementedError

    def verify(self, code: str) -> Certificate | None:
        raise NotImplementedError
