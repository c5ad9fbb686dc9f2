"""Fit the learned answer/decline decision (kb/decline.py) and write kb/data/decline.json.

Every labelled question is put through the assistant as ``lawbot eval`` does. Those that reach the
retrieval decision (not small talk, advice, a curated FAQ pair or an article reference) give a row
of kb.decline.FEATURES and a label: in scope (gold articles) or to be declined. A logistic
regression with L2 is fitted; the threshold is the probability that keeps --answered of the
training set's in-scope rows answered.

Leave-one-set-out: each labelled set is decided by a model fitted on the other sets and compared
with the decision in force without the model (kb.decide's cosine model plus the unstated-specifics
rule), over the whole set (questions that never reach the decision keep their outcome). Those
figures are printed; then the model fitted on every set is written.

Usage: python bench/fit_decline.py --home H --sets tests/data/dev.jsonl … [--answered 0.97]
       [--rounds 300] [--cache /tmp/decline.pkl] [--no-write] [--no-veto]
"""
from __future__ import annotations

import argparse
import json
import pickle
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kb.decline import FEATURES, DeclineModel  # noqa: E402
from kb.evaluate import Labelled, read_labelled  # noqa: E402
from kb.service import KnowledgeBase  # noqa: E402
from kb.settings import Settings  # noqa: E402

DECIDED = ("retrieved", "low_confidence", "unstated")


def read_items(path: str):
    """Labelled questions; a line may give ``in_scope`` instead of gold articles (the questions
    written for this fit only, bench/data/decline_own.jsonl)."""
    lines = [json.loads(x) for x in Path(path).read_text(encoding="utf-8").splitlines() if x.strip()]
    if lines and "in_scope" in lines[0]:
        return [Labelled(str(d["id"]), d["question"], (("?", 0),) if d["in_scope"] else (), "own")
                for d in lines]
    return read_labelled(path)


def collect(home: str, sets: list[str]) -> list[dict]:
    from kb.assistant import Assistant

    kb = KnowledgeBase(Settings(home=Path(home)))
    r = kb.retriever()
    r.params = replace(r.params, learned_decline=False)  # the baseline decision
    assistant = Assistant(kb)
    rows = []
    for path in sets:
        name = Path(path).stem
        r.precedent_skip = name  # the set's own questions are not its precedents
        for item in read_items(path):
            answer, result = assistant._answer(item.question)
            decided = result is not None and result.reason in DECIDED and answer.kind in ("statute", "decline")
            rows.append({"set": name, "id": item.id, "q": item.question, "y": bool(item.gold), "style": item.style,
                         "decided": decided, "base": answer.kind == "statute",
                         "x": np.array(result.signals if decided else [0.0] * len(FEATURES)),
                         "unstated": bool(result.unstated) if decided else False})
        print(f"{name} done", file=sys.stderr, flush=True)
    return rows


def fit_stumps(X: np.ndarray, y: np.ndarray, rounds: int = 300, lr: float = 0.1, cuts: int = 16,
               min_leaf: int = 5) -> list[tuple[int, float, float, float]]:
    """Gradient boosting of depth-1 trees on the logistic loss (Newton leaf values), classes
    weighted equally; cuts at quantiles of each feature."""
    n, d = X.shape
    pos = y.mean()
    sw = np.where(y == 1, 0.5 / pos, 0.5 / (1 - pos))
    F = np.zeros(n)
    grid = [np.unique(np.quantile(X[:, j], np.linspace(0.05, 0.95, cuts))) for j in range(d)]
    stumps = []
    for _ in range(rounds):
        p = 1 / (1 + np.exp(-F))
        g, h = (y - p) * sw, p * (1 - p) * sw + 1e-9
        best = None
        for j in range(d):
            for c in grid[j]:
                left = X[:, j] <= c
                nl = int(left.sum())
                if nl < min_leaf or n - nl < min_leaf:
                    continue
                gl, hl, gr, hr = g[left].sum(), h[left].sum(), g[~left].sum(), h[~left].sum()
                gain = gl * gl / hl + gr * gr / hr
                if best is None or gain > best[0]:
                    best = (gain, j, float(c), lr * gl / hl, lr * gr / hr)
        if best is None:
            break
        _, j, c, vl, vr = best
        stumps.append((j, c, float(vl), float(vr)))
        F += np.where(X[:, j] <= c, vl, vr)
    return stumps


def prob(stumps, X: np.ndarray) -> np.ndarray:
    F = np.zeros(len(X))
    for j, c, vl, vr in stumps:
        F += np.where(X[:, j] <= c, vl, vr)
    return 1 / (1 + np.exp(-F))


