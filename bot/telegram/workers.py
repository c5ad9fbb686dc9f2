"""The application layer as the bot uses it: blocking calls run in worker threads, never on the
event loop. This is the Telegram adapter over :mod:`app`; the operations themselves live there.

Four single-thread workers, each owning its own SQLite connection (WAL: readers never wait):

* **answer** — the one answering :class:`app.answering.Answering`: questions only (the model,
  retrieval, the question log). ``await services.ask(text, user_ref)`` → :class:`app.answering.Reply`.
* **store** — lookups and small writes that must not queue behind retrieval: browsing
  (``await services.library(fn)`` with ``fn(ops: app.browsing.Library)``) and feedback, the
  unanswered review and FAQ pairs (``await services.curation(fn)`` with
  ``fn(ops: app.curation.Curation)``), on one connection.
* **admin** — a separate knowledge base for staff uploads: parsing, previews, loading a law and
  rebuilding the index. Answers keep flowing meanwhile; the answering knowledge base notices the
  new index generation on its next query. ``await services.admin(fn)`` with
  ``fn(ops: app.loading.Uploads)``.
* **quiz** — :class:`app.quiz.QuizOps` on ``quiz.db`` (a separate file): rounds,
  registrations, campaigns, subscriptions. ``await services.quiz(fn)``. ``services.clock`` is the
  engine's clock, which the bot's deadline timers read too.
"""
from __future__ import annotations

import time
from typing import Callable, TypeVar

from app.answering import Answering, Reply
from app.browsing import Library
from app.curation import Curation
from app.loading import Uploads
from app.quiz import QuizOps
from app.workers import LockedEmbedder, StoreSide, Worker
from kb.service import KnowledgeBase
from kb.settings import Settings

T = TypeVar("T")
CHANNEL = "telegram"


class Services:
    """What handlers need from the application layer. ``embedder``: share one model between the
    answering and admin knowledge bases (guarded by a lock); by default each loads its own when
    first needed (the store worker never embeds). ``quiz_bank``: the questions for the quiz engine
    (default: the curated bank files); ``clock``: the quiz engine's clock (tests move it)."""

    def __init__(self, settings: Settings, embedder=None, *, quiz_bank=None,
                 clock: Callable[[], float] = time.time):
        self.settings = settings
        self.clock = clock
        shared = LockedEmbedder(embedder) if embedder is not None else None
        self._answer = Worker("lawbot-answer", lambda: Answering(KnowledgeBase(settings, embedder=shared)))
        self._store = Worker("lawbot-store", lambda: StoreSide(KnowledgeBase(settings, embedder=shared)))
        self._admin = Worker("lawbot-admin", lambda: Uploads(KnowledgeBase(settings, embedder=shared), CHANNEL))
        self._quiz = Worker("lawbot-quiz", lambda: QuizOps(settings, quiz_bank, clock))

    async def ask(self, text: str, user_ref: str, previous=None) -> Reply:
        """``previous``: what this user's conversation just discussed (kb.followup.Discussed)."""
        return await self._answer.run(lambda ops: ops.ask(text, channel=CHANNEL, user_ref=user_ref,
                                                          previous=previous))

    async def warm_up(self) -> None:
        await self._answer.run(lambda ops: ops.warm_up())

    async def answering(self, fn: Callable[[Answering], T]) -> T:
        """Run ``fn`` on the answer worker (tests and maintenance)."""
        return await self._answer.run(fn)

    async def library(self, fn: Callable[[Library], T]) -> T:
        return await self._store.run(lambda side: fn(side.library))

    async def curation(self, fn: Callable[[Curation], T]) -> T:
        return await self._store.run(lambda side: fn(side.curation))

    async def admin(self, fn: Callable[[Uploads], T]) -> T:
        return await self._admin.run(fn)

    async def quiz(self, fn: Callable[[QuizOps], T]) -> T:
        return await self._quiz.run(fn)

    def close(self) -> None:
        for worker in (self._answer, self._store, self._admin, self._quiz):
            worker.close()
