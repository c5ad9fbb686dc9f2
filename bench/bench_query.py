"""Query latency of one home, in process: p50/p95 of answering a question (normalise, understand,
three channels, the learned ranker where the index has views, decision) beside the bare e5 query
embedding of the same questions, medians over the questions of a labelled file.

Usage: python bench/bench_query.py --home H --questions FILE.jsonl [--n 200]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kb.assistant import Assistant  # noqa: E402
from kb.evaluate import read_labelled  # noqa: E402
from kb.service import KnowledgeBase  # noqa: E402
from kb.settings import Settings  # noqa: E402


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", required=True)
    ap.add_argument("--questions", required=True)
    ap.add_argument("--n", type=int, default=200)
    args = ap.parse_args()
    kb = KnowledgeBase(Settings(home=Path(args.home)))
    assistant = Assistant(kb)
    qs = [q.question for q in read_labelled(args.questions)][: args.n]
    assistant.decide(qs[0])  # load model and index
    full, embed = [], []
    for q in qs:
        forget = getattr(kb.embedder, "forget_recent", None)
        if forget:
            forget()  # each question as if first asked
        t = time.perf_counter()
        assistant.decide(q)
        full.append((time.perf_counter() - t) * 1000)
        forget = getattr(kb.embedder, "forget_recent", None)
        if forget:
            forget()  # time the engine, not the remembered vector of the question just answered
        t = time.perf_counter()
        kb.embedder.embed_queries([q])
        embed.append((time.perf_counter() - t) * 1000)
    r = kb.retriever()
    print(f"home={args.home} articles={r.index.dense.ntotal} ranker={'on' if r.params.ranker else 'off'} n={len(qs)}")
    print(f"query   p50 {statistics.median(full):.1f} ms  p95 {pct(full, 0.95):.1f} ms")
    print(f"e5 only p50 {statistics.median(embed):.1f} ms  p95 {pct(embed, 0.95):.1f} ms  "
          f"(ratio {statistics.median(full) / statistics.median(embed):.2f})")


if __name__ == "__main__":
    main()