def threshold(p: np.ndarray, y: np.ndarray, answered: float) -> float:
    pos = np.sort(p[y == 1])
    return float(pos[int(np.floor((1 - answered) * len(pos)))]) if len(pos) else 0.5


def train(rows: list[dict], rounds: int, answered: float, veto: bool):
    d = [r for r in rows if r["decided"]]
    X, y = np.array([r["x"] for r in d]), np.array([float(r["y"]) for r in d])
    stumps = fit_stumps(X, y, rounds)
    p = prob(stumps, X)
    if veto:  # the veto declines these anyway: the threshold is set on the rest
        keep = np.array([not r["unstated"] for r in d])
        p, y = p[keep], y[keep]
    return stumps, threshold(p, y, answered)


def outcome(rows: list[dict], model, veto: bool) -> list[bool]:
    """The learned decision; a question without the domain's words is also held to the cosine
    model (an off-topic question is never answered on the learned model's word alone)."""
    stumps, thr = model
    domain = FEATURES.index("domain")
    return [bool(prob(stumps, r["x"][None])[0] >= thr) and not (veto and r["unstated"])
            and (r["x"][domain] > 0 or r["base"]) if r["decided"] else r["base"] for r in rows]


def rates(rows: list[dict], answered: list[bool]) -> tuple[float, float, int, int]:
    ins = [a for r, a in zip(rows, answered) if r["y"]]
    outs = [a for r, a in zip(rows, answered) if not r["y"]]
    return (sum(ins) / len(ins) if ins else float("nan"), 1 - sum(outs) / len(outs) if outs else float("nan"),
            len(ins), len(outs))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", required=True)
    ap.add_argument("--sets", nargs="*", default=[])
    ap.add_argument("--out", default=str(REPO / "kb" / "data" / "decline.json"))
    ap.add_argument("--answered", type=float, default=0.97)
    ap.add_argument("--rounds", type=int, default=300)
    ap.add_argument("--cache")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--no-veto", action="store_true", help="fit for a decision without the unstated veto")
    ap.add_argument("--drop", nargs="*", default=[], help="features left out")
    args = ap.parse_args()
    veto = not args.no_veto
    if args.cache and Path(args.cache).exists():
        rows = pickle.loads(Path(args.cache).read_bytes())
    else:
        rows = collect(args.home, args.sets)
        if args.cache:
            Path(args.cache).write_bytes(pickle.dumps(rows))
    keep = np.array([f not in args.drop for f in FEATURES], float)
    for r in rows:
        r["x"] = r["x"] * keep
    names = list(dict.fromkeys(r["set"] for r in rows))
    print(f"{'held-out set':<14}{'in':>5}{'out':>5}   baseline answered/declined   learned answered/declined")
    tot_b, tot_l = [], []
    for name in names:
        test = [r for r in rows if r["set"] == name]
        model = train([r for r in rows if r["set"] != name], args.rounds, args.answered, veto)
        base = [r["base"] for r in test]
        learned = outcome(test, model, veto)
        tot_b += list(zip(test, base))
        tot_l += list(zip(test, learned))
        ba, bd, ni, no = rates(test, base)
        la, ld, _, _ = rates(test, learned)
        print(f"{name:<14}{ni:>5}{no:>5}   {ba:.3f} / {bd:.3f}              {la:.3f} / {ld:.3f}", flush=True)
    ba, bd, ni, no = rates([r for r, _ in tot_b], [a for _, a in tot_b])
    la, ld, _, _ = rates([r for r, _ in tot_l], [a for _, a in tot_l])
    print(f"{'all (pooled)':<14}{ni:>5}{no:>5}   {ba:.3f} / {bd:.3f}              {la:.3f} / {ld:.3f}")
    stumps, thr = train(rows, args.rounds, args.answered, veto)
    used: dict[str, float] = {}
    for j, _, vl, vr in stumps:
        used[FEATURES[j]] = used.get(FEATURES[j], 0.0) + abs(vl - vr)
    for n, x in sorted(used.items(), key=lambda t: -t[1])[:14]:
        print(f"  {n:<20}{x:.3f}")
    print(f"threshold {thr:.4f}")
    if not args.no_write:
        model = DeclineModel(FEATURES, tuple((j, round(c, 6), round(vl, 6), round(vr, 6)) for j, c, vl, vr in stumps),
                             round(thr, 6))
        Path(args.out).write_text(model.to_json() + "\n", encoding="utf-8")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
