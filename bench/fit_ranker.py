"""Fit the learned ranker (kb/rank.py) on labelled question→article pairs and write kb/data/ranker.json.

Training pairs:
- every packaged question view (kb/data/views.jsonl) asked as a question, with its own entry (and any
  view with the same text) left out of the view channel, so the ranker never learns "a view equal to
  the question" — only what the other signals say;
- the in-scope questions of the labelled sets given with --sets (dev, the older blind sets, …),
  except article references (answered by lookup).

For each question, the first ``rank_depth`` fused candidates (RRF, as retrieval ranks them) get the
features of kb.rank.features; a listwise softmax model (several gold articles share the mass) is
fitted by gradient descent with L2. Leave-one-set-out: each labelled set is scored by a model fitted
on the views and the other sets, against the hand-set fusion over the same candidates — those
numbers are printed, then the model fitted on everything is written.

Usage: python bench/fit_ranker.py --home H --sets tests/data/dev.jsonl tests/data/blind_a.jsonl …
       [--out kb/data/ranker.json] [--l2 0.01] [--cache /tmp/ranker-features.pkl]
"""
from __future__ import annotations

import argparse
import pickle
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kb import intents  # noqa: E402
from kb.dialect import prepare_question  # noqa: E402
from kb.evaluate import read_labelled  # noqa: E402
from kb.query import understand  # noqa: E402
from kb.rank import FEATURES, LinearRanker  # noqa: E402
from kb.retrieve import default_params  # noqa: E402
from kb.service import KnowledgeBase  # noqa: E402
from kb.settings import Settings  # noqa: E402
from kb.views import index_views, resolve_views  # noqa: E402


def candidate_rows(r, question: str, skip=frozenset()):
    """(articles, feature rows, hand-set scores, places named) of one question's first rank_depth
    candidates."""
    question = prepare_question(question)  # as the Assistant hands it on
    info = understand(question, r.catalog, r.home_region)
    found = r.channels(question, info, skip)
    if found is None:
        return [], np.zeros((0, len(FEATURES))), np.zeros(0), info.regions
    ch, _, allowed, _, _, _ = found
    ranked = sorted(ch.rrf, key=ch.rrf.get, reverse=True)[: r.params.candidates]
    arts = [a for a in r.store.articles_by_ids(ranked) if a.region in allowed]
    hand = r.scores(arts, ch, question, info)  # the ranker is off in these params: hand-set fusion
    arts = arts[: r.params.rank_depth]
    return (arts, np.array(r.feature_rows(arts, ch, question, info)), np.array([hand[a.id] for a in arts]),
            info.regions)


def collect(kb, sets: list[str]) -> list[dict]:
    r = kb.retriever()
    r.params = replace(default_params(r.index), ranker=False)
    groups = []
    resolved = resolve_views(kb.store, index_views(kb.store))  # in the order the index holds them
    indexed = set(int(i) for i in r.index.bm25_ids)
    kept = [(aid, q) for aid, q in zip(resolved.article_ids, resolved.questions) if aid in indexed]
    rows_of: dict[str, list[int]] = {}
    for row, (_, q) in enumerate(kept):
        rows_of.setdefault(q, []).append(row)
    for i, (aid, q) in enumerate(kept):
        arts, X, hand, named = candidate_rows(r, q, frozenset(rows_of[q]))
        groups.append({"set": "views", "q": q, "X": X, "y": np.array([a.id == aid for a in arts]), "hand": hand,
                       "region": [a.region for a in arts], "named": named})
        if i % 200 == 0:
            print(f"views {i}/{len(kept)}", file=sys.stderr, flush=True)
    for path in sets:
        name = Path(path).stem
        for item in read_labelled(path):
            if not item.gold or intents.classify(item.question):
                continue
            if understand(item.question, r.catalog, r.home_region).refs:
                continue
            gold = set(item.gold)
            arts, X, hand, named = candidate_rows(r, item.question)
            groups.append({"set": name, "q": item.question, "X": X,
                           "y": np.array([(a.law_title, a.number) in gold for a in arts]), "hand": hand,
                           "region": [a.region for a in arts], "named": named})
        print(f"{name} done", file=sys.stderr, flush=True)
    return groups


def fit(groups: list[dict], l2: float, steps: int = 500, lr: float = 0.05, view_weight: float = 1.0):
    """Listwise softmax (gold articles share the mass), Adam, on padded candidate lists."""
    train = [g for g in groups if len(g["y"]) and g["y"].any()]
    allX = np.vstack([g["X"] for g in train])
    mean, scale = allX.mean(0), allX.std(0) + 1e-6
    depth = max(len(g["y"]) for g in train)
    Z = np.zeros((len(train), depth, allX.shape[1]))
    Y = np.zeros((len(train), depth))
    M = np.zeros((len(train), depth), bool)
    W = np.array([view_weight if g["set"] == "views" else 1.0 for g in train])
    W /= W.mean()
    for i, g in enumerate(train):
        n = len(g["y"])
        Z[i, :n], Y[i, :n], M[i, :n] = (g["X"] - mean) / scale, g["y"], True
    w = np.zeros(allX.shape[1])
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for t in range(1, steps + 1):
        s = np.where(M, Z @ w, -np.inf)
        s -= s.max(1, keepdims=True)
        p = np.exp(s)
        p /= p.sum(1, keepdims=True)
        q = p * Y
        q /= q.sum(1, keepdims=True)
        grad = np.einsum("g,gd,gdf->f", W, p - q, Z) / len(train) + l2 * w
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        w -= lr * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    return mean, scale, w


