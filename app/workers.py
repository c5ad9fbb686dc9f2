"""Worker threads for the async channels (Telegram, web): blocking operations of the application
layer run on single-thread workers, never on the event loop.

Each :class:`Worker` owns one set of operations (and so one SQLite connection, WAL: readers never
wait), created lazily on its own thread and closed there. :class:`StoreSide` is the quick
browsing/curation side both channels keep apart from answering, so lookups never queue behind
retrieval. :class:`LockedEmbedder` lets several workers share one loaded model (tests, small
hosts), one call at a time. No Telegram and no HTTP here: the channels choose which workers they
run and what they call on them.
"""
from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, TypeVar

T = TypeVar("T")


class LockedEmbedder:
    """One embedding model shared by several workers, one call at a time."""

    def __init__(self, inner):
        self.inner = inner
        self.model_id, self.dim = inner.model_id, inner.dim
        self._lock = threading.Lock()

    def embed_queries(self, texts):
        with self._lock:
            return self.inner.embed_queries(texts)

    def embed_passages(self, texts):
        with self._lock:
            return self.inner.embed_passages(texts)


class Worker:
    """A single thread owning one set of operations, created lazily on that thread by ``factory``;
    ``close()`` (idempotent) closes them on the same thread and stops it."""

    def __init__(self, name: str, factory: Callable[[], object]):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._factory = factory
        self._ops = None
        self._closed = False

    def _call(self, fn):
        if self._ops is None:
            self._ops = self._factory()
        return fn(self._ops)

    async def run(self, fn: Callable[[object], T]) -> T:
        """``fn(ops)`` on the worker thread."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._call, fn)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True

        def close_ops():
            if self._ops is not None:
                self._ops.close()
                self._ops = None

        try:
            self._pool.submit(close_ops).result(timeout=30)
        finally:
            self._pool.shutdown(wait=True)


class StoreSide:
    """The store worker's operations: browsing and curation over one knowledge base."""

    def __init__(self, kb):
        from app.browsing import Library
        from app.curation import Curation

        self.kb = kb
        self.library = Library(kb)
        self.curation = Curation(kb)

    def close(self) -> None:
        self.kb.close()
