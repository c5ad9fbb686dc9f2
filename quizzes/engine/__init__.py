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
The engine is split by capability — :mod:`.campaigns`, :mod:`.registration`, :mod:`.rounds`,
:mod:`.results` — over one connection and one lock (:mod:`.records` holds the typed values);
storage, ranking SQL, exports and certificate codes live in ``quizzes.db``, ``ranking``,
``export`` and ``codes``.
"""
from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterable, Sequence

from quizzes import db
from quizzes.bank import TOPICS
from quizzes.export import local_time
from quizzes.model import (AUDIENCES, DIFFICULTIES, ORIGINS, Basis, Question, question_from_dict,
                           question_to_dict)
from quizzes.engine.campaigns import Campaigns
from quizzes.engine.records import (
    AnswerResult, Attempt, Campaign, CampaignSpec, Certificate, Item, LATE_GRACE_S, MAX_QUESTIONS, MAX_SECONDS,
    MIN_HUMAN_MS, MIN_SECONDS, REGISTRATION_FIELDS, RankRow, Registration, Review, RoundResult, SchoolRow,
    clean_text, option_order, locked)
from quizzes.engine.registration import Registrations
from quizzes.engine.results import Results
from quizzes.engine.rounds import Rounds

__all__ = ["QuizEngine", "AnswerResult", "Attempt", "Campaign", "CampaignSpec", "Certificate", "Item", "LATE_GRACE_S", "MAX_QUESTIONS", "MAX_SECONDS", "MIN_HUMAN_MS", "MIN_SECONDS", "REGISTRATION_FIELDS", "RankRow", "Registration", "Review", "RoundResult", "SchoolRow", "clean_text", "option_order",
           "AUDIENCES", "DIFFICULTIES", "ORIGINS", "Basis", "Question", "question_from_dict",
           "question_to_dict", "MIN_SECONDS", "MAX_SECONDS", "MAX_QUESTIONS"]


class QuizEngine(Campaigns, Registrations, Rounds, Results):
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
        self.conn = db.connect(self.path)
        with db.write(self.conn):
            self._cert_key = db.meta_secret(self.conn, "certificate_secret")
            self._student_key = db.meta_secret(self.conn, "student_salt")

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

    @locked
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

