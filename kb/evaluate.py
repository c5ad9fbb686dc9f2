"""Retrieval and answer-decision metrics over a labelled question file.

Lines: ``{"id", "question", "gold": [{"law": "<full title>", "article": N}], "style"}``; an empty
``gold`` means the question should be declined. Metrics: hit@1/3/10, MRR@10 and recall@10 over
in-scope questions, the share of in-scope questions answered and of out-of-scope ones declined,
overall and per style.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable


@dataclass(frozen=True)
class Labelled:
    id: str
    question: str
    gold: tuple[tuple[str, int], ...]
    style: str


@dataclass(frozen=True)
class Prediction:
    ranked: tuple[tuple[str, int], ...]
    answerable: bool


def read_labelled(path: str | Path) -> list[Labelled]:
    items = []
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            gold = tuple((g["law"], int(g["article"])) for g in d.get("gold", []))
            items.append(Labelled(str(d["id"]), d["question"], gold, d.get("style", "")))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path} 第 {lineno} 行格式不正确：{exc}") from exc
    return items


def _metrics(pairs: list[tuple[Labelled, Prediction]]) -> dict:
    inscope = [(q, p) for q, p in pairs if q.gold]
    outscope = [(q, p) for q, p in pairs if not q.gold]
    m: dict = {"n": len(pairs), "in_scope": len(inscope), "out_of_scope": len(outscope)}
    if inscope:
        def first_rank(q: Labelled, p: Prediction) -> int | None:
            gold = set(q.gold)
            return next((i for i, r in enumerate(p.ranked[:10]) if r in gold), None)

        ranks = [first_rank(q, p) for q, p in inscope]
        n = len(inscope)
        for k in (1, 3, 10):
            m[f"hit@{k}"] = sum(r is not None and r < k for r in ranks) / n
        m["mrr@10"] = sum(1 / (r + 1) for r in ranks if r is not None) / n
        m["recall@10"] = sum(len(set(q.gold) & set(p.ranked[:10])) / len(set(q.gold)) for q, p in inscope) / n
        m["answered"] = sum(p.answerable for _, p in inscope) / n
    if outscope:
        m["declined"] = sum(not p.answerable for _, p in outscope) / len(outscope)
    return m


def evaluate(items: Iterable[Labelled], predict: Callable[[str], Prediction]) -> dict:
    pairs = [(q, predict(q.question)) for q in items]
    report = {"overall": _metrics(pairs)}
    by_style: dict[str, list] = defaultdict(list)
    for q, p in pairs:
        by_style[q.style or "-"].append((q, p))
    report["by_style"] = {s: _metrics(v) for s, v in sorted(by_style.items())}
    report["misses"] = [
        {"id": q.id, "question": q.question, "gold": q.gold, "top3": p.ranked[:3], "answerable": p.answerable}
        for q, p in pairs
        if (q.gold and (not set(q.gold) & set(p.ranked[:3]) or not p.answerable)) or (not q.gold and p.answerable)
    ]
    return report


def format_report(report: dict) -> str:
    cols = ["n", "hit@1", "hit@3", "hit@10", "mrr@10", "recall@10", "answered", "declined"]
    lines = ["{:<14}".format("style") + "".join(f"{c:>10}" for c in cols)]
    rows = [("overall", report["overall"]), *report["by_style"].items()]
    for name, m in rows:
        cells = []
        for c in cols:
            v = m.get(c)
            cells.append(f"{v:>10}" if isinstance(v, int) else (f"{v:>10.3f}" if v is not None else f"{'—':>10}"))
        lines.append(f"{name:<14}" + "".join(cells))
    return "\n".join(lines)
