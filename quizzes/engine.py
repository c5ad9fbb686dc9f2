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

Beyond the first contract: ``attempt(id)``, ``item_by_poll(poll_id)`` with
``set_message(..., poll_id=…)`` (poll answers carry only the poll id), ``campaign_stats(id)``
(cheap counts), ``questions(tags, status=…)``, ``known_tags()``, ``local_time(ts)``,
``from_settings(settings)`` and the ``timezone`` argument. ``expire()`` accepts from
``deadline_at``; schedule it at ``deadline_at + LATE_GRACE_S`` to give answers their grace.
Storage, ranking SQL, exports and certificate codes live in ``store``, ``ranking``, ``export``
and ``codes`` beside this module.
"""
from __future__ import annotations

import functools
import hmac
import json
import random
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Sequence

from quizzes import dashboard, ranking, review, rosters, rules, store
from quizzes.bank import TOPICS
from quizzes.codes import certificate_mac, new_code, normalise_code, normalise_student_no, student_hash
from quizzes.errors import AttemptLimit, NotFound, QuizError, RegistrationError, WindowClosed
from quizzes.export import local_time, write_results
from quizzes.model import (AUDIENCES, DIFFICULTIES, ORIGINS, Basis, Question,  # noqa: F401
                           question_from_dict, question_to_dict)

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


def _locked(method):
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


class QuizEngine:
    def __init__(self, db_path: str | Path, bank: Sequence[Question] = (), *,
                 clock: Callable[[], float] = time.time, seed: int | None = None,
                 timezone: str = "Asia/Shanghai",
                 held: Callable[[Sequence[Question]], set[str]] | None = None):
        """Open (and migrate) ``quiz.db``. ``bank``: the curated questions from the bank files;
        approved imported/generated questions from the database are added to it.
        ``timezone``: how local times are shown (messages, exports)."""
        self.path = Path(db_path)
        self.clock = clock
        self.timezone = timezone
        self.held = held  # ids not to draw: their cited article changed (quizzes.bank.BasisHolds)
        self._rng = random.Random(seed)
        self._bank: dict[str, Question] = {}
        for q in bank:
            self._bank.setdefault(q.id, q)
        self._stored: tuple[tuple, list[Question]] = ((), [])
        self._lock = threading.RLock()
        self.conn = store.connect(self.path)
        with store.write(self.conn):
            self._cert_key = store.meta_secret(self.conn, "certificate_secret")
            self._student_key = store.meta_secret(self.conn, "student_salt")

    @classmethod
    def from_settings(cls, settings, **kwargs) -> "QuizEngine":
        """The engine of a deployment: ``settings.quiz_db_path``, the curated bank files,
        ``settings.timezone``. Problems in the bank files are skipped here (``lawbot quiz
        validate`` reports them)."""
        from quizzes.bank import load_bank

        kwargs.setdefault("timezone", settings.timezone)
        return cls(settings.quiz_db_path, load_bank().questions, **kwargs)

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    def __enter__(self) -> "QuizEngine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def local_time(self, ts: float | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        return local_time(ts, self.timezone, fmt)

    def _one(self, sql: str, params: Sequence | dict = ()):
        return self.conn.execute(sql, params).fetchone()

    # ---- bank ---------------------------------------------------------------------------

    @_locked
    def questions(self, tags: Iterable[str] = (), *, status: str = "approved") -> list[Question]:
        """Approved questions (files + database) having any of ``tags`` (all when empty).
        ``status``: approved (default), pending, rejected or all."""
        wanted = set(tags)
        pool = [q for q in self._bank.values() if status in ("all", q.status)]
        pool += [q for q in self._stored_questions()
                 if status in ("all", q.status) and q.id not in self._bank]
        return [q for q in pool if not wanted or wanted.intersection(q.tags)]

    def _stored_questions(self) -> list[Question]:
        """Database questions, re-read only when the table changed (cheap signature query)."""
        key = tuple(self._one(
            "SELECT COUNT(*), TOTAL(created_at), TOTAL(reviewed_at), TOTAL(length(data)),"
            " TOTAL(status = 'approved'), TOTAL(status = 'pending') FROM questions"))
        if key != self._stored[0]:
            rows = self.conn.execute("SELECT data, origin, status FROM questions ORDER BY created_at, id")
            found = [replace(question_from_dict(json.loads(d)), origin=o, status=s) for d, o, s in rows]
            self._stored = (key, found)
        return self._stored[1]

    def known_tags(self) -> set[str]:
        return {*TOPICS, *DIFFICULTIES, *AUDIENCES, *ORIGINS,
                *(t for q in self.questions(status="all") for t in q.tags)}

    # ---- campaigns ----------------------------------------------------------------------

    @_locked
    def create_campaign(self, spec: CampaignSpec) -> Campaign:
        """Raises QuizError (duplicate code, bad window, not enough questions for the tags …)."""
        code, name = rules.check_spec(spec, self.clock())
        tags = tuple(dict.fromkeys(t.strip() for t in spec.tags if t.strip()))
        bad_tags = [t for t in tags if t not in self.known_tags()]
        if bad_tags:
            raise QuizError(f"未知的题目标签：{'、'.join(bad_tags)}。")
        available = len(self.questions(tags))
        if available < spec.question_count:
            scope = f"标签 {','.join(tags)} 下" if tags else "题库中"
            raise QuizError(f"{scope}只有 {available} 道已审核的题目，少于每轮 {spec.question_count} 道。")
        headcounts = {_school(s): int(n) for s, n in spec.headcounts.items()}
        if any(n <= 0 for n in headcounts.values()) or "" in headcounts:
            raise QuizError("各校人数必须是正整数，学校名称不能为空。")
        with store.write(self.conn):
            if self._one("SELECT 1 FROM campaigns WHERE code=?", (code,)):
                raise QuizError(f"活动代码 {code} 已被使用，请换一个。")
            cur = self.conn.execute(
                "INSERT INTO campaigns(code, name, organiser, starts_at, ends_at, tags, question_count,"
                " seconds_per_question, scored_attempts, practice_attempts, fields, pass_mark, created_at,"
                " created_by, hold_flagged, keep_student_no) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (code, name, spec.organiser.strip(), spec.starts_at, spec.ends_at, json.dumps(tags),
                 spec.question_count, spec.seconds_per_question, spec.scored_attempts,
                 spec.practice_attempts, json.dumps({k: bool(v) for k, v in spec.fields.items()}),
                 spec.pass_mark, self.clock(), spec.created_by, int(bool(spec.hold_flagged)),
                 int(bool(spec.keep_student_no) and "student_no" in spec.fields)))
            self.conn.executemany(
                "INSERT INTO school_headcounts(campaign_id, school, headcount) VALUES (?, ?, ?)",
                [(cur.lastrowid, s, n) for s, n in headcounts.items()])
        return self.campaign(cur.lastrowid)

    @_locked
    def campaign(self, code_or_id: str | int) -> Campaign:
        """Raises NotFound."""
        if isinstance(code_or_id, int):
            row = self._one(_CAMPAIGN_SQL + " WHERE id=?", (code_or_id,))
        else:
            code = unicodedata.normalize("NFKC", code_or_id or "").strip().upper()
            row = self._one(_CAMPAIGN_SQL + " WHERE code=?", (code,))
        if row is None:
            raise NotFound(f"没有找到活动“{code_or_id}”。")
        return self._campaign(row)

    @_locked
    def campaigns(self) -> list[Campaign]:
        return [self._campaign(r) for r in self.conn.execute(_CAMPAIGN_SQL + " ORDER BY starts_at, id")]

    def _campaign(self, row) -> Campaign:
        heads = dict(self.conn.execute(
            "SELECT school, headcount FROM school_headcounts WHERE campaign_id=? ORDER BY school", (row[0],)))
        return Campaign(id=row[0], code=row[1], name=row[2], organiser=row[3], starts_at=row[4],
                        ends_at=row[5], tags=tuple(json.loads(row[6])), question_count=row[7],
                        seconds_per_question=row[8], scored_attempts=row[9], practice_attempts=row[10],
                        fields=json.loads(row[11]), pass_mark=row[12], headcounts=heads,
                        hold_flagged=bool(row[13]), keep_student_no=bool(row[14]))

    @_locked
    def set_headcount(self, campaign_id: int, school: str, headcount: int) -> None:
        self.campaign(campaign_id)
        school = _school(school)
        if not school or int(headcount) <= 0:
            raise QuizError("各校人数必须是正整数，学校名称不能为空。")
        with store.write(self.conn):
            self.conn.execute(
                "INSERT INTO school_headcounts(campaign_id, school, headcount) VALUES (?, ?, ?)"
                " ON CONFLICT(campaign_id, school) DO UPDATE SET headcount=excluded.headcount",
                (campaign_id, school, int(headcount)))

    @_locked
    def campaign_stats(self, campaign_id: int) -> dict[str, int]:
        """Counts for a campaign overview: registered, started, finished, passed, flagged."""
        row = self._one(
            "SELECT (SELECT COUNT(*) FROM registrations WHERE campaign_id=:c),"
            " COUNT(DISTINCT registration_id), COUNT(DISTINCT CASE WHEN status='finished' THEN registration_id END),"
            " (SELECT COUNT(DISTINCT registration_id) FROM certificates WHERE campaign_id=:c),"
            " COUNT(DISTINCT CASE WHEN flagged=1 THEN registration_id END)"
            " FROM attempts WHERE campaign_id=:c AND kind='scored'", {"c": campaign_id})
        return dict(zip(("registered", "started", "finished", "passed", "flagged"), row))

    def _window_error(self, c: Campaign, now: float) -> WindowClosed:
        if now < c.starts_at:
            return WindowClosed(f"活动“{c.name}”将于 {self.local_time(c.starts_at)} 开始，请到时再来。")
        return WindowClosed(f"活动“{c.name}”已于 {self.local_time(c.ends_at)} 结束。")

    # ---- registration -------------------------------------------------------------------

    @_locked
    def registration(self, campaign_id: int, user_ref: str) -> Registration | None:
        row = self._one(
            "SELECT id, campaign_id, user_ref, name, school, college, class_name, student_hash IS NOT NULL"
            " FROM registrations WHERE campaign_id=? AND user_ref=?", (campaign_id, str(user_ref)))
        return Registration(*row[:7], has_student_no=bool(row[7])) if row else None

    @_locked
    def register(self, campaign_id: int, user_ref: str, *, name: str, school: str,
                 college: str = "", class_name: str = "", student_no: str = "") -> Registration:
        """Once per account and campaign; the student number is stored only as a salted hash.
        Only the fields the campaign asks for are kept. Raises RegistrationError / WindowClosed."""
        c = self.campaign(campaign_id)
        now = self.clock()
        if not c.is_open(now):
            raise self._window_error(c, now)
        name = clean_text(name, "姓名", 30, required=True)
        school = _school(clean_text(school, "学校", 60, required=True))
        college = clean_text(college, "学院", 60, required=c.fields.get("college", False)) \
            if "college" in c.fields else ""
        class_name = clean_text(class_name, "班级", 60, required=c.fields.get("class", False)) \
            if "class" in c.fields else ""
        digest, number = None, ""
        if "student_no" in c.fields:
            number = normalise_student_no(student_no)
            if number or c.fields["student_no"]:
                if not _STUDENT_NO.match(number):
                    raise RegistrationError("学号应为 3–32 位字母或数字，请重新输入。")
                digest = student_hash(self._student_key, c.id, number)
        user_ref = str(user_ref)
        with store.write(self.conn):
            rosters.check_listed(self.conn, c.id, school, digest, name)
            if self._one("SELECT 1 FROM registrations WHERE campaign_id=? AND user_ref=?", (c.id, user_ref)):
                raise RegistrationError("这个账号已经报名过本次活动，不能重复报名。")
            if digest and self._one("SELECT 1 FROM registrations WHERE campaign_id=? AND student_hash=?",
                                    (c.id, digest)):
                raise RegistrationError("这个学号已经在本次活动中报过名了；每个学号只能报名一次。")
            self.conn.execute(
                "INSERT INTO registrations(campaign_id, user_ref, name, school, college, class_name,"
                " student_hash, created_at, student_no) VALUES (?,?,?,?,?,?,?,?,?)",
                (c.id, user_ref, name, school, college, class_name, digest, now,
                 number if c.keep_student_no and digest else None))
            self.conn.execute("DELETE FROM registration_drafts WHERE user_ref=?", (user_ref,))
        return self.registration(c.id, user_ref)

    @_locked
    def draft(self, user_ref: str) -> tuple[int, dict] | None:
        """The registration conversation in progress: (campaign_id, answers so far)."""
        row = self._one("SELECT campaign_id, data FROM registration_drafts WHERE user_ref=?", (str(user_ref),))
        return (row[0], json.loads(row[1])) if row else None

    @_locked
    def save_draft(self, user_ref: str, campaign_id: int, data: dict) -> None:
        with store.write(self.conn):
            self.conn.execute(
                "INSERT INTO registration_drafts(user_ref, campaign_id, data, updated_at) VALUES (?,?,?,?)"
                " ON CONFLICT(user_ref) DO UPDATE SET campaign_id=excluded.campaign_id,"
                " data=excluded.data, updated_at=excluded.updated_at",
                (str(user_ref), campaign_id, json.dumps(data, ensure_ascii=False), self.clock()))

    @_locked
    def drop_draft(self, user_ref: str) -> None:
        with store.write(self.conn):
            self.conn.execute("DELETE FROM registration_drafts WHERE user_ref=?", (str(user_ref),))

    # ---- attempts -----------------------------------------------------------------------

    @_locked
    def start_practice(self, user_ref: str, chat_id: int, *, count: int = 10,
                       seconds: int = 30, campaign_id: int | None = None) -> Attempt:
        """Open practice (/quiz) or a campaign's practice round (limited by practice_attempts;
        the campaign's tags, count and time; allowed outside the window, never ranked).
        An open attempt of the same user is returned instead of starting a second one."""
        user_ref = str(user_ref)
        with store.write(self.conn):
            open_ = self._active(user_ref)
            if open_ is not None:
                return open_
            tags: tuple[str, ...] = ()
            registration_id = None
            if campaign_id is not None:
                c = self.campaign(campaign_id)
                if c.practice_attempts <= 0:
                    raise AttemptLimit("本次活动没有安排练习。")
                used = self._one("SELECT COUNT(*) FROM attempts WHERE campaign_id=? AND user_ref=?"
                                 " AND kind='practice'", (c.id, user_ref))[0]
                if used >= c.practice_attempts:
                    raise AttemptLimit(f"本次活动的 {c.practice_attempts} 次练习机会已经用完了。")
                tags, count, seconds = c.tags, c.question_count, c.seconds_per_question
                reg = self._one("SELECT id FROM registrations WHERE campaign_id=? AND user_ref=?",
                                (c.id, user_ref))
                registration_id = reg[0] if reg else None
            if not 1 <= count <= MAX_QUESTIONS or not MIN_SECONDS <= seconds <= MAX_SECONDS:
                raise QuizError(f"每轮 1–{MAX_QUESTIONS} 题，每题 {MIN_SECONDS}–{MAX_SECONDS} 秒。")
            return self._create_attempt(user_ref, chat_id, "practice", campaign_id, registration_id,
                                        tags, count, seconds)

    @_locked
    def start_scored(self, campaign_id: int, user_ref: str, chat_id: int) -> Attempt:
        """The scored attempt: registration required, inside the window, within the limit
        (counted in the same transaction that creates it). Raises AttemptLimit / WindowClosed /
        RegistrationError. An open scored attempt of this campaign is returned as it is; an
        open practice round is abandoned first."""
        user_ref = str(user_ref)
        with store.write(self.conn):
            c = self.campaign(campaign_id)
            now = self.clock()
            if not c.is_open(now):
                raise self._window_error(c, now)
            reg = self._one("SELECT id, school, student_hash, name FROM registrations"
                            " WHERE campaign_id=? AND user_ref=?", (c.id, user_ref))
            if reg is None:
                raise RegistrationError("请先报名本次活动，再开始正式答题。")
            rosters.check_listed(self.conn, c.id, reg[1], reg[2], reg[3])  # a roster added later
            open_ = self._active(user_ref)
            if open_ is not None:
                if open_.kind == "scored" and open_.campaign_id == c.id:
                    return open_
                if open_.kind == "scored":
                    raise AttemptLimit("你还有另一场活动的正式答题没有完成，请先完成它。")
                self.conn.execute("UPDATE attempts SET status='abandoned', finished_at=? WHERE id=?",
                                  (now, open_.id))
            used = self._one("SELECT COUNT(*) FROM attempts WHERE registration_id=? AND kind='scored'",
                             (reg[0],))[0]
            if used >= c.scored_attempts:
                raise AttemptLimit(f"你在本次活动中的 {c.scored_attempts} 次正式答题机会已经用完了。")
            return self._create_attempt(user_ref, chat_id, "scored", c.id, reg[0], c.tags,
                                        c.question_count, c.seconds_per_question)

    def _create_attempt(self, user_ref, chat_id, kind, campaign_id, registration_id, tags, count,
                        seconds) -> Attempt:
        """Inside a write transaction: draw, shuffle, snapshot."""
        pool = self.questions(tags)
        if self.held and pool:
            held = self.held(pool)
            pool = [q for q in pool if q.id not in held]
        if not pool:
            raise QuizError("题库里暂时没有可用的题目。")
        chosen = self._rng.sample(pool, min(count, len(pool)))
        now = self.clock()
        cur = self.conn.execute(
            "INSERT INTO attempts(user_ref, chat_id, campaign_id, registration_id, kind, question_count,"
            " seconds_per_question, started_at) VALUES (?,?,?,?,?,?,?,?)",
            (user_ref, int(chat_id), campaign_id, registration_id, kind, len(chosen), seconds, now))
        self.conn.executemany(
            "INSERT INTO attempt_items(attempt_id, position, question_id, question, option_order)"
            " VALUES (?,?,?,?,?)",
            [(cur.lastrowid, pos, q.id, json.dumps(question_to_dict(q), ensure_ascii=False),
              json.dumps(option_order(q, self._rng))) for pos, q in enumerate(chosen)])
        return Attempt(cur.lastrowid, user_ref, int(chat_id), kind, campaign_id, len(chosen), seconds,
                       now, "open", 0)

    def _active(self, user_ref: str) -> Attempt | None:
        row = self._one(_ATTEMPT_SQL + " WHERE t.user_ref=? AND t.status='open' ORDER BY t.id DESC LIMIT 1",
                        (str(user_ref),))
        return Attempt(*row) if row else None

    @_locked
    def attempt(self, attempt_id: int) -> Attempt:
        row = self._one(_ATTEMPT_SQL + " WHERE t.id=?", (attempt_id,))
        if row is None:
            raise NotFound("没有找到这一轮答题。")
        return Attempt(*row)

    @_locked
    def attempts_of(self, campaign_id: int, user_ref: str) -> list[Attempt]:
        """A participant's attempts (practice and scored) in a campaign, oldest first."""
        return [Attempt(*r) for r in self.conn.execute(
            _ATTEMPT_SQL + " WHERE t.campaign_id=? AND t.user_ref=? ORDER BY t.id", (campaign_id, str(user_ref)))]

    @_locked
    def active_attempt(self, user_ref: str) -> Attempt | None:
        return self._active(user_ref)

    @_locked
    def open_attempts(self) -> list[Attempt]:
        """Attempts left open (e.g. by a restart), for the bot to resume."""
        return [Attempt(*r) for r in self.conn.execute(_ATTEMPT_SQL + " WHERE t.status='open' ORDER BY t.id")]

    def _next_row(self, attempt_id: int):
        return self._one(
            _ITEM_SQL + " WHERE i.attempt_id=? AND NOT EXISTS (SELECT 1 FROM answers a"
            " WHERE a.attempt_id=i.attempt_id AND a.position=i.position) ORDER BY i.position LIMIT 1",
            (attempt_id,))

    def _accepting(self, attempt_id: int) -> bool:
        """Open, and (for a scored attempt) its campaign still running. Raises NotFound."""
        row = self._one("SELECT t.status, t.kind, c.ends_at FROM attempts t"
                        " LEFT JOIN campaigns c ON c.id=t.campaign_id WHERE t.id=?", (attempt_id,))
        if row is None:
            raise NotFound("没有找到这一轮答题。")
        status, kind, ends_at = row
        return status == "open" and not (kind == "scored" and self.clock() >= ends_at)

    @_locked
    def present(self, attempt_id: int) -> Item | None:
        """The current item: the first without an answer/timeout. Sets sent_at/deadline the first
        time it is presented (idempotent afterwards). None when every item is done, the attempt
        is closed, or a scored attempt's campaign has ended (then call finish())."""
        if not self._accepting(attempt_id):
            return None
        row = self._next_row(attempt_id)
        if row is None:
            return None
        if row[5] is None:
            now = self.clock()
            with store.write(self.conn):
                self.conn.execute(
                    "UPDATE attempt_items SET sent_at=?, deadline_at=? + (SELECT seconds_per_question"
                    " FROM attempts WHERE id=?) WHERE attempt_id=? AND position=? AND sent_at IS NULL",
                    (now, now, attempt_id, attempt_id, row[1]))
            return self.item(attempt_id, row[1])
        return _item(row)

    @_locked
    def current(self, attempt_id: int) -> Item | None:
        """Like present() but never marks anything as sent (sent_at/deadline_at are 0.0 for an
        item not presented yet)."""
        if self.attempt(attempt_id).status != "open":
            return None
        row = self._next_row(attempt_id)
        return _item(row) if row else None

    @_locked
    def item(self, attempt_id: int, position: int) -> Item | None:
        """Any item of an attempt (sent_at/deadline_at 0.0 until presented); None if no such item."""
        row = self._one(_ITEM_SQL + " WHERE i.attempt_id=? AND i.position=?", (attempt_id, position))
        return _item(row) if row else None

    @_locked
    def set_message(self, attempt_id: int, position: int, chat_id: int, message_id: int,
                    *, poll_id: str | None = None, restart_clock: bool = False) -> Item | None:
        """Remember where an item was sent; ``poll_id`` lets item_by_poll() find it again
        (Telegram poll answers carry only the poll id).

        ``restart_clock``: the message has just been delivered, so the participant's time starts
        now. When the first delivery of an unanswered item was delayed (a throttled or queued
        send), its deadline moves so the participant still gets the full seconds. Returns the
        item as stored afterwards."""
        now = self.clock()
        with store.write(self.conn):
            if restart_clock:
                self.conn.execute(
                    "UPDATE attempt_items SET sent_at=?, deadline_at=? + (SELECT seconds_per_question"
                    " FROM attempts WHERE id=?) WHERE attempt_id=? AND position=? AND message_id IS NULL"
                    " AND sent_at IS NOT NULL AND sent_at < ? AND NOT EXISTS (SELECT 1 FROM answers a"
                    " WHERE a.attempt_id=? AND a.position=?)",
                    (now, now, attempt_id, attempt_id, position, now, attempt_id, position))
            self.conn.execute(
                "UPDATE attempt_items SET chat_id=?, message_id=?, poll_id=COALESCE(?, poll_id)"
                " WHERE attempt_id=? AND position=?",
                (chat_id, message_id, None if poll_id is None else str(poll_id), attempt_id, position))
        row = self._one(_ITEM_SQL + " WHERE i.attempt_id=? AND i.position=?", (attempt_id, position))
        return _item(row) if row else None

    @_locked
    def item_by_poll(self, poll_id: str) -> Item | None:
        row = self._one(_ITEM_SQL + " WHERE i.poll_id=?", (str(poll_id),))
        return _item(row) if row else None

    @_locked
    def answer(self, attempt_id: int, position: int, shown: Sequence[int], user_ref: str) -> AnswerResult:
        """Record an answer exactly once (INSERT guarded by the primary key, committed).

        ``shown``: the options chosen, as positions in the shuffled order the participant saw.
        Raises NotFound for an unknown attempt/item and QuizError for an empty or out-of-range
        choice (e.g. a retracted Telegram poll vote: ignore it). Deadlines are checked against
        clock(): after ``deadline_at + LATE_GRACE_S`` the answer is "late" and a timeout is
        recorded instead (if there was no row yet)."""
        now = self.clock()
        with store.write(self.conn):
            return self._answer(now, attempt_id, position, shown, user_ref)

    @_locked
    def answer_many(self, answers: Sequence[tuple[int, int, Sequence[int], str]], *,
                    present_next: bool = True) -> list[AnswerResult | QuizError]:
        """Several answers ``(attempt_id, position, shown, user_ref)`` in one transaction: one
        commit (one fsync) for all, so a web server can record the answers that arrive together
        at the rate of the disk's commits times the batch size. Each gets its AnswerResult, or
        the QuizError (NotFound, invalid choice) it raised — others in the batch are unaffected.
        With ``present_next`` the next item of each attempt that moved on is presented (its
        deadline starts) in the same transaction, and an attempt with nothing left is finished
        (scored, certificate issued) there too."""
        now = self.clock()
        out: list[AnswerResult | QuizError] = []
        with store.write(self.conn):
            for attempt_id, position, shown, user_ref in answers:
                try:
                    res = self._answer(now, attempt_id, position, shown, user_ref)
                except QuizError as exc:
                    out.append(exc)
                    continue
                if present_next and res.status in ("accepted", "late"):
                    self._present_in(attempt_id, now)
                out.append(res)
            if present_next:  # rounds that have nothing left (or whose campaign ended) close here too
                for attempt_id in dict.fromkeys(a[0] for a, r in zip(answers, out) if isinstance(r, AnswerResult)
                                                and r.status in ("accepted", "late", "closed")):
                    if self._one("SELECT status FROM attempts WHERE id=?", (attempt_id,))[0] == "open" and (
                            not self._accepting(attempt_id) or self._next_row(attempt_id) is None):
                        self._finish_in(attempt_id, now)
        return out

    def _present_in(self, attempt_id: int, now: float) -> None:
        """Inside a write transaction: start the deadline of the attempt's next item, if any."""
        if not self._accepting(attempt_id):
            return
        row = self._next_row(attempt_id)
        if row is not None and row[5] is None:
            self.conn.execute(
                "UPDATE attempt_items SET sent_at=?, deadline_at=? + (SELECT seconds_per_question"
                " FROM attempts WHERE id=?) WHERE attempt_id=? AND position=? AND sent_at IS NULL",
                (now, now, attempt_id, attempt_id, row[1]))

    def _answer(self, now: float, attempt_id: int, position: int, shown: Sequence[int],
                user_ref: str) -> AnswerResult:
        """answer() inside the caller's write transaction."""
        row = self._one(
            "SELECT t.user_ref, t.status, t.kind, t.seconds_per_question, c.ends_at, a.outcome,"
            f" a.correct, {_ITEM_COLUMNS} FROM attempt_items i JOIN attempts t ON t.id = i.attempt_id"
            " LEFT JOIN campaigns c ON c.id = t.campaign_id"
            " LEFT JOIN answers a ON a.attempt_id = i.attempt_id AND a.position = i.position"
            " WHERE i.attempt_id=? AND i.position=?", (attempt_id, position))
        if row is None:
            raise NotFound("没有找到这道题。")
        owner, status, kind, seconds, ends_at, outcome, was_correct = row[:7]
        item = _item(row[7:])
        if owner != str(user_ref):
            return AnswerResult("not_yours", item)
        if status != "open" or (kind == "scored" and now >= ends_at):
            return AnswerResult("closed", item)
        if not item.sent_at:
            return AnswerResult("not_current", item)
        if outcome == "answered":
            return AnswerResult("duplicate", item, bool(was_correct))
        if outcome == "timeout":
            return AnswerResult("late", item)
        if now > item.deadline_at + LATE_GRACE_S:
            self._insert_timeout(attempt_id, position, now, seconds)
            return AnswerResult("late", item)
        chosen = _map_choice(item, shown)
        correct = sorted(chosen) == sorted(item.question.correct)
        latency = min(max(0, round((now - item.sent_at) * 1000)), seconds * 1000)
        flagged = latency < MIN_HUMAN_MS
        self.conn.execute(
            "INSERT INTO answers(attempt_id, position, outcome, choice, correct, answered_at,"
            " latency_ms, flagged) VALUES (?,?,'answered',?,?,?,?,?)",
            (attempt_id, position, json.dumps(chosen), int(correct), now, latency, int(flagged)))
        if flagged:
            self.conn.execute("UPDATE attempts SET flagged=1 WHERE id=?", (attempt_id,))
        return AnswerResult("accepted", item, correct, flagged)

    def _insert_timeout(self, attempt_id: int, position: int, now: float, seconds: int) -> bool:
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO answers(attempt_id, position, outcome, choice, correct, answered_at,"
            " latency_ms, flagged) VALUES (?, ?, 'timeout', NULL, 0, ?, ?, 0)",
            (attempt_id, position, now, seconds * 1000))
        return cur.rowcount == 1

    @_locked
    def expire(self, attempt_id: int, position: int) -> bool:
        """Record a timeout for an item whose deadline has passed; False if it was answered
        (or the deadline has not passed, or the item was never presented, or the attempt is
        closed). To honour LATE_GRACE_S, schedule it at ``deadline_at + LATE_GRACE_S``."""
        now = self.clock()
        with store.write(self.conn):
            row = self._one(
                "SELECT t.status, t.seconds_per_question, i.deadline_at FROM attempt_items i"
                " JOIN attempts t ON t.id=i.attempt_id WHERE i.attempt_id=? AND i.position=?",
                (attempt_id, position))
            if row is None:
                raise NotFound("没有找到这道题。")
            status, seconds, deadline = row
            if status != "open" or deadline is None or now < deadline:
                return False
            return self._insert_timeout(attempt_id, position, now, seconds)

    @_locked
    def finish(self, attempt_id: int) -> RoundResult:
        """Close the attempt (idempotent): remaining items count as unanswered (a timeout of
        the full time each); for a passed scored attempt a certificate is issued."""
        now = self.clock()
        with store.write(self.conn):
            self._finish_in(attempt_id, now)
        return self._result(attempt_id)

    def _finish_in(self, attempt_id: int, now: float) -> None:
        """finish() inside the caller's write transaction."""
        row = self._one(
            "SELECT t.status, t.kind, t.seconds_per_question, t.registration_id, t.campaign_id,"
            " t.question_count, c.pass_mark FROM attempts t LEFT JOIN campaigns c ON c.id=t.campaign_id"
            " WHERE t.id=?", (attempt_id,))
        if row is None:
            raise NotFound("没有找到这一轮答题。")
        status, kind, seconds, registration_id, campaign_id, total, pass_mark = row
        if status == "open":
            self.conn.execute(
                "INSERT OR IGNORE INTO answers(attempt_id, position, outcome, choice, correct,"
                " answered_at, latency_ms, flagged) SELECT attempt_id, position, 'timeout', NULL, 0,"
                " ?, ?, 0 FROM attempt_items WHERE attempt_id=?", (now, seconds * 1000, attempt_id))
            score, elapsed, flagged = self._one(
                "SELECT COALESCE(SUM(correct), 0), COALESCE(SUM(latency_ms), 0), COALESCE(MAX(flagged), 0)"
                " FROM answers WHERE attempt_id=?", (attempt_id,))
            self.conn.execute(
                "UPDATE attempts SET status='finished', finished_at=?, score=?, elapsed_ms=?,"
                " flagged=MAX(flagged, ?) WHERE id=?", (now, score, elapsed, flagged, attempt_id))
            if kind == "scored" and score >= pass_mark:
                self._issue_certificate(attempt_id, campaign_id, registration_id, score, total, now)

    def _issue_certificate(self, attempt_id, campaign_id, registration_id, score, total, now) -> str:
        name = self._one("SELECT name FROM registrations WHERE id=?", (registration_id,))[0]
        code = new_code()
        while self._one("SELECT 1 FROM certificates WHERE code=?", (code,)):
            code = new_code()
        mac = certificate_mac(self._cert_key, code, campaign_id, registration_id, name, score, total, now)
        self.conn.execute(
            "INSERT INTO certificates(code, attempt_id, campaign_id, registration_id, name, score, total,"
            " issued_at, mac) VALUES (?,?,?,?,?,?,?,?,?)",
            (code, attempt_id, campaign_id, registration_id, name, score, total, now, mac))
        return code

    def _result(self, attempt_id: int) -> RoundResult:
        kind, campaign_id, total, pass_mark = self._one(
            "SELECT t.kind, t.campaign_id, t.question_count, c.pass_mark FROM attempts t"
            " LEFT JOIN campaigns c ON c.id=t.campaign_id WHERE t.id=?", (attempt_id,))
        score, elapsed, wrong = 0, 0, []
        for position, question, choice, correct, latency in self.conn.execute(
                "SELECT i.position, i.question, a.choice, a.correct, a.latency_ms FROM attempt_items i"
                " JOIN answers a ON a.attempt_id=i.attempt_id AND a.position=i.position"
                " WHERE i.attempt_id=? ORDER BY i.position", (attempt_id,)):
            score += correct
            elapsed += latency
            if not correct:
                wrong.append(Review(position, question_from_dict(json.loads(question)),
                                    tuple(json.loads(choice)) if choice else (), False))
        code, status = self._one("SELECT code, status FROM certificates WHERE attempt_id=?", (attempt_id,)) \
            or (None, "")
        passed = None if kind != "scored" else score >= pass_mark
        return RoundResult(attempt_id, kind, campaign_id, score, total, elapsed, passed, tuple(wrong),
                           code if status == "valid" else None, status)

    @_locked
    def abandon(self, attempt_id: int) -> None:
        """Practice only (e.g. /cancel); a scored attempt can only be finished."""
        att = self.attempt(attempt_id)
        if att.kind == "scored":
            raise QuizError("正式答题不能取消；如需结束，请交卷。")
        with store.write(self.conn):
            self.conn.execute("UPDATE attempts SET status='abandoned', finished_at=? WHERE id=? AND status='open'",
                              (self.clock(), attempt_id))

    # ---- results ------------------------------------------------------------------------

    @_locked
    def ranking(self, campaign_id: int, limit: int | None = None) -> list[RankRow]:
        """Individuals by score desc, then elapsed time asc, then finish time; read from the
        per-attempt totals written at finish (ranking.check() keeps them equal to a
        recomputation from the answers). See quizzes/ranking.py."""
        return [_rank_row(r) for r in ranking.rank_rows(self.conn, campaign_id, limit)]

    @_locked
    def standing(self, campaign_id: int, user_ref: str) -> tuple[RankRow | None, int]:
        """(the participant's row or None, number of ranked participants)."""
        row, count = ranking.standing_row(self.conn, campaign_id, str(user_ref))
        return (_rank_row(row) if row else None), count

    @_locked
    def school_ranking(self, campaign_id: int) -> list[SchoolRow]:
        """Schools by average score desc, then participants desc; schools with a headcount and
        no participants last. participation_rate = participants / headcount."""
        return [SchoolRow(rank, school, n, float(avg or 0.0), head, (n / head) if head else None)
                for rank, (school, n, avg, head) in enumerate(ranking.school_rows(self.conn, campaign_id), 1)]

    @_locked
    def flagged(self, campaign_id: int) -> list[RankRow]:
        """Ranked participants with an answer faster than MIN_HUMAN_MS in a scored attempt."""
        return [_rank_row(r) for r in ranking.rank_rows(self.conn, campaign_id, flagged_only=True)]

    @_locked
    def export(self, campaign_id: int, path: str | Path) -> int:
        """Write results as .csv (UTF-8 with BOM, for Excel) or .xlsx by suffix; rows written.
        XLSX adds 学校统计, 学院统计 and 题目统计 sheets. Times are local (``timezone``)."""
        c = self.campaign(campaign_id)
        rows = (_rank_row(r) for r in ranking.rank_rows(self.conn, campaign_id))
        if Path(path).suffix.lower() != ".xlsx":
            return write_results(path, rows, [], self.timezone, student_numbers=c.keep_student_no)
        return write_results(path, rows, self.school_ranking(campaign_id), self.timezone,
                             colleges=dashboard.colleges(self.conn, campaign_id),
                             questions=dashboard.question_stats(self.conn, campaign_id),
                             student_numbers=c.keep_student_no)

    @_locked
    def check(self, campaign_id: int) -> list[str]:
        """Differences between the leaderboard/tallies and a recomputation from the raw answers
        (empty when consistent); reads every answer of the campaign."""
        return ranking.check(self.conn, campaign_id)

    # ---- certificates -------------------------------------------------------------------

    _CERT_SQL = (
        "SELECT k.code, c.code, c.name, k.name, r.school, k.score, k.total, k.issued_at,"
        " k.campaign_id, k.registration_id, k.mac, k.status, k.reason FROM certificates k"
        " JOIN campaigns c ON c.id=k.campaign_id JOIN registrations r ON r.id=k.registration_id")

    def _certificate(self, row) -> Certificate:
        code, ccode, cname, name, school, score, total, issued_at, cid, rid, mac, status, reason = row
        expected = certificate_mac(self._cert_key, code, cid, rid, name, score, total, issued_at)
        return Certificate(code, ccode, cname, name, school, score, total, issued_at,
                           valid=hmac.compare_digest(expected, mac), status=status, reason=reason)

    @_locked
    def certificate(self, attempt_id: int) -> Certificate | None:
        row = self._one(self._CERT_SQL + " WHERE k.attempt_id=?", (attempt_id,))
        return self._certificate(row) if row else None

    @_locked
    def verify(self, code: str) -> Certificate | None:
        """The certificate with this code (typed loosely: case, spaces, dashes), with
        ``valid=False`` if its stored record no longer matches its MAC; None if unknown."""
        normal = normalise_code(code)
        if normal is None:
            return None
        row = self._one(self._CERT_SQL + " WHERE k.code=?", (normal,))
        return self._certificate(row) if row else None

    @_locked
    def revoke(self, code: str, reason: str, by: str = "") -> review.Change:
        """Revoke a certificate after review (held or valid) with a reason verification shows.
        Raises NotFound / QuizError (no reason). Repeating it changes nothing."""
        normal = normalise_code(code)
        if normal is None:
            raise NotFound(f"没有编号为 {code} 的证书。")
        with store.write(self.conn):
            return review.revoke(self.conn, normal, reason, by, self.clock())

    @_locked
    def release(self, code: str, by: str = "") -> review.Change:
        """Issue a certificate held for review. Raises NotFound, or QuizError when it was revoked."""
        normal = normalise_code(code)
        if normal is None:
            raise NotFound(f"没有编号为 {code} 的证书。")
        with store.write(self.conn):
            return review.release(self.conn, normal, by, self.clock())

    @_locked
    def set_roster(self, campaign_id: int, school: str, entries: Sequence["rosters.RosterEntry"]) -> int:
        """Replace a school's roster (学号 + 姓名, stored as keyed hashes); from then on only
        listed students register at that school and take its scored round. The campaign must
        ask for student numbers. Returns the number listed."""
        c = self.campaign(campaign_id)
        if "student_no" not in c.fields:
            raise QuizError("按名单参赛需要学号：请在创建活动时把学号设为报名项（--fields student_no）。")
        school = _school(clean_text(school, "学校", 60, required=True))
        hashed = [(student_hash(self._student_key, c.id, e.student_no), rosters.normal_name(e.name))
                  for e in entries]
        with store.write(self.conn):
            return rosters.replace_roster(self.conn, c.id, school, hashed)

    @_locked
    def rosters(self, campaign_id: int) -> dict[str, int]:
        """School -> number of students listed, for schools with a roster."""
        return rosters.roster_schools(self.conn, campaign_id)

    @_locked
    def purge(self, campaign_id: int) -> dict[str, int]:
        """Delete the campaign and all it holds about people (registrations, student numbers,
        rounds, answers, certificates, rosters, tallies) in one transaction; rows per table."""
        self.campaign(campaign_id)
        self.conn.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten with zeros
        try:
            with store.write(self.conn):
                counts = rosters.purge(self.conn, campaign_id)
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # and leave no copy in the WAL
        finally:
            self.conn.execute("PRAGMA secure_delete=OFF")
        return counts

    @_locked
    def held_certificates(self, campaign_id: int) -> list[Certificate]:
        """Certificates of a campaign waiting for review, oldest first."""
        return [self.verify(code) for code in review.held_codes(self.conn, campaign_id)]


def _school(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name or "").split())


def _item(row) -> Item:
    attempt_id, position, total, question, order, sent_at, deadline_at, message_id, chat_id = row
    return Item(attempt_id, position, total, question_from_dict(json.loads(question)),
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
