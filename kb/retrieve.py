"""Hybrid retrieval: exact references by lookup, then BM25 and dense candidates fused by rank.

The retriever decides nothing about wording; it returns ranked statute articles and the signals
(reference found, scores) that the answer policy uses to decide whether to answer.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from kb.index import SearchIndex
from kb.model import Article, Hit
from kb.query import LawCatalog, QueryInfo, understand
from kb.store import Store
from kb.synonyms import default_synonyms
from kb.text import tokenize

RRF_K = 60


@dataclass(frozen=True)
class RetrievalParams:
    """Tunable knobs of fusion (chosen on the development set, see bench/tune_retrieval.py)."""

    candidates: int = 100
    bm25_weight: float = 1.0
    dense_weight: float = 1.0
    rrf_k: int = RRF_K
    named_law_boost: float = 0.02
    expand_bm25: bool = True
    expand_dense: bool = False
    answer_threshold: float = 0.80  # dense cosine of the best hit needed to answer


@dataclass(frozen=True)
class SearchResult:
    question: str
    hits: tuple[Hit, ...]
    info: QueryInfo
    confidence: float
    answerable: bool
    reason: str  # reference | retrieved | low_confidence | empty
    references: tuple[Article, ...] = field(default=())


class Retriever:
    """Answers ``search(question)`` over one store and one loaded index generation."""

    def __init__(self, store: Store, index: SearchIndex, embedder, catalog: LawCatalog,
                 home_region: str = "重庆市", params: RetrievalParams | None = None):
        self.store, self.index, self.embedder, self.catalog = store, index, embedder, catalog
        self.home_region = home_region
        self.params = params or RetrievalParams()

    def resolve_references(self, info: QueryInfo) -> list[Article]:
        found: list[Article] = []
        for ref in info.refs:
            law_id = ref.law_id
            if law_id is None and len(info.law_ids) == 1:
                law_id = info.law_ids[0]
            if law_id is None:
                continue
            art = self.store.article(law_id, ref.number, ref.suffix)
            if art and art not in found:
                found.append(art)
        return found

    def search(self, question: str, k: int = 10) -> SearchResult:
        info = understand(question, self.catalog, self.home_region)
        refs = self.resolve_references(info)
        text = info.residual if refs else question
        fused, best_cos = self._fuse(text, info)
        hits = [Hit(a, 1.0 + (len(refs) - i) * 0.01, ("reference",)) for i, a in enumerate(refs)]
        seen = {a.id for a in refs}
        hits += [h for h in fused if h.article.id not in seen]
        hits = hits[:k]
        if refs:
            return SearchResult(question, tuple(hits), info, 1.0, True, "reference", tuple(refs))
        if not hits:
            return SearchResult(question, (), info, 0.0, False, "empty")
        answerable = best_cos >= self.params.answer_threshold
        return SearchResult(question, tuple(hits), info, best_cos, answerable,
                            "retrieved" if answerable else "low_confidence")

    def _fuse(self, text: str, info: QueryInfo) -> tuple[list[Hit], float]:
        p = self.params
        scores: dict[int, float] = {}
        sources: dict[int, set[str]] = {}
        cosines: dict[int, float] = {}
        if text.strip():
            extra = default_synonyms().expansions(text)
            dense_text = f"{text} {' '.join(extra)}" if extra and p.expand_dense else text
            bm25_text = f"{text} {' '.join(extra)}" if extra and p.expand_bm25 else text
            qvec = self.embedder.embed_queries([dense_text])[0]
            for rank, (aid, cos) in enumerate(self.index.dense_search(qvec, p.candidates)):
                scores[aid] = scores.get(aid, 0.0) + p.dense_weight / (p.rrf_k + rank + 1)
                sources.setdefault(aid, set()).add("dense")
                cosines[aid] = cos
            bm = self.index.bm25_scores(tokenize(bm25_text))
            if bm.any():
                top = np.argsort(-bm)[: p.candidates]
                for rank, row in enumerate(top):
                    if bm[row] <= 0:
                        break
                    aid = int(self.index.bm25_ids[row])
                    scores[aid] = scores.get(aid, 0.0) + p.bm25_weight / (p.rrf_k + rank + 1)
                    sources.setdefault(aid, set()).add("bm25")
        if not scores:
            return [], 0.0
        ranked = sorted(scores, key=scores.get, reverse=True)[: p.candidates]
        articles = self.store.articles_by_ids(ranked)
        allowed = {"全国", self.home_region, *info.regions}
        hits = []
        for art in articles:
            if art.region not in allowed:
                continue
            score = scores[art.id] + (p.named_law_boost if art.law_id in info.law_ids else 0.0)
            hits.append(Hit(art, score, tuple(sorted(sources[art.id]))))
        hits.sort(key=lambda h: h.score, reverse=True)
        hits = order_by_region(hits, info.regions, self.home_region)
        best_cos = max((cosines.get(h.article.id, 0.0) for h in hits[:3]), default=0.0)
        return hits, best_cos


def order_by_region(hits: list[Hit], named: tuple[str, ...], home_region: str,
                    window: int = 5) -> list[Hit]:
    """Apply the region rule to the top of the list.

    No place named: the best national article leads and the best home-region article follows.
    A place named: that place's best article leads, then the best national one.
    Only the first ``window`` hits compete, so a far weaker article is never promoted.
    """
    top = hits[:window]
    lead_regions = named or ("全国",)
    follow_regions = ("全国",) if named else (home_region,)
    lead = next((h for h in top if h.article.region in lead_regions), None)
    if lead is None:
        return hits
    follow = next((h for h in top if h.article.region in follow_regions and h is not lead), None)
    head = [lead] + ([follow] if follow else [])
    return head + [h for h in hits if h is not lead and h is not follow]


def with_params(retriever: Retriever, **changes) -> Retriever:
    return Retriever(retriever.store, retriever.index, retriever.embedder, retriever.catalog,
                     retriever.home_region, replace(retriever.params, **changes))
