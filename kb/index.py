"""Search indexes over the current articles: FAISS (dense) and BM25 (jieba tokens).

Both are caches of the SQLite store, keyed by article row ids. A build writes a new generation
folder aside, then swaps a one-line ``CURRENT`` pointer with ``os.replace``; readers load whatever
generation the pointer names, so a query never sees a half-built index.

At national scale (55k articles) the build streams the articles once, keeps BM25 tokens as compact
integer arrays, and embeds only what the content-hash cache lacks, committing as it goes, so an
interrupted build resumes where it stopped. Searches run FAISS on one thread: a flat scan of
55k x 384 takes a few milliseconds, and OpenMP teams on busy shared cores only add stalls.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from kb.errors import IndexMissingError
from kb.model import Article

if TYPE_CHECKING:
    from typing import Sequence

    from kb.embed import Embedder
    from kb.store import Store
    from kb.views import QuestionView

POINTER = "CURRENT"
KEEP_GENERATIONS = 2


def passage_text(article: Article) -> str:
    """What the dense model reads for an article: law title, chapter, then the article text."""
    chapter = article.chapter.split(" / ")[-1] if article.chapter else ""
    return " ".join(p for p in (article.law_title, chapter, article.text) if p)


def bm25_text(article: Article) -> str:
    chapter = article.chapter.split(" / ")[-1] if article.chapter else ""
    return " ".join(p for p in (chapter, article.text) if p)


@dataclass
class SearchIndex:
    """A loaded generation: a FAISS index over article ids and a BM25 index with its id map."""

    path: Path
    dense: object  # faiss.Index
    bm25: object  # bm25s.BM25
    bm25_ids: np.ndarray
    meta: dict
    views: object = None  # faiss.Index over question views (kb.views), or None
    view_ids: np.ndarray | None = None  # article id of each view row

    @property
    def revision(self) -> int:
        return int(self.meta.get("revision", -1))

    @property
    def model_id(self) -> str:
        return self.meta.get("model_id", "")

    def dense_search(self, qvec: np.ndarray, k: int) -> list[tuple[int, float]]:
        if self.dense.ntotal == 0:
            return []
        _single_thread_faiss()  # per calling thread: OpenMP settings are thread-local
        scores, ids = self.dense.search(np.asarray(qvec, np.float32).reshape(1, -1), min(k, self.dense.ntotal))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    @property
    def text_view_ids(self) -> frozenset[int]:
        """Articles whose views await review after an amendment: they take part in the view
        channel through their own text meanwhile (as articles of a law without views do)."""
        return frozenset(self.meta.get("text_view_ids", ()))

    @property
    def has_views(self) -> bool:
        return self.views is not None and self.views.ntotal > 0

    @property
    def view_coverage(self) -> float:
        """Share of the indexed articles that have at least one question view."""
        if not self.has_views or not self.dense.ntotal:
            return 0.0
        return len(np.unique(self.view_ids[self.view_ids >= 0])) / self.dense.ntotal

    def view_search(self, qvec: np.ndarray, k: int, skip_rows: frozenset[int] = frozenset()) -> list[tuple[int, float]]:
        """Articles whose question views are closest to the query: (article id, best cosine),
        best first, one entry per article; ``skip_rows`` are views left out (a view asked as
        itself, when fitting the ranker on the views)."""
        if not self.has_views:
            return []
        _single_thread_faiss()
        scores, rows = self.views.search(np.asarray(qvec, np.float32).reshape(1, -1),
                                         min(k, self.views.ntotal))
        best: dict[int, float] = {}
        for r, s in zip(rows[0], scores[0]):
            if r >= 0 and int(r) not in skip_rows:
                aid = int(self.view_ids[r])
                if aid not in best:
                    best[aid] = float(s)
        return list(best.items())

    def bm25_scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every indexed article for these tokens (aligned with ``bm25_ids``)."""
        if not tokens or len(self.bm25_ids) == 0:
            return np.zeros(len(self.bm25_ids), np.float32)
        return np.asarray(self.bm25.get_scores(tokens), dtype=np.float32)

    @classmethod
    def load(cls, index_dir: Path) -> "SearchIndex":
        pointer = index_dir / POINTER
        if not pointer.exists():
            raise IndexMissingError("检索索引尚未建立：请先用 lawbot ingest 导入法规。")
        gen = index_dir / pointer.read_text(encoding="utf-8").strip()
        import bm25s
        import faiss

        meta = json.loads((gen / "meta.json").read_text(encoding="utf-8"))
        dense = faiss.read_index(str(gen / "dense.faiss"))
        bm25 = bm25s.BM25.load(str(gen / "bm25"))
        ids = np.load(gen / "bm25_ids.npy")
        views = view_ids = None
        if (gen / "views.faiss").exists():
            views = faiss.read_index(str(gen / "views.faiss"))
            view_ids = np.load(gen / "view_ids.npy")
        return cls(gen, dense, bm25, ids, meta, views, view_ids)


def _single_thread_faiss() -> None:
    import faiss

    faiss.omp_set_num_threads(1)


def current_generation(index_dir: Path) -> Path | None:
    pointer = index_dir / POINTER
    if not pointer.exists():
        return None
    return index_dir / pointer.read_text(encoding="utf-8").strip()


def index_meta(index_dir: Path) -> dict | None:
    gen = current_generation(index_dir)
    if gen is None or not (gen / "meta.json").exists():
        return None
    return json.loads((gen / "meta.json").read_text(encoding="utf-8"))


