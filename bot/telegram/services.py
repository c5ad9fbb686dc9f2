"""The core as the bot uses it: blocking calls run in worker threads, never on the event loop.

Four single-thread workers, each owning its own SQLite connection (WAL: readers never wait):

* **answer** — the one answering :class:`KnowledgeBase` and :class:`Assistant`: questions only
  (the model, retrieval, the question log). ``await services.ask(text, user_ref)``.
* **store** — lookups and small writes that must not queue behind retrieval: articles for
  buttons and browsing, feedback, staff reads and FAQ answers. ``await services.store(fn)``
  with ``fn(ops: StoreOps)``.
* **admin** — a separate KnowledgeBase for staff uploads: parsing, previews, loading a law and
  rebuilding the index. Answers keep flowing meanwhile; the answering KnowledgeBase notices the
  new index generation on its next query. ``await services.admin(fn)`` with ``fn(ops: AdminOps)``.
* **quiz** — the quiz engine and the 6·5 reminders on ``quiz.db`` (a separate file): rounds,
  registrations, campaigns, subscriptions. ``await services.quiz(fn)`` with
  ``fn(ops: QuizOps)`` (bot/telegram/quiz_ops.py). ``services.clock`` is the engine's clock,
  which the bot's deadline timers read too.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Sequence, TypeVar

from bot.telegram.pending import PendingAnswers, PendingUploads
from bot.telegram.quiz_ops import QuizOps
from kb.answer import Answer
from kb.assistant import Assistant
from kb.errors import KBError, NotFoundError
from kb.faq import FaqBook, FaqEntry
from kb.logbook import Logbook
from kb.lookup import find_article, find_law
from kb.model import Article, Law
from kb.service import KnowledgeBase
from kb.settings import Settings
from kb.store import LoadReport

log = logging.getLogger(__name__)
T = TypeVar("T")


class LockedEmbedder:
    """One embedding model shared by both workers, one call at a time (tests, small hosts)."""

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


class AnswerOps:
    """The answering assistant (answer worker thread only)."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.assistant = Assistant(kb)

    @property
    def store(self):
        return self.kb.store

    def close(self) -> None:
        self.kb.close()

    def warm_up(self) -> None:
        """Load the model and index before the first citizen waits for them."""
        try:
            self.kb.retriever()
            self.kb.embedder.embed_queries(["人民防空"])
        except KBError as exc:
            log.warning("warm-up skipped: %s", exc)

    def ask(self, text: str, user_ref: str) -> tuple[Answer, list[Article]]:
        answer = self.assistant.answer(text, channel="telegram", user_ref=user_ref)
        basis: list[Article] = []
        if answer.kind == "faq" and answer.faq is not None:
            for b in answer.faq.basis:
                try:
                    law = find_law(self.store, b.law, self.kb.settings.home_region)
                except NotFoundError:
                    continue
                art = self.store.article(law.id, b.article, b.suffix)
                if art is not None:
                    basis.append(art)
        return answer, basis


