"""Fit the query adapter (kb/adapter.py) and write kb/data/query_adapter.npz.

Pairs: every question view in the home's store (a view is a question its article answers) and the
in-scope questions of the labelled sets given with --sets, each prepared as the assistant hands a
question on (normalised, Chongqing speech standardised). Articles are the home index's own vectors.
The loss is a softmax over every article (temperature --tau), the gold articles sharing the mass,
plus --l2 times the squared norm of W (so the map stays near the identity).

With --holdout SET…, those sets are left out of the fit and the article-text channel is scored on
them before and after (hit@1 / hit@3 / hit@10 / MRR@10 over all articles, no region filter); the
model written is then fitted on everything.

Usage: python bench/fit_adapter.py --home H --sets tests/data/dev.jsonl … [--holdout blind_f …]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kb.adapter import FILE_NAME, QueryAdapter  # noqa: E402
from kb.dialect import prepare_question  # noqa: E402
from kb.embed import vector_space  # noqa: E402
from kb.evaluate import read_labelled  # noqa: E402
from kb.service import KnowledgeBase  # noqa: E402
from kb.settings import Settings  # noqa: E402
from kb.views import index_views, resolve_views  # noqa: E402


def article_matrix(index):
    """(article ids, unit vectors) of the index's article-text channel."""
    dense = index.dense
    ids = np.array([dense.id_map.at(i) for i in range(dense.ntotal)], dtype=np.int64)
    vecs = np.vstack([dense.index.reconstruct(i) for i in range(dense.ntotal)]).astype(np.float32)
    return ids, vecs


def collect(kb, sets: list[str]):
    """[(question, gold rows, set name)] from the views and the labelled sets."""
    r = kb.retriever()
    ids, vecs = article_matrix(r.index)
    row_of = {int(a): i for i, a in enumerate(ids)}
    arts = kb.store.articles_by_ids([int(a) for a in ids])
    row_by_key = {(a.law_title, a.number): row_of[a.id] for a in arts}
    pairs = []
    res = resolve_views(kb.store, index_views(kb.store))
    for aid, q in zip(res.article_ids, res.questions):
        if int(aid) in row_of:
            pairs.append((prepare_question(q), [row_of[int(aid)]], "views"))
    for path in sets:
        for item in read_labelled(path):
            gold = [row_by_key[g] for g in item.gold if g in row_by_key]
            if gold:
                pairs.append((prepare_question(item.question), gold, Path(path).stem))
    return vecs, pairs


def fit(Q: np.ndarray, gold: list[list[int]], A: np.ndarray, tau: float, l2: float, epochs: int,
        lr: float = 1e-3, batch: int = 128, seed: int = 0) -> np.ndarray:
    import torch

    torch.manual_seed(seed)
    At, Qt = torch.tensor(A), torch.tensor(Q)
    G = torch.zeros(len(Q), len(A), dtype=torch.bool)
    for i, g in enumerate(gold):
        G[i, g] = True
    W = torch.zeros(A.shape[1], A.shape[1], requires_grad=True)
    opt = torch.optim.Adam([W], lr=lr)
    for _ in range(epochs):
        perm = torch.randperm(len(Q))
        for b in range(0, len(Q), batch):
            i = perm[b:b + batch]
            q = torch.nn.functional.normalize(Qt[i] + Qt[i] @ W, dim=1)
            logits = q @ At.T / tau
            loss = (torch.logsumexp(logits, 1) - torch.logsumexp(logits.masked_fill(~G[i], -1e9), 1)).mean()
            loss = loss + l2 * (W ** 2).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
    return W.detach().numpy()


def scores(Q: np.ndarray, gold: list[list[int]], A: np.ndarray) -> dict[str, float]:
    S = Q @ A.T
    first = []
    for s, g in zip(S, gold):
        order = np.argsort(-s)
        pos = np.flatnonzero(np.isin(order, g))
        first.append(int(pos[0]) if len(pos) else 10 ** 6)
    f = np.array(first)
    return {"hit@1": float((f < 1).mean()), "hit@3": float((f < 3).mean()), "hit@10": float((f < 10).mean()),
            "mrr@10": float(np.where(f < 10, 1.0 / (f + 1), 0.0).mean())}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", required=True)
    ap.add_argument("--sets", nargs="*", default=[])
    ap.add_argument("--holdout", nargs="*", default=[], help="set names (file stems) scored, not fitted on")
    ap.add_argument("--tau", type=float, default=0.05)
    ap.add_argument("--l2", type=float, default=1e-3)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--out", default=str(REPO / "kb" / "data" / FILE_NAME))
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    kb = KnowledgeBase(Settings(home=Path(args.home)))
    A, pairs = collect(kb, args.sets)
    t = time.perf_counter()
    embedder = kb.embedder
    Q = embedder.embed_queries([q for q, _, _ in pairs]).astype(np.float32)
    print(f"{len(pairs)} questions ({sum(s == 'views' for *_, s in pairs)} views) embedded in "
          f"{time.perf_counter() - t:.0f} s; {len(A)} articles", flush=True)
    gold = [g for _, g, _ in pairs]
    held = np.array([s in args.holdout for *_, s in pairs])
    if held.any():
        tr = np.flatnonzero(~held)
        W = fit(Q[tr], [gold[i] for i in tr], A, args.tau, args.l2, args.epochs)
        adapter = QueryAdapter(vector_space(embedder.model_id), W)
        te = np.flatnonzero(held)
        before = scores(Q[te], [gold[i] for i in te], A)
        after = scores(adapter.apply(Q[te]), [gold[i] for i in te], A)
        print(f"held out ({len(te)} questions), article-text channel:")
        for k in before:
            print(f"  {k:<7} {before[k]:.3f} -> {after[k]:.3f}")
    W = fit(Q, gold, A, args.tau, args.l2, args.epochs)
    if not args.no_write:
        QueryAdapter(vector_space(embedder.model_id), W).save(args.out)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
