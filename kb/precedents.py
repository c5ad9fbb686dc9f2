"""Precedents: questions already judged — answered by an article (in scope) or not (a near miss,
an advice request, off-topic) — and how close a new question comes to each kind.

A near miss sounds covered: this year's fee, the papers for a permit, what to do when the sirens
sound, whether a student keeps 学籍 when enlisting. No article states those, yet they share the
domain's words with articles that do, so cosines and word coverage alone answer them. Questions
like them were judged before; how close the new question is to the nearest question judged *not
covered*, against the nearest judged *in scope*, is evidence the decision (kb.decline) weighs
with the rest.

The packaged precedents (``kb/data/precedents.jsonl``, written by ``bench/build_precedents.py``
from the labelled sets the models are fitted on) carry their set's name, so that fitting the
decision can leave a set's own questions out (``skip``) as new questions would be.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from kb.packaged import data_file

if TYPE_CHECKING:
    from kb.embed import Embedder
    from kb.store import Store

FILE = "precedents.jsonl"


@dataclass(frozen=True)
class Precedent:
    question: str  # as the assistant hands it on (kb.dialect.prepare_question)
    in_scope: bool
    source: str  # the labelled set it comes from


@lru_cache(maxsize=1)
def default_precedents() -> tuple[Precedent, ...]:
    path = data_file(FILE)
    if path is None:
        return ()
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return tuple(Precedent(d["question"], bool(d["in_scope"]), str(d["source"])) for d in rows)


class PrecedentIndex:
    """The precedents' question vectors (as e5 queries), split by judgement."""

    def __init__(self, vectors: np.ndarray, in_scope: np.ndarray, sources: np.ndarray):
        self.vectors = np.asarray(vectors, np.float32)
        self.in_scope = np.asarray(in_scope, bool)
        self.sources = np.asarray(sources)

    @classmethod
    def build(cls, store: "Store", embedder: "Embedder",
              precedents: tuple[Precedent, ...] | None = None) -> "PrecedentIndex":
        """Vectors from the store's embedding cache (warmed when the index is built), embedding
        only what it lacks."""
        from kb.embed import embed_cached

        items = default_precedents() if precedents is None else precedents
        vectors = embed_cached(store, embedder, [p.question for p in items], queries=True)
        return cls(vectors, np.array([p.in_scope for p in items], bool),
                   np.array([p.source for p in items], dtype=object))

    def __len__(self) -> int:
        return len(self.vectors)

    def features(self, qvec: np.ndarray, skip: str | None = None) -> tuple[float, float, float]:
        """(cosine of the nearest precedent not covered, of the nearest in scope, their gap);
        ``skip`` leaves one source's precedents out."""
        if not len(self.vectors):
            return 0.0, 0.0, 0.0
        sims = self.vectors @ np.asarray(qvec, np.float32).reshape(-1)
        keep = self.sources != skip if skip is not None else np.ones(len(sims), bool)
        out = sims[keep & ~self.in_scope]
        ins = sims[keep & self.in_scope]
        near_out = float(out.max()) if len(out) else 0.0
        near_in = float(ins.max()) if len(ins) else 0.0
        return near_out, near_in, near_out - near_in