class StoreOps:
    """Lookups, feedback and staff bookkeeping on their own connection (store worker only)."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.log = Logbook(kb.store)
        self.faq = FaqBook(kb.store, kb.settings.home_region)
        self.answers = PendingAnswers(kb.store.db)

    @property
    def store(self):
        return self.kb.store

    def close(self) -> None:
        self.kb.close()

    def counts(self) -> tuple[int, int]:
        return len(self.store.laws()), self.store.count_current_articles()

    def laws(self) -> list[Law]:
        return self.store.laws()

    def articles(self, ids: Sequence[int]) -> list[Article]:
        return self.store.articles_by_ids(list(ids))

    def version_articles(self, version_id: int) -> list[Article]:
        return self.store.law_articles(0, version_id=version_id)  # law id unused with a version

    def with_version(self, article_id: int) -> tuple[Article | None, list[Article]]:
        found = self.articles([article_id])
        return (found[0], self.version_articles(found[0].version_id)) if found else (None, [])

    def lookup(self, law_name: str, number: str) -> Article:
        region = self.kb.settings.home_region
        find_law(self.store, law_name, region)  # raises NotFoundError for an unknown law
        return find_article(self.store, law_name, number, None, region)

    def feedback(self, log_id: int, user_ref: str, positive: bool) -> bool:
        return self.log.feedback(log_id, user_ref, 1 if positive else -1)

    # ---- staff ----

    def unanswered(self, limit: int = 10):
        return self.log.unanswered(limit)

    def stats(self, days: int):
        return self.log.stats(days)

    def faq_entries(self) -> list[FaqEntry]:
        return self.faq.entries()

    def faq_remove(self, faq_id: int) -> bool:
        return self.faq.remove(faq_id)

    def start_answer(self, user_ref: str, log_id: int) -> str | None:
        entry = self.log.entry(log_id)
        if entry is None:
            return None
        self.answers.start(user_ref, log_id)
        return entry["question"]

    def pending_answer(self, user_ref: str) -> int | None:
        return self.answers.current(user_ref)

    def cancel_answer(self, user_ref: str) -> bool:
        return self.answers.clear(user_ref)

    def add_answer(self, user_ref: str, log_id: int, answer: str, basis: str) -> tuple[FaqEntry, int]:
        """Store the staff answer as an FAQ pair for the logged question; raises FaqError."""
        entry = self.log.entry(log_id)
        if entry is None:
            self.answers.clear(user_ref)
            raise NotFoundError("这条提问记录已不存在。")
        faq = self.faq.add(entry["question"], answer, basis, created_by=f"telegram:{user_ref}")
        resolved = self.log.resolve(log_id, faq.id)
        self.answers.clear(user_ref)
        return faq, resolved


@dataclass(frozen=True)
class Staged:
    report: LoadReport
    upload_id: int | None  # None when the file changes nothing


@dataclass(frozen=True)
class Loaded:
    report: LoadReport
    filename: str
    articles_indexed: int


class AdminOps:
    """Blocking staff-upload operations on a separate knowledge base (admin worker thread only)."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.uploads = PendingUploads(kb.store.db)

    def stage(self, user_ref: str, filename: str, data: bytes) -> Staged:
        """Parse and preview an upload (raises IngestError); keep the bytes for 确认."""
        from ingest import parse_bytes

        parsed = parse_bytes(data, filename)
        report = self.kb.store.preview_law(parsed, f"telegram:{filename}")
        if not report.changed_store:
            return Staged(report, None)
        return Staged(report, self.uploads.add(user_ref, filename, data, report.law_title))

    def confirm(self, upload_id: int) -> Loaded | None:
        """Load the staged file and swap in a rebuilt index; None if gone/expired/already taken."""
        from ingest import parse_bytes

        claimed = self.uploads.claim(upload_id)
        if claimed is None:
            return None
        filename, data = claimed
        try:
            report = self.kb.store.load_law(parse_bytes(data, filename), f"telegram:{filename}")
            if report.changed_store or self.kb.index_is_stale():
                self.kb.reindex()
        except BaseException:
            self.uploads.release(upload_id)
            raise
        self.uploads.finish(upload_id)
        return Loaded(report, filename, self.kb.store.count_current_articles())

    def cancel(self, upload_id: int) -> bool:
        return self.uploads.cancel(upload_id)

    def recover(self) -> int:
        return self.uploads.recover()

    def close(self) -> None:
        self.kb.close()


class _Worker:
    """A single thread owning one set of ops, created lazily in that thread."""

    def __init__(self, name: str, factory: Callable[[], object]):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._factory = factory
        self._ops = None

    def _call(self, fn):
        if self._ops is None:
            self._ops = self._factory()
        return fn(self._ops)

    async def run(self, fn):
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._call, fn)

    def close(self) -> None:
        def close_ops():
            if self._ops is not None:
                self._ops.close()
                self._ops = None

        self._pool.submit(close_ops).result(timeout=30)
        self._pool.shutdown(wait=True)


class Services:
    """What handlers need from the core. ``embedder``: share one model between the answering and
    admin knowledge bases (guarded by a lock); by default each loads its own when first needed
    (the store worker never embeds). ``quiz_bank``: the questions for the quiz engine (default:
    the curated bank files); ``clock``: the quiz engine's clock (tests move it)."""

    def __init__(self, settings: Settings, embedder=None, *, quiz_bank=None,
                 clock: Callable[[], float] = time.time):
        self.settings = settings
        self.clock = clock
        shared = LockedEmbedder(embedder) if embedder is not None else None
        self._answer = _Worker("lawbot-answer", lambda: AnswerOps(KnowledgeBase(settings, embedder=shared)))
        self._store = _Worker("lawbot-store", lambda: StoreOps(KnowledgeBase(settings, embedder=shared)))
        self._admin = _Worker("lawbot-admin", lambda: AdminOps(KnowledgeBase(settings, embedder=shared)))
        self._quiz = _Worker("lawbot-quiz", lambda: QuizOps(settings, quiz_bank, clock))

    async def ask(self, text: str, user_ref: str) -> tuple[Answer, list[Article]]:
        return await self._answer.run(lambda ops: ops.ask(text, user_ref))

    async def warm_up(self) -> None:
        await self._answer.run(lambda ops: ops.warm_up())

    async def answering(self, fn: Callable[[AnswerOps], T]) -> T:
        """Run ``fn`` on the answer worker (tests and maintenance)."""
        return await self._answer.run(fn)

    async def store(self, fn: Callable[[StoreOps], T]) -> T:
        return await self._store.run(fn)

    async def admin(self, fn: Callable[[AdminOps], T]) -> T:
        return await self._admin.run(fn)

    async def quiz(self, fn: Callable[[QuizOps], T]) -> T:
        return await self._quiz.run(fn)

    def close(self) -> None:
        for worker in (self._answer, self._store, self._admin, self._quiz):
            worker.close()
