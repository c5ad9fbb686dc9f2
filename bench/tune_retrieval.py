"""Grid search of retrieval fusion knobs on the development set (issue: answers citizens can trust).

Usage: python bench/tune_retrieval.py --home H [--dev tests/data/dev.jsonl] [name=value ...]
Prints hit@1/3/10 and MRR@10 for each variant so choices in RetrievalParams are traceable; the
variants start from the defaults for the home's index (with or without question views).
"""
from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kb.evaluate import Prediction, evaluate, read_labelled  # noqa: E402
from kb.retrieve import default_params  # noqa: E402
from kb.service import KnowledgeBase  # noqa: E402
from kb.settings import Settings  # noqa: E402


def parse_value(v: str):
    for cast in (int, float):
        try:
            return cast(v)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(v.lower(), v)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", required=True)
    ap.add_argument("--dev", default=str(REPO / "tests" / "data" / "dev.jsonl"))
    ap.add_argument("grid", nargs="*", help="name=v1,v2 …")
    args = ap.parse_args()
    kb = KnowledgeBase(Settings(home=Path(args.home)))
    base = kb.retriever()
    items = read_labelled(args.dev)
    names = [g.split("=")[0] for g in args.grid]
    values = [[parse_value(v) for v in g.split("=")[1].split(",")] for g in args.grid]
    for combo in itertools.product(*values) if values else [()]:
        params = replace(default_params(base.index), **dict(zip(names, combo)))
        base.params = params

        def predict(q: str) -> Prediction:
            r = base.search(q, 10)
            return Prediction(tuple((h.article.law_title, h.article.number) for h in r.hits), r.answerable)

        m = evaluate(items, predict)["overall"]
        label = " ".join(f"{n}={v}" for n, v in zip(names, combo)) or "default"
        print(f"{label:<60} hit@1={m['hit@1']:.3f} hit@3={m['hit@3']:.3f} hit@10={m['hit@10']:.3f} "
              f"mrr={m['mrr@10']:.3f} answered={m.get('answered', 0):.2f} declined={m.get('declined', 0):.2f}",
              flush=True)


if __name__ == "__main__":
    main()
