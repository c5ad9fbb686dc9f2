"""Hybrid retrieval: exact references by lookup, then BM25 and dense candidates fused by rank.

The retriever decides nothing about wording; it returns ranked statute articles and the signals
(reference found, scores) that the answer policy uses to decide whether to answer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import islice

import numpy as np

from kb import intents
from kb.adapter import adapter_for
from kb.precedents import PrecedentIndex
from kb.decide import DEFAULT_DECISION, VIEWS_DECISION, DecisionModel, has_domain_marker
from kb.decline import default_decline, signals
from kb.index import SearchIndex
from kb.model import Article, Hit
from kb.query import LawCatalog, QueryInfo, understand
from kb.rank import Channels, asked, default_ranker, features
from kb.store import Store
from kb.synonyms import default_synonyms
from kb.text import tokenize

RRF_K = 60
CONSEQUENCE = re.compile(r"(罚|处分|处理|后果|会怎样|会怎么样|会咋样|咋办|判刑|坐牢|拘留|追究|责任|违法|犯法|犯罪|赔)")
LIABILITY_CHAPTER = re.compile(r"(法律责任|罚则|处罚)")


def asks_consequence(text: str) -> bool:
    return bool(CONSEQUENCE.search(text))


@dataclass(frozen=True)
class RetrievalParams:
    """Tunable knobs of fusion (chosen on the development sets, see bench/tune_retrieval.py).

    The defaults are for an index without question views; :data:`WITH_VIEWS` is the set for an
    index with them, where the views carry much of what BM25 did."""

    candidates: int = 100
    bm25_weight: float = 1.0
    dense_weight: float = 1.0
    rrf_k: int = RRF_K
    named_law_boost: float = 0.02
    region_window: int = 5
    # With the learned ranker and a place named, the region rule promotes that place's article only
    # when it scores within this margin of the ranker's first
    # (fitted leave-one-set-out on the labelled sets; see bench/fit_ranker.py --region-margins).
    region_margin: float | None = None
    liability_boost: float = 0.004  # consequence questions favour 法律责任 chapters
    expand_bm25: bool = True
    expand_dense: bool = False
    # Question views (kb.views): an article's dense score is the larger of its text's cosine and
    # its best view's cosine minus view_margin; the views' own ranking is a third RRF channel.
    use_views: bool = False
    view_margin: float = 0.04
    view_weight: float = 1.0
    decision: DecisionModel = DEFAULT_DECISION
    specifics_window: int = 3  # top articles checked for a number the question asks for
    ranker: bool = False  # the learned ranker (kb.rank, kb/data/ranker.json) orders the candidates
    rank_depth: int = 30  # how many fused candidates it re-orders
    learned_decline: bool = False  # the learned decision (kb.decline, kb/data/decline.json) decides
    # No place named: the home-region article quoted beside the national lead is the one that
    # implements it — among the first ``implements_depth`` home-region hits, score plus this weight
    # times its wording's overlap with the lead (0: simply the best-scored one in the window).
    implements_weight: float = 0.0
    implements_depth: int = 10
    unstated_veto: bool = True  # the unstated-specifics rule declines even what the model would answer
    adapter: bool = False  # the learned query adapter (kb.adapter) for the article-text channel


WITH_VIEWS = RetrievalParams(use_views=True, bm25_weight=0.5, liability_boost=0.008, decision=VIEWS_DECISION,
                             ranker=True, learned_decline=True, implements_weight=4.0, adapter=True,
                             region_margin=1.0)
# Views are used when they cover this share of the indexed articles (the core corpus: 84%). A
# national corpus that happens to contain the core laws (STARD's does) keeps the plain settings:
# a view channel holding only defence articles would push them into every civil-law answer.
MIN_VIEW_COVERAGE = 0.3


def default_params(index: SearchIndex) -> RetrievalParams:
    return WITH_VIEWS if index.view_coverage >= MIN_VIEW_COVERAGE else RetrievalParams()


@dataclass(frozen=True)
class MissingArticle:
    """A reference to an article the law does not have (人民防空法第九十条: it has 53)."""

    law_title: str
    number: int
    article_count: int


# What is left of a bare reference question (第15条说的是啥) once the reference is removed.
_REF_FILLER = re.compile(r"(请问|这个|那个|一下|具体|规定|说|讲|写|的|是|了|啥|什么|哪些|意思|内容|呢|吗|呀|啊|"
                         r"[\s，。？！?!,.~：:])")


def asks_only_reference(residual: str) -> bool:
    """True when the question is nothing but a reference (第15条 / 第十五条讲的啥)."""
    return len(_REF_FILLER.sub("", residual)) <= 2


@dataclass(frozen=True)
class SearchResult:
    question: str
    hits: tuple[Hit, ...]
    info: QueryInfo
    confidence: float
    answerable: bool
    reason: str  # reference | retrieved | low_confidence | unstated | empty | no_such_article | which_law
    references: tuple[Article, ...] = field(default=())
    missing: tuple["MissingArticle", ...] = field(default=())  # referenced but not in the law
    cosine: float = 0.0  # best dense similarity of the expanded question (the decision's input)
    view_cosine: float = 0.0  # best similarity to a question view (0 without views)
    unstated: str = ""  # number | place | papers: asks a specific no statute states
    signals: tuple[float, ...] = ()  # the learned decision's features (kb.decline.FEATURES)


class Retriever:
    """Answers ``search(question)`` over one store and one loaded index generation."""

    def __init__(self, store: Store, index: SearchIndex, embedder, catalog: LawCatalog,
                 home_region: str = "重庆市", params: RetrievalParams | None = None):
        self.store, self.index, self.embedder, self.catalog = store, index, embedder, catalog
        self.home_region = home_region
        self.params = params or default_params(index)
        self._law_of: dict[int, tuple[int, str]] | None = None
        self._viewed_laws: set[int] = set()
        self._unviewed_laws = False  # some current law has no views (it competes through its text)
        self._precedents: PrecedentIndex | None = None
        self.precedent_skip: str | None = None  # a labelled set left out of the precedents (fitting)

    def _laws(self) -> dict[int, tuple[int, str]]:
        """(law id, region) of every current article, and the laws that have question views
        (read once per loaded index)."""
        if self._law_of is None:
            self._law_of = self.store.article_laws()
            ids = self.index.view_ids if self.index.has_views else ()
            self._viewed_laws = {self._law_of[int(a)][0] for a in ids if int(a) in self._law_of}
            self._unviewed_laws = bool({law for law, _ in self._law_of.values()} - self._viewed_laws)
        return self._law_of

    def _text_query(self, qvec: np.ndarray) -> np.ndarray:
        """The question's vector as compared with article texts: through the learned query adapter
        when these params use it and it was fitted in the embedder's vector space."""
        if not self.params.adapter:
            return qvec
        adapter = adapter_for(self.embedder.model_id, int(qvec.shape[-1]))
        return adapter.apply(qvec) if adapter is not None else qvec

    def resolve_references(self, info: QueryInfo) -> tuple[list[Article], list[MissingArticle]]:
        """The referenced articles found, and those the named law does not have."""
        found: list[Article] = []
        missing: list[MissingArticle] = []
        for ref in info.refs:
            law_id = ref.law_id
            if law_id is None and len(info.law_ids) == 1:
                law_id = info.law_ids[0]
            if law_id is None:
                continue
            art = self.store.article(law_id, ref.number, ref.suffix)
            if art and art not in found:
                found.append(art)
            elif art is None and (law := self.catalog.by_id(law_id)) is not None:
                missing.append(MissingArticle(law.title, ref.number, law.article_count))
        return found, missing

    def search(self, question: str, k: int = 10) -> SearchResult:
        info = understand(question, self.catalog, self.home_region)
        refs, missing = self.resolve_references(info)
        if not refs and missing:
            return SearchResult(question, (), info, 0.0, False, "no_such_article", missing=tuple(missing))
        if info.refs and not refs and not info.law_ids and asks_only_reference(info.residual):
            return SearchResult(question, (), info, 0.0, False, "which_law")
        text = info.residual if refs else question
        fused, best_cos, view_cos, text_cos, qvec = self._fuse(text, info)
        hits = [Hit(a, 1.0 + (len(refs) - i) * 0.01, ("reference",)) for i, a in enumerate(refs)]
        seen = {a.id for a in refs}
        hits += [h for h in fused if h.article.id not in seen]
        hits = hits[:k]
        if refs:
            return SearchResult(question, tuple(hits), info, 1.0, True, "reference", tuple(refs))
        if not hits:
            return SearchResult(question, (), info, 0.0, False, "empty")
        unstated = intents.unstated_specifics(
            question, [h.article.text for h in hits[: self.params.specifics_window]]) or ""
        row = tuple(signals(question, [h.article.text for h in hits[:3]], [h.score for h in hits[:5]], best_cos,
                            view_cos, text_cos, getattr(self.index.bm25, "vocab_dict", None), bool(info.law_ids),
                            bool(info.regions), unstated, self.precedent_features(qvec, hits[0].article)))
        confidence, answerable = self.decide(question, row, best_cos, view_cos)
        veto = unstated and (self.params.unstated_veto or not self.params.learned_decline)
        if answerable and veto:
            answerable = False
        reason = "retrieved" if answerable else ("unstated" if unstated else "low_confidence")
        return SearchResult(question, tuple(hits), info, confidence, answerable, reason,
                            cosine=best_cos, view_cosine=view_cos, unstated=unstated, signals=row)

    def decide(self, question: str, row: tuple[float, ...], best_cos: float, view_cos: float) -> tuple[float, bool]:
        """(confidence, answerable): the learned decision when packaged and enabled, else the
        cosine model of kb.decide. A question without the domain's words must pass the cosine
        model too: an off-topic question is never answered on the learned model's word alone."""
        model = self.params.decision
        domain = has_domain_marker(question)
        p_cos = model.probability(best_cos, domain, view_cos)
        learned = default_decline() if self.params.learned_decline else None
        if learned is None:
            return p_cos, model.answerable(p_cos)
        p = learned.probability(list(row))
        return p, learned.answerable(p) and (domain or model.answerable(p_cos))

    def precedent_features(self, qvec: np.ndarray | None, lead: Article | None = None) -> tuple[float, float, float]:
        """How close the question is to precedents judged not covered and in scope
        (kb.precedents); read once per retriever, and only with question views (the learned
        decision's setting; computed even when fitting it against the older decision).

        Precedents were judged against the packaged corpus. When the lead article is newer than
        that judgement — of a law staff loaded since (one without question views) or amended and
        awaiting view review — what was not covered may be now: a precedent not covered counts no
        closer than the nearest in scope."""
        if qvec is None or not self.params.use_views:
            return 0.0, 0.0, 0.0
        if self._precedents is None:
            self._precedents = PrecedentIndex.build(self.store, self.embedder)
        near_out, near_in, gap = self._precedents.features(qvec, self.precedent_skip)
        if lead is not None and self.index.has_views and gap > 0:
            self._laws()
            if lead.law_id not in self._viewed_laws or lead.id in self.index.text_view_ids:
                return near_in, near_in, 0.0
        return near_out, near_in, gap

    def _fuse(self, text: str, info: QueryInfo) -> tuple[list[Hit], float, float, float, np.ndarray | None]:
        """Candidates ranked (by the learned ranker when there is one, else RRF with bonuses),
        then the region rule; returns hits and the decision's cosines (best article, best view,
        best article as the article-text channel compared it: through the query adapter) and the
        question's own vector."""
        p = self.params
        found = self.channels(text, info)
        if found is None:
            return [], 0.0, 0.0, 0.0, None
        ch, sources, allowed, decision_cos, view_cos, qvec = found
        text_cos = max(ch.text_cos.values(), default=0.0)
        if not ch.rrf:
            return [], decision_cos, view_cos, text_cos, qvec
        ranked = sorted(ch.rrf, key=ch.rrf.get, reverse=True)[: p.candidates]
        articles = [a for a in self.store.articles_by_ids(ranked) if a.region in allowed]
        scores = self.scores(articles, ch, text, info)
        hits = [Hit(a, scores[a.id], tuple(sorted(sources[a.id]))) for a in articles]
        hits.sort(key=lambda h: h.score, reverse=True)
        margin = p.region_margin if p.ranker and default_ranker() is not None else None
        return (order_by_region(hits, info.regions, self.home_region, p.region_window, p.implements_weight,
                                p.implements_depth, margin), decision_cos, view_cos, text_cos, qvec)

    def scores(self, articles: list[Article], ch: Channels, text: str, info: QueryInfo) -> dict[int, float]:
        """Score of each candidate: the learned ranker over the first ``rank_depth`` fused
        candidates (those below keep their order under them), else RRF plus hand-set bonuses."""
        p = self.params
        ranker = default_ranker() if p.ranker else None
        if ranker is None:
            liability = p.liability_boost if asks_consequence(text) else 0.0

            def score(a: Article) -> float:
                bonus = p.named_law_boost if a.law_id in info.law_ids else 0.0
                if liability and LIABILITY_CHAPTER.search(a.chapter):
                    bonus += liability
                return ch.rrf[a.id] + bonus

            return {a.id: score(a) for a in articles}
        rows = self.feature_rows(articles[: p.rank_depth], ch, text, info)
        out = {a.id: 100.0 + ranker.score(row) for a, row in zip(articles, rows)}
        out.update({a.id: ch.rrf[a.id] for a in articles[p.rank_depth:]})
        return out

    def feature_rows(self, articles: list[Article], ch: Channels, text: str, info: QueryInfo) -> list[list[float]]:
        asks = asked(text)
        size = {}
        for a in articles:
            if a.law_id not in size:
                law = self.catalog.by_id(a.law_id)
                size[a.law_id] = law.article_count if law else 0
        law_of = self._laws()
        tops: dict[int, list[float]] = {}
        for channel, cosines in enumerate((ch.text_cos, ch.view_cos)):
            for aid, cos in cosines.items():
                top = tops.setdefault(law_of.get(aid, (0,))[0], [-1.0, -1.0])
                top[channel] = max(top[channel], cos)
        t_floor = min(ch.text_cos.values(), default=0.0)
        v_floor = min(ch.view_cos.values(), default=0.0)

        def law_tops(a: Article) -> tuple[float, float]:
            t, v = tops.get(a.law_id, [-1.0, -1.0])
            return (t if t > -1.0 else t_floor, v if v > -1.0 else v_floor)

        return [features(a, ch, text, asks, info.law_ids, info.regions, self.home_region, size[a.law_id], law_tops(a))
                for a in articles]

    def channels(self, text: str, info: QueryInfo, skip_views: frozenset[int] = frozenset()):
        """The three channels' signals for a question: (Channels, sources, allowed regions,
        decision cosine, best view cosine, the question's vector), or None for an empty question.

        ``skip_views`` are rows of the view index left out (a view asked as itself), for fitting the
        ranker on the views without leaking their own entry."""
        p = self.params
        if not text.strip():
            return None
        extra = default_synonyms().expansions(text)
        expanded = f"{text} {' '.join(extra)}" if extra else text
        vecs = self.embedder.embed_queries([text, expanded] if extra else [text])
        qvec = vecs[-1] if p.expand_dense else vecs[0]
        decision_cos = max((c for _, c in self.index.dense_search(vecs[-1], 1)), default=0.0)

        scores: dict[int, float] = {}
        sources: dict[int, set[str]] = {}
        ranks: dict[str, dict[int, int]] = {"dense": {}, "view": {}, "bm25": {}}

        def add(ranked_ids, weight: float, source: str) -> None:
            for rank, aid in enumerate(ranked_ids):
                scores[aid] = scores.get(aid, 0.0) + weight / (p.rrf_k + rank + 1)
                sources.setdefault(aid, set()).add(source)
                ranks[source].setdefault(aid, rank)

        # Another region named (北京的防空地下室…) and not the home one: the home region's
        # regulations do not apply there, so only national law and the named region's compete.
        # Each channel ranks only the articles allowed, so other regions' near-copies of an
        # article do not push it down the ranks.
        named = set(info.regions)
        allowed = {"全国", *named} if named and self.home_region not in named else {"全国", self.home_region, *named}
        law_of = self._laws()

        def ok(aid: int) -> bool:
            return law_of.get(aid, (0, "全国"))[1] in allowed

        tvec = self._text_query(qvec)
        dense = {aid: c for aid, c in self.index.dense_search(tvec, 2 * p.candidates) if ok(aid)}
        text_cos = dict(dense)
        views: list[tuple[int, float]] = []
        view_cos = 0.0
        if p.use_views:
            views = [(aid, c) for aid, c in self.index.view_search(vecs[-1], 4 * p.candidates, skip_views)
                     if ok(aid)]
            # A law with no views at all (one staff loaded after the views were written) takes part
            # in the view channel through its text, as if the text were its view: otherwise its
            # articles would compete in two channels against three.
            # So does an amended article whose views await review (index.text_view_ids).
            # Its text stands in for a view at the views' scale: the plain cosine, not the adapted
            # one (the adapter's cosines are on another scale, ~0.2 where views score ~0.9).
            text_views = self.index.text_view_ids
            plain = dense if tvec is qvec or not (text_views or self._unviewed_laws) else {
                aid: c for aid, c in self.index.dense_search(qvec, 2 * p.candidates) if ok(aid)}
            views += [(aid, c + p.view_margin) for aid, c in plain.items()
                      if law_of.get(aid, (0,))[0] not in self._viewed_laws or aid in text_views]
            views.sort(key=lambda x: x[1], reverse=True)
            views = views[: p.candidates]
            view_cos = views[0][1] if views else 0.0
        for aid, cos in views:  # an article is as close as its text or (a margin below) its views
            dense[aid] = max(dense.get(aid, -1.0), cos - p.view_margin)
        add(sorted(dense, key=dense.get, reverse=True)[: p.candidates], p.dense_weight, "dense")
        if views and p.view_weight:
            add([aid for aid, _ in views], p.view_weight, "view")
        bm = self.index.bm25_scores(tokenize(expanded if p.expand_bm25 else text))
        ranked_bm = ((int(self.index.bm25_ids[r]), float(bm[r])) for r in np.argsort(-bm) if bm[r] > 0)
        top_bm = list(islice((x for x in ranked_bm if ok(x[0])), p.candidates))
        add([aid for aid, _ in top_bm], p.bm25_weight, "bm25")
        ch = Channels(scores, text_cos, dict(views), dict(top_bm), ranks["dense"], ranks["view"], ranks["bm25"])
        return ch, sources, allowed, decision_cos, view_cos, vecs[0]