def ranks(groups: list[dict], score) -> dict:
    r = []
    for g in groups:
        if not len(g["y"]):
            r.append(None)
            continue
        s = score(g)
        order = np.argsort(-s, kind="stable")
        pos = [i for i, j in enumerate(order) if g["y"][j]]
        r.append(pos[0] if pos else None)
    n = len(r)
    return {"n": n, "hit@1": sum(x is not None and x < 1 for x in r) / n,
            "hit@3": sum(x is not None and x < 3 for x in r) / n,
            "mrr@10": sum(1 / (x + 1) for x in r if x is not None and x < 10) / n}


def region_lead(g: dict, s: np.ndarray, margin: float, window: int = 5) -> int:
    """Index of the candidate the region rule (kb.retrieve.order_by_region) puts first, given the
    ranker's scores ``s`` and its margin."""
    order = [int(i) for i in np.argsort(-s, kind="stable")]
    regions = g["named"] or ("全国",)
    lead = next((i for i in order[:window] if g["region"][i] in regions), None)
    return order[0] if lead is None or (g["named"] and s[order[0]] - s[lead] > margin) else lead


def region_margins(groups: list[dict], margins: list[float], l2: float, view_weight: float, home: str) -> None:
    """Leave-one-set-out hit@1 after the region rule, for each margin (inf: the plain window rule),
    over all labelled questions and those naming the home region."""
    names = sorted({g["set"] for g in groups} - {"views"})
    scored = []
    for name in names:
        mean, scale, w = fit([g for g in groups if g["set"] != name], l2, view_weight=view_weight)
        scored += [(g, ((g["X"] - mean) / scale) @ w) for g in groups if g["set"] == name]
    print(f"{'region margin':<16}{'hit@1':>8}{'home named':>12}   (leave-one-set-out, {len(scored)} questions)")
    for margin in margins:
        hits = [(len(g["y"]) > 0 and bool(g["y"][region_lead(g, s, margin)]), home in g["named"])
                for g, s in scored]
        home_hits = [h for h, named in hits if named]
        print(f"{margin:<16}{sum(h for h, _ in hits) / len(hits):>8.3f}"
              f"{sum(home_hits) / max(1, len(home_hits)):>12.3f}  (n={len(home_hits)})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", required=True)
    ap.add_argument("--sets", nargs="*", default=[])
    ap.add_argument("--out", default=str(REPO / "kb" / "data" / "ranker.json"))
    ap.add_argument("--l2", type=float, default=0.01)
    ap.add_argument("--cache", help="pickle of the collected features (reused when it exists)")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--view-weight", type=float, default=1.0, help="weight of a view question vs a labelled one")
    ap.add_argument("--region-margins", nargs="*", type=float, default=[],
                    help="also print leave-one-set-out hit@1 after the region rule at these margins")
    ap.add_argument("--drop", nargs="*", default=[], help="features left out (weight fixed at 0)")
    args = ap.parse_args()
    if args.cache and Path(args.cache).exists():
        groups = pickle.loads(Path(args.cache).read_bytes())
    else:
        groups = collect(KnowledgeBase(Settings(home=Path(args.home))), args.sets)
        if args.cache:
            Path(args.cache).write_bytes(pickle.dumps(groups))
    keep = np.array([f not in args.drop for f in FEATURES], float)
    for g in groups:
        g["X"] = g["X"] * keep if len(g["X"]) else g["X"]
    names = sorted({g["set"] for g in groups} - {"views"})
    print(f"{'held-out set':<16}{'n':>5}  hand-set hit@1/hit@3/MRR      learned hit@1/hit@3/MRR")
    for name in names:
        test = [g for g in groups if g["set"] == name]
        mean, scale, w = fit([g for g in groups if g["set"] != name], args.l2, view_weight=args.view_weight)
        hand = ranks(test, lambda g: g["hand"])
        learned = ranks(test, lambda g: ((g["X"] - mean) / scale) @ w)
        print(f"{name:<16}{hand['n']:>5}  {hand['hit@1']:.3f} / {hand['hit@3']:.3f} / {hand['mrr@10']:.3f}"
              f"          {learned['hit@1']:.3f} / {learned['hit@3']:.3f} / {learned['mrr@10']:.3f}", flush=True)
    if args.region_margins:
        region_margins(groups, args.region_margins + [float("inf")], args.l2, args.view_weight,
                       Settings(home=Path(args.home)).home_region)
    mean, scale, w = fit(groups, args.l2, view_weight=args.view_weight)
    for n, x in sorted(zip(FEATURES, w), key=lambda t: -abs(t[1]))[:12]:
        print(f"  {n:<22}{x:+.3f}")
    if not args.no_write:
        ranker = LinearRanker(FEATURES, tuple(round(float(x), 6) for x in mean),
                              tuple(round(float(x), 6) for x in scale), tuple(round(float(x), 6) for x in w))
        Path(args.out).write_text(ranker.to_json() + "\n", encoding="utf-8")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
