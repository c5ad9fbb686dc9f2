"""Fit the answer/decline decision (kb/decide.py) on the development set.

For every dev question that reaches retrieval (not small talk, not an article reference), take the
best dense cosine of the expanded question, its best cosine to a question view (when the index has
views) and the domain marker; fit a logistic model; pick the threshold that keeps at least
--answered of in-scope dev questions answered. Leave-one-out estimates of the share declined are
printed beside the in-sample ones. With --check FILE, the fitted model is also scored on a second
labelled set (not used for fitting).

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
    ap.add_argument("--check", help="A second labelled set to score the fitted model on.")
    args = ap.parse_args()
    kb = KnowledgeBase(Settings(home=Path(args.home)))
    views = kb.retriever().index.has_views

    def features(path: str) -> tuple[np.ndarray, np.ndarray]:
        rows, labels = [], []
        for item in read_labelled(path):
            if intents.classify(item.question):
                continue
            r = kb.search(item.question, 10)
            if r.reason == "reference":
                continue
            rows.append([r.cosine, float(has_domain_marker(item.question))] + ([r.view_cosine] if views else []))
            labels.append(1.0 if item.gold else 0.0)
        return np.array(rows), np.array(labels)

    X, y = features(args.dev)
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
                  **({"w_view": round(float(w[2]), 3)} if views else {}),
                  "bias": round(float(b), 3), "threshold": round(threshold, 4)},
        "in_sample": {"answered": round(float((z[y == 1] >= thr_z).mean()), 3),
                      "declined": round(float((z[y == 0] < thr_z).mean()), 3)},
        "leave_one_out": {"answered": round(float(loo[y == 1].mean()), 3),
                          "declined": round(float(1 - loo[y == 0].mean()), 3)},
        **({"check": _check(*features(args.check), w, b, thr_z)} if args.check else {}),
    }, indent=1))


def _check(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float, thr_z: float) -> dict:
    z = X @ w + b
    return {"questions": int(len(y)), "answered": round(float((z[y == 1] >= thr_z).mean()), 3),
            "declined": round(float((z[y == 0] < thr_z).mean()), 3)}


if __name__ == "__main__":
    main()
