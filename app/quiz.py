"""Quizzes and campaigns as channels use them: rounds, registration, standings, staff reports,
exports, certificates and the 6·5 reminders, over one :class:`QuizEngine` and one
:class:`Reminders` on ``quiz.db``.

Everything here is blocking; one :class:`QuizOps` belongs to one thread (the bot runs it on its
"quiz" worker: ``await services.quiz(fn)`` with ``fn(ops: QuizOps)``). A round's step (record an
answer, present the next item or close the round) is one call, so one call decides it and a
channel can acknowledge as soon as it returns: by then the answer is committed.
No Telegram, no HTTP here; channels turn the returned values into messages or pages.
"""
from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from kb.settings import Settings
from quizzes.engine import (AnswerResult, Attempt, Campaign, CampaignSpec, Item, QuizEngine,
                            RankRow, Registration, RoundResult, SchoolRow)
from quizzes.errors import NotFound, QuizError, RegistrationError
from quizzes.model import Question
from quizzes.reminders import Reminders

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    """Where a round stands after an answer, a timeout or a (re)start, decided in one call.

    ``status``: the engine's answer status (accepted, duplicate, late, closed, not_yours,
    not_current) or, for the timer, ``timeout`` (recorded now) / ``waiting`` (the item is still
    open) / ``done`` (answered meanwhile). ``item`` is the item the step was about; ``current``
    the item to show now (presented: its deadline runs); ``result`` is set when the round closed.
    """

    status: str
    item: Item | None = None
    correct: bool = False
    current: Item | None = None
    result: RoundResult | None = None


@dataclass(frozen=True)
class CampaignSummary:
    campaign: Campaign
    registered: int
    finished: int  # participants with a finished scored round
    passed: int


@dataclass(frozen=True)
class Standing:
    campaign: Campaign
    registration: Registration | None
    row: RankRow | None
    ranked: int
    top: tuple[RankRow, ...]


def load_questions() -> list[Question]:
    """The curated bank (quizzes/bank/*.toml); problems are logged, good questions kept."""
    from quizzes.bank import load_bank

    loaded = load_bank()
    for problem in getattr(loaded, "problems", ())[:20]:
        log.warning("question bank: %s", problem)
    return list(loaded.questions)


def open_engine(settings: Settings, bank_paths: Sequence[str] | None = None, *, with_bank: bool = True,
                clock: Callable[[], float] = time.time) -> QuizEngine:
    """The engine on ``<home>/quiz.db`` in the deployment's time zone; ``with_bank`` loads the
    curated bank files (or ``bank_paths``). For one-shot channels (the CLI); bots keep a QuizOps."""
    from quizzes.bank import load_bank

    questions = load_bank(list(bank_paths) if bank_paths else None).questions if with_bank else ()
    return QuizEngine(settings.quiz_db_path, questions, clock=clock, timezone=settings.timezone)