def order_by_region(hits: list[Hit], named: tuple[str, ...], home_region: str,
                    window: int = 5, implements_weight: float = 0.0, implements_depth: int = 10,
                    margin: float | None = None) -> list[Hit]:
    """Apply the region rule to the top of the list.

    No place named: the best national article leads and the home-region article implementing it
    follows (see :func:`implementing`). A place named: that place's best article leads, then the
    best national one. Only the first ``window`` hits compete for the lead, so a far weaker
    article is never promoted. With a place named and a ``margin`` (on the learned ranker's scale),
    only an article of that place scoring within the margin of the first hit is; beyond it the
    ranker's lead stands (重庆 named in a question about drones near a base: one for the national
    law) and the named place's best article follows it.
    """
    top = hits[:window]
    lead_regions = named or ("全国",)
    lead = next((h for h in top if h.article.region in lead_regions), None)
    if lead is None:
        return hits
    if named and margin is not None and hits[0].score - lead.score > margin:
        lead = hits[0]
    if named:
        follow_regions = ("全国",) if lead.article.region in named else named
        follow = next((h for h in top if h.article.region in follow_regions and h is not lead), None)
    elif lead.article.region != "全国":
        follow = next((h for h in top if h.article.region == "全国"), None)
    elif implements_weight:
        follow = implementing(lead, hits[:implements_depth], home_region, implements_weight)
    else:
        follow = next((h for h in top if h.article.region == home_region and h is not lead), None)
    head = [lead] + ([follow] if follow else [])
    return head + [h for h in hits if h is not lead and h is not follow]


def implementing(lead: Hit, hits: list[Hit], home_region: str, weight: float) -> Hit | None:
    """The home-region hit that implements the national ``lead``: its score (relative to the best
    home-region hit) plus ``weight`` times how much of its wording it shares with the lead — a
    local regulation restates the national article it implements, adding the local specifics."""
    local = [h for h in hits if h.article.region == home_region]
    if not local:
        return None
    best = max(h.score for h in local)
    lead_grams = _bigrams(lead.article)
    return max(local, key=lambda h: h.score - best + weight * _overlap(lead_grams, _bigrams(h.article)))


_HAN = re.compile(r"[\u4e00-\u9fff]+")


def _bigrams(article: Article) -> set[str]:
    text = article.text[len(article.label):] if article.text.startswith(article.label) else article.text
    body = "".join(_HAN.findall(text))
    return {body[i:i + 2] for i in range(len(body) - 1)}


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(1, min(len(a), len(b)))
