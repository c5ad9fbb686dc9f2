"""Precedents (kb.precedents): questions judged before, as evidence for the answer/decline decision."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from kb.decline import FEATURES
from kb.precedents import PrecedentIndex, default_precedents

REPO = Path(__file__).resolve().parents[2]


def unit(*xs: float) -> np.ndarray:
    v = np.array(xs, np.float32)
    return v / np.linalg.norm(v)


def test_nearest_not_covered_against_nearest_in_scope():
    index = PrecedentIndex(np.stack([unit(1, 0, 0), unit(0, 1, 0), unit(1, 1, 0)]),
                           np.array([False, True, True]), np.array(["a", "a", "b"], dtype=object))
    out, ins, gap = index.features(unit(1, 0.1, 0))
    assert out > 0.99 and ins == pytest.approx(float(unit(1, 1, 0) @ unit(1, 0.1, 0)))
    assert gap == pytest.approx(out - ins) and gap > 0
    # fitting leaves a set's own precedents out: only b's in-scope question is left
    out, ins, gap = index.features(unit(1, 0.1, 0), skip="a")
    assert out == 0.0 and ins > 0.7 and gap < 0


def test_no_precedents_give_neutral_features():
    assert PrecedentIndex(np.zeros((0, 3)), np.zeros(0, bool), np.zeros(0, object)).features(unit(1, 0, 0)) == (
        0.0, 0.0, 0.0)


def test_the_decision_sees_the_precedent_features():
    assert FEATURES[-3:] == ("prec_out", "prec_in", "prec_gap")


def test_packaged_precedents_come_from_the_labelled_sets_and_hold_both_judgements():
    found = default_precedents()
    assert len(found) > 1000
    sources = {p.source for p in found}
    known = {p.stem for p in (REPO / "tests" / "data").glob("*.jsonl")} | {"decline_own"}
    assert sources <= known
    assert sum(not p.in_scope for p in found) > 300 and sum(p.in_scope for p in found) > 1000
    assert len({p.question for p in found}) == len(found)


def _builder():
    spec = importlib.util.spec_from_file_location("build_precedents", REPO / "bench" / "build_precedents.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_build_skips_bare_references_and_questions_judged_both_ways(tmp_path):
    a = tmp_path / "set_a.jsonl"
    b = tmp_path / "own.jsonl"
    a.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in [
        {"id": "a1", "question": "防空洞能开茶馆吗", "gold": [{"law": "x", "article": 1}], "style": "colloquial"},
        {"id": "a2", "question": "第15条讲的啥", "gold": [], "style": "reference", "needs_law": True},
        {"id": "a3", "question": "人防办电话多少", "gold": [], "style": "out_of_scope"},
        {"id": "a4", "question": "警报是啥子声音", "gold": [], "style": "out_of_scope"},
    ]) + "\n", encoding="utf-8")
    b.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in [
        {"id": "o1", "question": "警报是啥子声音", "in_scope": True},
        {"id": "o2", "question": "今年易地建设费好多钱", "in_scope": False},
    ]) + "\n", encoding="utf-8")
    rows = _builder().precedents([str(a), str(b)])
    assert [(r["in_scope"], r["source"]) for r in rows] == [(True, "set_a"), (False, "set_a"), (False, "own")]
    assert not any("第15条" in r["question"] or "警报" in r["question"] for r in rows)


def test_a_not_covered_precedent_is_not_held_against_a_law_loaded_since():
    """Precedents were judged against the packaged corpus: when the lead article is of a law
    staff loaded since (no views) or amended and awaiting view review, the nearest not-covered
    precedent counts no closer than the nearest in-scope one."""
    from types import SimpleNamespace

    from kb.model import Article
    from kb.retrieve import WITH_VIEWS, Retriever

    r = Retriever.__new__(Retriever)
    r.params = WITH_VIEWS  # views on: the precedents are consulted
    r.precedent_skip = None
    r._precedents = PrecedentIndex(np.stack([unit(1, 0, 0), unit(0, 1, 0)]), np.array([False, True]),
                                   np.array(["a", "a"], dtype=object))
    r._law_of, r._viewed_laws = {}, {1}
    r.index = SimpleNamespace(has_views=True, text_view_ids=frozenset({12}))

    def article(aid: int, law_id: int) -> Article:
        return Article(aid, f"x#{aid}", law_id, "法", 1, None, aid, "", f"第{aid}条", "", "t", True, "全国")

    q = unit(1, 0.2, 0)
    out, ins, gap = r.precedent_features(q, article(11, 1))  # packaged law, views current
    assert gap > 0.5
    assert r.precedent_features(q, article(21, 2)) == (ins, ins, 0.0)  # a law loaded since
    assert r.precedent_features(q, article(12, 1)) == (ins, ins, 0.0)  # amended, views under review