class QuizOps:
    def __init__(self, settings: Settings, bank: Sequence[Question] | None = None,
                 clock: Callable[[], float] = time.time):
        self.settings = settings
        self.clock = clock
        questions = load_questions() if bank is None else list(bank)
        from quizzes.bank import BasisHolds

        self.engine = QuizEngine(settings.quiz_db_path, questions, clock=clock, timezone=settings.timezone,
                                 held=BasisHolds(settings.db_path))
        self.reminders = Reminders.open(settings.quiz_db_path, clock)

    def close(self) -> None:
        self.reminders.close()
        self.engine.close()

    # ---- rounds ----

    def _advance(self, attempt_id: int, step: Step) -> Step:
        current = self.engine.present(attempt_id)
        result = self.engine.finish(attempt_id) if current is None else None
        return Step(step.status, step.item, step.correct, current, result)

    def begin(self, attempt_id: int) -> Step:
        """The item to show now (presenting it), or the result when nothing is left."""
        return self._advance(attempt_id, Step("begin"))

    def submit(self, attempt_id: int, position: int, shown: Sequence[int], user_ref: str) -> Step:
        try:
            res: AnswerResult = self.engine.answer(attempt_id, position, shown, user_ref)
        except NotFound:
            return Step("not_found")
        except QuizError:  # a forged or impossible choice
            return Step("invalid")
        item = res.item or self.engine.item(attempt_id, position)
        step = Step(res.status, item, res.correct)
        if res.status in ("accepted", "late"):
            return self._advance(attempt_id, step)
        if res.status == "closed" and self.is_open(attempt_id):
            # the campaign window ended during the round: close it with what was answered
            return Step(res.status, item, False, None, self.engine.finish(attempt_id))
        return step

    def expire(self, attempt_id: int, position: int) -> Step:
        """The timer's call at an item's deadline."""
        if self.engine.expire(attempt_id, position):
            return self._advance(attempt_id, Step("timeout", self.engine.item(attempt_id, position)))
        current = self.engine.current(attempt_id)
        if current is not None and current.position == position:
            return Step("waiting", current, current=current)  # not due yet (clock slack): re-arm
        return Step("done")

    def resume(self, attempt_id: int) -> Step:
        """After a restart: expire the current item if its deadline passed, else keep it."""
        current = self.engine.current(attempt_id)
        if current is None:
            return self._advance(attempt_id, Step("begin"))
        if not current.sent_at:
            return self._advance(attempt_id, Step("begin"))
        if self.engine.expire(attempt_id, current.position):
            return self._advance(attempt_id, Step("timeout", self.engine.item(attempt_id, current.position)))
        return Step("waiting", current, current=current)

    def is_open(self, attempt_id: int) -> bool:
        try:
            return self.engine.attempt(attempt_id).status == "open"
        except NotFound:
            return False

    def answered(self, attempt_id: int, position: int) -> Item | None:
        """The item if it already has an answer or a timeout (for 了解更多), else None."""
        item = self.engine.item(attempt_id, position)
        if item is None:
            return None
        current = self.engine.current(attempt_id)
        if current is not None and current.position <= position:
            return None
        return item

    def start_practice(self, user_ref: str, chat_id: int, campaign_id: int | None = None) -> tuple[Attempt, Step]:
        if campaign_id is None:
            attempt = self.engine.start_practice(user_ref, chat_id)
        else:
            c = self.engine.campaign(campaign_id)
            attempt = self.engine.start_practice(user_ref, chat_id, count=c.question_count,
                                                 seconds=c.seconds_per_question, campaign_id=c.id)
        return attempt, self._current_or_begin(attempt.id)

    def start_scored(self, campaign_id: int, user_ref: str, chat_id: int) -> tuple[Attempt, Step, int | None]:
        """The scored round (an open one of this campaign is continued). The engine abandons an
        open practice round first; its id is returned third so the bot can stop its timer."""
        before = self.engine.active_attempt(user_ref)
        attempt = self.engine.start_scored(campaign_id, user_ref, chat_id)
        dropped = before.id if before is not None and before.id != attempt.id else None
        return attempt, self._current_or_begin(attempt.id), dropped

    def _current_or_begin(self, attempt_id: int) -> Step:
        current = self.engine.current(attempt_id)
        if current is not None and current.sent_at:
            return Step("continue", current, current=current)  # an open round: show it again
        return self.begin(attempt_id)

    def active(self, user_ref: str) -> tuple[Attempt, Item | None] | None:
        attempt = self.engine.active_attempt(user_ref)
        return None if attempt is None else (attempt, self.engine.current(attempt.id))

    def cancel(self, user_ref: str) -> tuple[str | None, int | None]:
        """/cancel: drop a registration in progress ("draft"), abandon a practice round
        ("practice", attempt id); a scored round cannot be cancelled ("scored")."""
        if self.engine.draft(user_ref) is not None:
            self.engine.drop_draft(user_ref)
            return "draft", None
        attempt = self.engine.active_attempt(user_ref)
        if attempt is None:
            return None, None
        if attempt.kind == "practice":
            self.engine.abandon(attempt.id)
        return attempt.kind, attempt.id

    # ---- campaigns, registration ----

    def campaign_for_join(self, code: str, user_ref: str) -> tuple[Campaign, Registration | None]:
        campaign = self.engine.campaign(code.strip().upper())
        return campaign, self.engine.registration(campaign.id, user_ref)

    def campaign(self, code_or_id: str | int) -> Campaign:
        return self.engine.campaign(code_or_id.strip().upper() if isinstance(code_or_id, str) else code_or_id)

    def draft(self, user_ref: str) -> tuple[Campaign, dict] | None:
        found = self.engine.draft(user_ref)
        if found is None:
            return None
        campaign_id, data = found
        return self.engine.campaign(campaign_id), dict(data)

    def save_draft(self, user_ref: str, campaign_id: int, data: dict) -> None:
        self.engine.save_draft(user_ref, campaign_id, data)

    def drop_draft(self, user_ref: str) -> None:
        self.engine.drop_draft(user_ref)

    def register(self, user_ref: str, campaign_id: int, data: dict) -> Registration:
        """Register from the collected answers and forget the draft (kept on a bad student
        number, so that only that answer has to be given again)."""
        try:
            reg = self.engine.register(
                campaign_id, user_ref, name=data.get("name", ""), school=data.get("school", ""),
                college=data.get("college", ""), class_name=data.get("class", ""),
                student_no=data.get("student_no", ""))
        except RegistrationError:
            if "student_no" not in data or self.engine.registration(campaign_id, user_ref) is not None:
                self.engine.drop_draft(user_ref)
            raise
        except Exception:
            self.engine.drop_draft(user_ref)
            raise
        self.engine.drop_draft(user_ref)
        return reg

    def my_campaigns(self, user_ref: str) -> list[tuple[Campaign, Registration]]:
        """Campaigns this account registered for, newest first."""
        found = []
        for c in sorted(self.engine.campaigns(), key=lambda c: c.starts_at, reverse=True):
            reg = self.engine.registration(c.id, user_ref)
            if reg is not None:
                found.append((c, reg))
        return found

    def standing(self, campaign_id: int, user_ref: str, top: int = 10) -> Standing:
        c = self.engine.campaign(campaign_id)
        row, ranked = self.engine.standing(c.id, user_ref)
        return Standing(c, self.engine.registration(c.id, user_ref), row, ranked,
                        tuple(self.engine.ranking(c.id, limit=top)))

    # ---- staff ----

    def summaries(self) -> list[CampaignSummary]:
        out = []
        for c in sorted(self.engine.campaigns(), key=lambda c: c.starts_at, reverse=True):
            stats = self.engine.campaign_stats(c.id)
            out.append(CampaignSummary(c, stats["registered"], stats["finished"], stats["passed"]))
        return out

    def rankings(self, code: str, top: int = 10) -> tuple[Campaign, list[RankRow], int, list[SchoolRow]]:
        c = self.campaign(code)
        rows = self.engine.ranking(c.id)
        return c, rows[:top], len(rows), self.engine.school_ranking(c.id)

    def export(self, code: str) -> tuple[Campaign, int, list[tuple[str, bytes]]]:
        """CSV and XLSX of a campaign's results, as (file name, bytes)."""
        c = self.campaign(code)
        files = []
        rows = 0
        with tempfile.TemporaryDirectory(prefix="lawbot-export-") as tmp:
            for suffix in (".csv", ".xlsx"):
                path = Path(tmp) / f"{c.code}-成绩{suffix}"
                rows = self.engine.export(c.id, path)
                files.append((path.name, path.read_bytes()))
        return c, rows, files

    def create_campaign(self, spec: CampaignSpec) -> Campaign:
        return self.engine.create_campaign(spec)

    def certificate(self, attempt_id: int):
        return self.engine.certificate(attempt_id)
