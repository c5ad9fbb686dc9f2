"""Write kb/data/precedents.jsonl (kb.precedents) from labelled question sets.

Each labelled question becomes a precedent: in scope when it has gold articles (or, in the
decision's own set, ``in_scope`` true), not covered otherwise. Bare article references (which
law?), small talk and advice requests are left out: they never reach the decision (and an advice
request about a rule the corpus states still has that rule quoted). A question is stored as the assistant hands it
on (kb.dialect.prepare_question), with its set's name, so that fitting the decision can leave a
set's own questions out. The same text judged both ways is left out.

Usage: python bench/build_precedents.py --sets tests/data/dev.jsonl … bench/data/decline_own.jsonl
       [--out kb/data/precedents.jsonl]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kb import intents  # noqa: E402
from kb.dialect import prepare_question  # noqa: E402


def precedents(paths: list[str]) -> list[dict]:
    seen: dict[str, dict] = {}
    conflicting: set[str] = set()
    for path in paths:
        source = Path(path).stem
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            d = json.loads(line)
            if d.get("needs_law"):
                continue
            in_scope = bool(d["in_scope"]) if "in_scope" in d else bool(d.get("gold"))
            question = prepare_question(d["question"])
            if not question or intents.classify(question):
                continue  # small talk, advice, military: the assistant answers those before the decision
            if question in seen:
                if seen[question]["in_scope"] != in_scope:
                    conflicting.add(question)
                continue
            seen[question] = {"question": question, "in_scope": in_scope, "source": source}
    return [p for q, p in seen.items() if q not in conflicting]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", nargs="+", required=True)
    ap.add_argument("--out", default=str(REPO / "kb" / "data" / "precedents.jsonl"))
    args = ap.parse_args()
    rows = precedents(args.sets)
    Path(args.out).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    covered = sum(r["in_scope"] for r in rows)
    print(f"wrote {args.out}: {len(rows)} precedents ({covered} in scope, {len(rows) - covered} not covered)")


if __name__ == "__main__":
    main()
