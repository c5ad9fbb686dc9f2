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
import os
import threading
from dataclasses import dataclass
from pathlib import Path
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
        self._turns = Turns(Path(settings.quiz_db_path).with_name("quiz.db.web-turns"))

    async def step(self, fn: Callable[..., T], *, before: Callable[[object], object] | None = None,
                   after: Callable[[object, object], object] | None = None):
        """``fn(ops)`` on the worker thread in the next group commit; returns (or raises) once
        the transaction holding its writes has been committed.

        The write lock is the one thing every worker process queues for, so reads that need no
        lock stay out of the transaction: ``before(ops)`` runs first, outside it (its value is
        passed on as ``fn(ops, value)``; returning :class:`Done` answers at once, nothing
        written), and ``after(ops, result)`` runs once the group is committed and the lock
        released (its value is the reply)."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        with self._lock:
            self._pending.append((_Job(fn, before, after), future, loop))
            start, self._draining = not self._draining, True
        if start:
            loop.run_in_executor(self._pool, self._drain)
        return await future

    def _drain(self) -> None:
        """One group: every step queued so far. If more arrived meanwhile, the next group is
        queued behind the plain :meth:`run` calls waiting on the thread (none starves)."""
        with self._lock:
            jobs, self._pending = self._pending, []
        try:
            results = self._call(lambda ops: _run_group(ops, [job for job, _, _ in jobs], self._turns))
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


@dataclass(frozen=True)
class Done:
    """From a step's ``before``: the reply, with nothing to write (a refused answer)."""

    value: object


@dataclass(frozen=True)
class _Job:
    write: Callable
    before: Callable | None
    after: Callable | None


_NOTHING = object()


def _run_group(ops, jobs: list[_Job], turns) -> list:
    """Reads before (no lock), the writes in one transaction (our turn at the write lock),
    reads after (lock released); each job's exception is its own result."""
    from quizzes import db

    out: list = [None] * len(jobs)
    prepared: list = [_NOTHING] * len(jobs)
    for n, job in enumerate(jobs):
        if job.before is not None:
            try:
                found = job.before(ops)
            except Exception as exc:  # noqa: BLE001 - this request's own failure
                out[n] = exc
                continue
            if isinstance(found, Done):
                out[n] = found.value
                continue
            prepared[n] = found
        out[n] = _NOTHING
    todo = [n for n in range(len(jobs)) if out[n] is _NOTHING]
    if not todo:
        return out
    with turns:
        written = db.group(ops.engine.conn, [
            (lambda job=jobs[n], value=prepared[n]: job.write(ops) if value is _NOTHING else job.write(ops, value))
            for n in todo])
    for n, result in zip(todo, written):
        job = jobs[n]
        if job.after is not None and not isinstance(result, BaseException):
            try:
                result = job.after(ops, result)
            except Exception as exc:  # noqa: BLE001 - this request's own failure
                result = exc
        out[n] = result
    return out


class Turns:
    """The web worker processes take turns at the write lock through a lock file (``flock``):
    the next in line is woken the moment the lock is released, where SQLite's own busy handler
    would poll with growing sleeps (1, 2, 5, 10 ms …) and leave the database idle meanwhile.
    SQLite's lock still decides (other programs — the bot, the CLI — do not take turns here); on
    systems without ``fcntl`` this does nothing."""

    def __init__(self, path: Path):
        self.path, self._fd = path, None

    def __enter__(self):
        try:
            import fcntl
        except ImportError:  # Windows: SQLite's busy handler alone
            return self
        if self._fd is None:
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:  # a read-only data directory: nothing to write, no turns to take
                return self
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_UN)


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
