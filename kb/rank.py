"""A learned ranker over the signals retrieval already computes, to put the answering article first.

Reciprocal-rank fusion finds the right article (hit@10 about 0.98 on our sets) but often not first:
a definition article, a neighbouring duty or a liability article leads where the question asks
whether something is allowed, who is responsible or what the penalty is. This module scores the
top fused candidates with a linear model over per-article signals — text and view cosines, BM25,
each channel's rank, the fused score, the law named, the region, and whether what the article
says (不得 / 罚款 / 负责 / a date) is what the question asks for. The weights are fitted by
``bench/fit_ranker.py`` on labelled question→article pairs (the packaged question views, each with
its own entry left out of the view channel, and the development sets) and packaged as
``kb/data/ranker.json``; without that file retrieval keeps the hand-set fusion.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache

from kb.model import Article
from kb.packaged import load_model

LIABILITY_CHAPTER = re.compile(r"(法律责任|罚则|处罚)")
# What the question asks for, and how an article says it.
ASKS = {
    "penalty": (re.compile(r"(罚|处罚|处分|后果|会怎样|会怎么样|咋办|判刑|坐牢|拘留|追究|责任|违法|犯法|犯罪|赔)"),
                re.compile(r"(罚款|处分|警告|责令|追究|拘留|没收|赔偿|处罚|治安管理)")),
    "allowed": (re.compile(r"(能不能|能否|可不可以|可以吗|能吗|行不行|行吗|允许|让不让|准不准|不准|禁止|违法吗|犯法吗)"),
                re.compile(r"(不得|禁止|严禁|不准|可以|允许|有权)")),
    "who": (re.compile(r"(谁|哪个部门|哪个单位|哪些部门|由谁|负责|归.{0,4}管|管不管|谁管)"),
            re.compile(r"(负责|主管|管理|领导|组织实施|由.{1,16}(部门|机关|政府|单位|组织))")),
    "when": (re.compile(r"(什么时候|何时|哪天|几月|几号|多久|期限|多长时间|每年)"),
             re.compile(r"([0-9一二三四五六七八九十]+(日|月|年)|期间|期限|以前|以内|之日)")),
    "duty": (re.compile(r"(必须|要不要|需不需要|得不得|是不是要|应不应该|义务|该不该)"),
             re.compile(r"(应当|必须|义务)")),
    "definition": (re.compile(r"(是什么|啥是|什么是|指什么|指哪些|包括哪些|包括什么|算不算|属于|是指|啥意思|什么意思|是啥)"),
                   re.compile(r"(是指|包括|称|所称|是.{0,10}的组成部分)")),
}
GENERAL_CHAPTER = re.compile(r"总则")

FEATURES = (
    "rrf", "text_cos", "view_cos", "text_gap", "view_gap", "bm25", "r_dense", "r_view", "r_bm25",
    "in_dense", "in_view", "in_bm25", "named_law", "liability", "liability_asked", "general",
    "general_asked_def", "first_articles", "last_article", "home_no_place", "named_region",
    "national_named", *(f"match_{k}" for k in ASKS), *(f"offer_{k}" for k in ASKS), "log_len",
    "law_text_gap", "law_view_gap",
)


@dataclass(frozen=True)
class Channels:
    """Per-article signals of one question's retrieval (absent = not in that channel's list)."""

    rrf: dict[int, float]
    text_cos: dict[int, float]
    view_cos: dict[int, float]
    bm25: dict[int, float]
    dense_rank: dict[int, int]
    view_rank: dict[int, int]
    bm25_rank: dict[int, int]


def asked(question: str) -> dict[str, bool]:
    return {k: bool(q.search(question)) for k, (q, _) in ASKS.items()}


def features(article: Article, ch: Channels, question: str, asks: dict[str, bool], law_ids: tuple[int, ...],
             named_regions: tuple[str, ...], home_region: str, law_size: int,
             law_tops: tuple[float, float] | None = None) -> list[float]:
    """The feature vector of one candidate article (order of :data:`FEATURES`). ``law_tops`` are
    the best text and view cosines of any article of the candidate's law: how well the *law*
    matches the question (a military-zone question naming 重庆 is still one for the national law)."""
    aid = article.id
    t_floor = min(ch.text_cos.values(), default=0.0)
    v_floor = min(ch.view_cos.values(), default=0.0)
    t_top = max(ch.text_cos.values(), default=0.0)
    v_top = max(ch.view_cos.values(), default=0.0)
    text_cos = ch.text_cos.get(aid, t_floor)
    view_cos = ch.view_cos.get(aid, v_floor)
    bm_top = max(ch.bm25.values(), default=0.0) or 1.0
    body = article.text
    liability = bool(LIABILITY_CHAPTER.search(article.chapter))
    general = bool(GENERAL_CHAPTER.search(article.chapter))
    offer = {k: bool(a.search(body)) for k, (_, a) in ASKS.items()}
    row = [
        ch.rrf.get(aid, 0.0) * 60.0,
        text_cos, view_cos, t_top - text_cos, v_top - view_cos,
        ch.bm25.get(aid, 0.0) / bm_top,
        1.0 / (1 + ch.dense_rank[aid]) if aid in ch.dense_rank else 0.0,
        1.0 / (1 + ch.view_rank[aid]) if aid in ch.view_rank else 0.0,
        1.0 / (1 + ch.bm25_rank[aid]) if aid in ch.bm25_rank else 0.0,
        float(aid in ch.dense_rank), float(aid in ch.view_rank), float(aid in ch.bm25_rank),
        float(article.law_id in law_ids),
        float(liability), float(liability and asks["penalty"]),
        float(general), float(general and asks["definition"]),
        float(article.number <= 3), float(law_size > 0 and article.number >= law_size),
        float(not named_regions and article.region == home_region),
        float(bool(named_regions) and article.region in named_regions),
        float(bool(named_regions) and article.region == "全国"),
        *(float(asks[k] and offer[k]) for k in ASKS),
        *(float(offer[k]) for k in ASKS),
        math.log(1 + len(body)) / 6.0,
        t_top - (law_tops[0] if law_tops else text_cos), v_top - (law_tops[1] if law_tops else view_cos),
    ]
    return row


@dataclass(frozen=True)
class LinearRanker:
    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]

    def score(self, row: list[float]) -> float:
        return sum(w * (x - m) / s for w, x, m, s in zip(self.weights, row, self.mean, self.scale))

    def to_json(self) -> str:
        return json.dumps({"features": list(self.names), "mean": list(self.mean), "scale": list(self.scale),
                           "weights": list(self.weights)}, ensure_ascii=False, indent=0)

    @classmethod
    def from_json(cls, text: str) -> "LinearRanker":
        d = json.loads(text)
        return cls(tuple(d["features"]), tuple(d["mean"]), tuple(d["scale"]), tuple(d["weights"]))


@lru_cache(maxsize=1)
def default_ranker() -> LinearRanker | None:
    """The packaged ranker, or None when absent or fitted for another feature set."""
    return load_model("ranker.json", LinearRanker.from_json, FEATURES)
