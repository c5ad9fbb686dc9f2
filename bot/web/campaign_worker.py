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
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, TypeVar

from fastapi import Request

T = TypeVar("T")


class CampaignWorker:
    def __init__(self, settings, factory: Callable[[], object] | None = None):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="web-quiz")
        self._settings = settings
        self._factory = factory
        self._ops = None
        self._pending: list = []  # (job, future, loop) waiting for the next group commit
        self._lock = threading.Lock()
        self._draining = False

    def _open(self):
        if self._factory is not None:
            return self._factory()
        from app.quiz import QuizOps

        return QuizOps(self._settings)

    def _call(self, fn):
        if self._ops is None:
            self._ops = self._open()
        return fn(self._ops)

    async def run(self, fn: Callable[[object], T]) -> T:
        """``fn(ops)`` on the worker thread; ``ops`` is an :class:`app.quiz.QuizOps`."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._call, fn)

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

    def close(self) -> None:
        def close_ops():
            if self._ops is not None:
                self._ops.close()
                self._ops = None

        try:
            self._pool.submit(close_ops).result(timeout=30)
        finally:
            self._pool.shutdown(wait=True)


def quiz(request: Request) -> CampaignWorker:
    """This process's worker (created on the first campaign request)."""
    state = request.app.state
    worker = getattr(state, "campaign_worker", None)
    if worker is None:
        worker = state.campaign_worker = CampaignWorker(state.ctx.settings)
    return worker


def _settle(future, setter, value) -> None:
    if not future.done():
        setter(value)
