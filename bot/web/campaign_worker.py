"""The quiz engine as the web's campaign pages use it: one worker thread per process owning one
:class:`app.quiz.QuizOps` (one SQLite connection to ``quiz.db``), so a round's step is decided by
one blocking call that never runs on the event loop.

Several uvicorn worker processes each have their own; SQLite serialises their writes
(``BEGIN IMMEDIATE``) and every answer is committed before the page or the JSON reply says so.
Answers are group-committed: those that arrive while the worker is busy are recorded together
in one transaction (``answer_batch``), because a commit costs an fsync (~7 ms on our server)
and one fsync per answer would cap a campaign at ~140 answers/s whatever the CPU.
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
        self._pending: list = []  # (job, future, loop) waiting for the next group commit
        self._lock = threading.Lock()
        self._draining = False

    async def answer(self, job: tuple, batch: Callable[[object, list], list]):
        """Queue ``job`` for the next group commit; ``batch(ops, jobs)`` returns one result per
        job and runs on the worker thread with every job queued meanwhile."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        with self._lock:
            self._pending.append((job, future, loop))
            start, self._draining = not self._draining, True
        if start:
            loop.run_in_executor(self._pool, self._drain, batch)
        return await future

    def _drain(self, batch) -> None:
        while True:
            with self._lock:
                jobs, self._pending = self._pending, []
                if not jobs:
                    self._draining = False
                    return
            try:
                results = self._call(lambda ops: batch(ops, [j for j, _, _ in jobs]))
            except BaseException as exc:  # noqa: BLE001 - every waiting request gets the error
                results = [exc] * len(jobs)
            for (_, future, loop), result in zip(jobs, results):
                setter = future.set_exception if isinstance(result, BaseException) else future.set_result
                loop.call_soon_threadsafe(_settle, future, setter, result)


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