def build_index(store: "Store", embedder: "Embedder", index_dir: Path,
                progress: Callable[[int], None] | None = None,
                tokenize: Callable[[str], list[str]] | None = None,
                phase: Callable[[str, int], None] | None = None,
                views: "Sequence[QuestionView] | None" = None) -> Path:
    """Build a new generation from the store's current articles and swap it in atomically.

    ``phase(name, total)`` announces each step (``embed``, ``bm25``, ``views``) and
    ``progress(n)`` counts the items done within it (for progress bars). ``views`` defaults to
    the question views in the store (seeded from the packaged file); those that no longer fit
    their article are left out, and their articles compete through their text instead. Articles
    of repealed laws are not indexed."""
    from kb import dbopen

    dbopen.ensure_writable(store.db.conn)  # a read-only home: one clear line, nothing half-written
    import bm25s
    import faiss

    from kb.embed import embed_cached
    from kb.text import tokenize as default_tokenize
    from kb.views import index_views, resolve_views, views_fingerprint

    tokenize = tokenize or default_tokenize
    revision = store.revision()
    id_list: list[int] = []
    passages: list[str] = []
    bm25_texts: list[str] = []
    for a in store.current_articles(in_force=True):  # one pass; no Article objects kept
        id_list.append(a.id)
        passages.append(passage_text(a))
        bm25_texts.append(bm25_text(a))
    ids = np.array(id_list, dtype=np.int64)
    del id_list

    if phase:
        phase("embed", len(passages))
    vectors = embed_cached(store, embedder, passages, progress=progress)
    del passages
    dense = faiss.IndexIDMap2(faiss.IndexFlatIP(embedder.dim))
    if len(ids):
        dense.add_with_ids(vectors, ids)
    del vectors

    if phase:
        phase("bm25", len(bm25_texts))
    bm25 = bm25s.BM25(k1=1.2, b=0.75)
    bm25.index(_token_ids(bm25_texts, tokenize, progress), show_progress=False)
    del bm25_texts

    views = index_views(store) if views is None else tuple(views)
    resolved = resolve_views(store, views)
    indexed = set(ids.tolist())
    kept = [(aid, q) for aid, q in zip(resolved.article_ids, resolved.questions) if aid in indexed]
    if phase:
        phase("views", len(kept))
    view_vectors = embed_cached(store, embedder, [q for _, q in kept], progress=progress, queries=True)
    view_index = faiss.IndexFlatIP(embedder.dim)
    if kept:
        view_index.add(view_vectors)
    view_ids = np.array([aid for aid, _ in kept] or [-1], dtype=np.int64)
    # The precedents the learned decision compares questions with (kb.precedents): embedded now
    # into the store's cache, so the first question does not wait for them.
    from kb.precedents import default_precedents
    if kept and (precedents := default_precedents()):
        if phase:
            phase("precedents", len(precedents))
        embed_cached(store, embedder, [p.question for p in precedents], progress=progress, queries=True)

    index_dir.mkdir(parents=True, exist_ok=True)
    name = f"gen-{time.strftime('%Y%m%d%H%M%S')}-{time.time_ns() % 10**9:09d}-{os.getpid()}-r{revision}"
    tmp = index_dir / (name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    faiss.write_index(dense, str(tmp / "dense.faiss"))
    bm25.save(str(tmp / "bm25"))
    np.save(tmp / "bm25_ids.npy", ids if len(ids) else np.zeros(1, np.int64) - 1)
    faiss.write_index(view_index, str(tmp / "views.faiss"))
    np.save(tmp / "view_ids.npy", view_ids)
    meta = {"revision": revision, "model_id": embedder.model_id, "dim": embedder.dim,
            "articles": int(len(ids)), "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "views": len(kept), "views_stale": resolved.stale,
            "views_unmatched": resolved.unknown + len(resolved.article_ids) - len(kept),
            "views_fingerprint": views_fingerprint(views),
            "text_view_ids": [a for a in resolved.stale_article_ids if a in indexed]}
    (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    final = index_dir / name
    os.replace(tmp, final)
    _swap_pointer(index_dir, name)
    _prune(index_dir, keep=name)
    return final


def _token_ids(texts: list[str], tokenize: Callable[[str], list[str]],
               progress: Callable[[int], None] | None = None) -> tuple[list, dict[str, int]]:
    """BM25 input as (per-document token id arrays, vocabulary): 4 bytes a token instead of a
    Python string each, which is what keeps 55k tokenised articles small."""
    vocab: dict[str, int] = {}
    docs = []
    for i, text in enumerate(texts or [""]):
        docs.append(array("i", [vocab.setdefault(t, len(vocab)) for t in tokenize(text) or ["∅"]]))
        if progress and i % 1000 == 999:
            progress(1000)
    if progress and len(texts) % 1000:
        progress(len(texts) % 1000)
    return docs, vocab


def _swap_pointer(index_dir: Path, name: str) -> None:
    tmp = index_dir / (POINTER + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(name)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / POINTER)


def _prune(index_dir: Path, keep: str) -> None:
    """Remove old generations, keeping the newest few so readers mid-load are not disturbed."""
    gens = sorted((p for p in index_dir.glob("gen-*") if p.is_dir()), key=lambda p: p.stat().st_mtime)
    old = [p for p in gens if p.name != keep]
    for p in old[:max(0, len(old) - (KEEP_GENERATIONS - 1))]:
        shutil.rmtree(p, ignore_errors=True)
