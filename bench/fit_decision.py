"""Fit the answer/decline decision (kb/decide.py) on the development set.

For every dev question that reaches retrieval (not small talk, not an article reference), take the
best dense cosine of the expanded question and the domain marker; fit a logistic model; pick the
threshold that keeps at least --answered of in-scope dev questions answered. Leave-one-out
estimates of the share declined are printed beside the in-sample ones.

Usage: python bench/fit_decision.py --home H [--dev tests/data/dev.jsonl] [--answered 0.97]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kb import intents  # noqa: E402
from kb.decide import has_domain_marker  # noqa: E402
from kb.evaluate import read_labelled  # noqa: E402
from kb.service import KnowledgeBase  # noqa: E402
from kb.settings import Settings  # noqa: E402


def fit(X: np.ndarray, y: np.ndarray, l2: float = 1e-3, steps: int = 20000, lr: float = 0.5):
    mu, sd = X.mean(0), X.std(0) + 1e-9
    Z = (X - mu) / sd
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(Z @ w + b)))
        g = p - y
        w -= lr * (Z.T @ g / len(y) + l2 * w)
        b -= lr * g.mean()
    return w / sd, b - float((w / sd) @ mu)  # back to raw feature units


def pick_threshold(scores: np.ndarray, y: np.ndarray, answered: float) -> float:
    pos = np.sort(scores[y == 1])
    return float(pos[int(np.floor((1 - answered) * len(pos)))])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", required=True)
    ap.add_argument("--dev", default=str(REPO / "tests" / "data" / "dev.jsonl"))
    ap.add_argument("--answered", type=float, default=0.97)
    args = ap.parse_args()
    kb = KnowledgeBase(Settings(home=Path(args.home)))
    rows, labels = [], []
    for item in read_labelled(args.dev):
        if intents.classify(item.question):
            continue
        r = kb.search(item.question, 10)
        if r.reason == "reference":
            continue
        rows.append([r.cosine, float(has_domain_marker(item.question))])
        labels.append(1.0 if item.gold else 0.0)
    X, y = np.array(rows), np.array(labels)
    w, b = fit(X, y)
    z = X @ w + b
    thr_z = pick_threshold(z, y, args.answered)
    threshold = float(1 / (1 + np.exp(-thr_z)))
    loo = np.zeros(len(y))
    for i in range(len(y)):
        m = np.ones(len(y), bool)
        m[i] = False
        wi, bi = fit(X[m], y[m], steps=4000)
        zi = X[m] @ wi + bi
        loo[i] = (X[i] @ wi + bi) >= pick_threshold(zi, y[m], args.answered)
    print(json.dumps({
        "questions": int(len(y)), "in_scope": int(y.sum()), "out_of_scope": int((1 - y).sum()),
        "model": {"w_cos": round(float(w[0]), 3), "w_domain": round(float(w[1]), 3),
                  "bias": round(float(b), 3), "threshold": round(threshold, 4)},
        "in_sample": {"answered": round(float((z[y == 1] >= thr_z).mean()), 3),
                      "declined": round(float((z[y == 0] < thr_z).mean()), 3)},
        "leave_one_out": {"answered": round(float(loo[y == 1].mean()), 3),
                          "declined": round(float(1 - loo[y == 0].mean()), 3)},
    }, indent=1))


if __name__ == "__main__":
    main()
