"""The quiz engine as the web's campaign pages use it: one worker thread per process owning one
:class:`app.quiz.QuizOps` (one SQLite connection to ``quiz.db``), so a round's step is decided by
one blocking call that never runs on the event loop.

Several uvicorn worker processes each have their own; SQLite serialises their writes
(``BEGIN IMMEDIATE``) and every step is committed before the page or the JSON reply says so.
Students' steps are group-committed (:meth:`CampaignWorker.step`): those that arrive while the
worker is busy run together in one transaction, each in its own savepoint
(:func:`quizzes.db.group`), because a commit costs an fsync and one fsync per request would cap
a campaign at a few hundred requests per second whatever the CPU. Staff work (exports, rosters)
uses :meth:`run`, outside any group. Nothing is cached between steps: each reads the database
inside its transaction, so several processes never serve each other stale rounds.
Created on first use and kept on ``app.state``; closed with the app.
"""
from __future__ import annotations

import asyncio
import threading
from typing import Callable, TypeVar

from fastapi import Request

from app.workers import Worker

T = TypeVar("T")


class CampaignWorker(Worker):
    def __init__(self, settings, factory: Callable[[], object] | None = None):
        super().__init__("web-quiz", factory or (lambda: _quiz_ops(settings)))
        self._pending: list = []  # (fn, future, loop) waiting for the next group commit
        self._lock = threading.Lock()
        self._draining = False

    async def step(self, fn: Callable[[object], T]) -> T:
        """``fn(ops)`` on the worker thread in the next group commit; returns (or raises) once
        the transaction holding its writes has been committed."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        with self._lock:
            self._pending.append((fn, future, loop))
            start, self._draining = not self._draining, True
        if start:
            loop.run_in_executor(self._pool, self._drain)
        return await future

    def _drain(self) -> None:
        """One group: every step queued so far. If more arrived meanwhile, the next group is
        queued behind the plain :meth:`run` calls waiting on the thread (none starves)."""
        from quizzes import db

        with self._lock:
            jobs, self._pending = self._pending, []
        try:
            results = self._call(lambda ops: db.group(ops.engine.conn, [
                (lambda fn=fn: fn(ops)) for fn, _, _ in jobs]))
        except BaseException as exc:  # noqa: BLE001 - the commit failed: every waiting request gets the error
            results = [exc] * len(jobs)
        for (_, future, loop), result in zip(jobs, results):
            setter = future.set_exception if isinstance(result, BaseException) else future.set_result
            loop.call_soon_threadsafe(_settle, future, setter, result)
        with self._lock:
            if not self._pending:
                self._draining = False
                return
        self._pool.submit(self._drain)


def quiz(request: Request) -> CampaignWorker:
    """This process's worker (created on the first campaign request)."""
    state = request.app.state
    worker = getattr(state, "campaign_worker", None)
    if worker is None:
        worker = state.campaign_worker = CampaignWorker(state.ctx.settings)
    return worker


def _quiz_ops(settings):
    from app.quiz import QuizOps

    return QuizOps(settings)


def _settle(future, setter, value) -> None:
    if not future.done():
        setter(value)
