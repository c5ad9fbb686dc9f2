"""A learned answer/decline decision: does the best retrieved article answer what was asked?

The older decision (kb.decide) looks only at how close the question is to some article; near
misses — questions full of the domain's words that ask for what no article states (a phone
number, this year's fee, which station is a shelter, how loud the alarm is) — pass it easily and
get a confidently quoted article. This model also sees *what the question asks for* (a contact, a
place, a current figure, a count, a duration, a procedure, a sound; or whether something is
allowed, the penalty, who is responsible, a duty), whether the lead article offers that, how many
of the question's content words the top articles contain (and how many the corpus has never
seen), the ranker's lead score and margin, the dense cosines, and how close the question comes to
questions judged before as not covered or in scope (kb.precedents). It is a sum of boosted decision
stumps fitted by ``bench/fit_decline.py`` on the labelled sets and packaged as ``kb/data/decline.json``;
without that file (or for an index without question views) the older decision stays in force.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache

from kb import intents
from kb.decide import has_domain_marker
from kb.packaged import load_model
from kb.rank import ASKS
from kb.words import content_tokens

# What a question asks for beyond kb.rank.ASKS (allowed / penalty / who / when / duty / definition).
QUESTION_KINDS = {
    "contact": intents._ASKS_CONTACT,
    "place": intents._ASKS_PLACE,
    "current": re.compile(r"(今年|明年|去年|这个月|本月|最近|目前|现在|现行|最新|2[0-9]{3}年)"),
    "count": intents._ASKS_COUNT,
    "amount": re.compile(r"(多少|好多|几)(钱|元|块|万|千|分贝|米|公里|平方|岁|人|个|次|天|年|小时|分钟)|标准是?多少|收费标准|价格|费用是?多少"),
    "duration": re.compile(r"(多久|多长时间|几天|几年|几个月|啥时候|什么时候|截止|哪天)"),
    "procedure": re.compile(r"(手续|流程|材料|怎么办|怎么申请|如何申请|去哪|到哪|哪里办|在哪|网上|窗口|审批多久)"),
    "sensory": re.compile(r"(声音|听起来|什么样|啥样|样子|长什么|颜色|好不好|舒服|信号|味道|多大声|多响)"),
    "fact": re.compile(r"(是不是|是否是|算不算|有没有|会不会|有啥|有什么)"),
    "advice": re.compile(r"(我|我们|我家).{0,12}(告|赔|赢|起诉|维权|怎么办|咋办)|(告得赢|能赢|赔多少|赔好多)"),
}
# Asks for a specific a statute seldom states.
SPECIFIC = ("contact", "place", "current", "count", "amount", "duration", "procedure", "sensory")
UNSTATED_KINDS = ("number", "place", "papers", "contact", "policy")

FEATURES = (
    "cos", "view_cos", "text_cos", "domain", "lead_score", "margin", "cov_lead", "cov_top3", "oov", "uncovered",
    "n_content", "law_named", "region_named", "specific",
    *(f"ask_{k}" for k in QUESTION_KINDS), *(f"ask_{k}" for k in ASKS),
    *(f"offer_{k}" for k in ASKS), "asked_not_offered",
    *(f"unstated_{k}" for k in UNSTATED_KINDS),
    "prec_out", "prec_in", "prec_gap",
)
def _covered(token: str, text: str) -> bool:
    return token in text


def signals(question: str, lead_texts: list[str], scores: list[float], cosine: float, view_cosine: float,
            text_cosine: float, vocab, law_named: bool, region_named: bool, unstated: str,
            precedent: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> list[float]:
    """The feature vector (order of :data:`FEATURES`) of one question and its top articles
    (``lead_texts`` best first, ``scores`` their retrieval scores); ``precedent`` is how close it
    comes to questions judged before (kb.precedents: not covered, in scope, their gap)."""
    tokens = content_tokens(question)
    n = max(len(tokens), 1)
    lead = lead_texts[0] if lead_texts else ""
    top3 = "".join(lead_texts[:3])
    cov_lead = sum(_covered(t, lead) for t in tokens) / n
    cov_top3 = sum(_covered(t, top3) for t in tokens) / n
    oov = sum(t not in vocab for t in tokens) / n if vocab is not None else 0.0
    uncovered = sum(not _covered(t, top3) for t in tokens)
    ranked = sorted(scores, reverse=True)
    lead_score = ranked[0] if ranked else 0.0
    margin = ranked[0] - ranked[1] if len(ranked) > 1 else 1.0
    asks = {k: bool(q.search(question)) for k, (q, _) in ASKS.items()}
    offers = {k: bool(a.search(lead)) for k, (_, a) in ASKS.items()}
    return [
        cosine, view_cosine, text_cosine, float(has_domain_marker(question)), lead_score, margin, cov_lead, cov_top3, oov,
        math.log1p(uncovered), math.log1p(len(tokens)), float(law_named), float(region_named),
        float(any(QUESTION_KINDS[k].search(question) for k in SPECIFIC)),
        *(float(bool(p.search(question))) for p in QUESTION_KINDS.values()),
        *(float(asks[k]) for k in ASKS),
        *(float(asks[k] and offers[k]) for k in ASKS),
        float(any(asks[k] and not offers[k] for k in ASKS)),
        *(float(unstated == k) for k in UNSTATED_KINDS),
        *precedent,
    ]


@dataclass(frozen=True)
class DeclineModel:
    """Boosted decision stumps: p(answerable) = sigmoid(base + Σ (left if x[j] <= cut else right));
    answer when p ≥ threshold. Each stump is (feature index, cut, left value, right value)."""

    names: tuple[str, ...]
    stumps: tuple[tuple[int, float, float, float], ...]
    threshold: float
    base: float = 0.0

    def probability(self, row: list[float]) -> float:
        z = self.base + sum(left if row[j] <= cut else right for j, cut, left, right in self.stumps)
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def answerable(self, probability: float) -> bool:
        return probability >= self.threshold

    def to_json(self) -> str:
        return json.dumps({"features": list(self.names), "base": self.base, "threshold": self.threshold,
                           "stumps": [list(s) for s in self.stumps]}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "DeclineModel":
        d = json.loads(text)
        stumps = tuple((int(j), float(c), float(lv), float(rv)) for j, c, lv, rv in d["stumps"])
        return cls(tuple(d["features"]), stumps, float(d["threshold"]), float(d.get("base", 0.0)))


@lru_cache(maxsize=1)
def default_decline() -> DeclineModel | None:
    """The packaged model, or None when absent or fitted for another feature set."""
    return load_model("decline.json", DeclineModel.from_json, FEATURES)
