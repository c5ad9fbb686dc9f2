"""Question views: parsing, matching to the current article text, indexing, retrieval."""
from __future__ import annotations

from dataclasses import replace

import json

import pytest

from ingest.loader import load_files
from kb.embed import HashEmbedder
from kb.index import SearchIndex, build_index
from kb.store import Store, sha256
from kb.views import QuestionView, default_views, parse_views, resolve_views
from tests.helpers.paths import CORE

LAW = CORE / "人民防空法(2009-08-27).md"
TITLE = "中华人民共和国人民防空法"


def view(store: Store, number: int, question: str) -> QuestionView:
    law = store.law_by_title(TITLE)
    art = store.article(law.id, number)
    return QuestionView(TITLE, number, question, sha256(art.text)[:12])


@pytest.fixture()
def store(tmp_path):
    with Store(tmp_path / "lawbot.db") as s:
        load_files(s, [LAW])
        yield s


def test_parse_reports_the_bad_line() -> None:
    good = json.dumps({"law": TITLE, "article": 22, "question": "防空洞谁来修", "text_sha": "0" * 12},
                      ensure_ascii=False)
    assert parse_views([good, ""])[0].article == 22
    for bad in ('{"law": "x"}', "not json", good.replace("0" * 12, "abc"),
                good.replace("防空洞谁来修", "")):
        with pytest.raises(ValueError, match=r"views.jsonl:2:"):
            parse_views([good, bad])


def test_views_apply_only_to_the_text_they_were_written_for(store) -> None:
    fresh = view(store, 27, "防空洞里能放煤气罐吗")
    changed = QuestionView(TITLE, 26, "防空洞能租出去吗", "f" * 12)  # written for another text
    missing = QuestionView(TITLE, 999, "第九百九十九条", "0" * 12)
    other_law = QuestionView("某某条例", 1, "问题", "0" * 12)
    resolved = resolve_views(store, [fresh, changed, missing, other_law])
    assert resolved.questions == ("防空洞里能放煤气罐吗",)
    assert resolved.article_ids == (store.article(store.law_by_title(TITLE).id, 27).id,)
    assert (resolved.stale, resolved.unknown) == (1, 2)


def test_a_view_leads_retrieval_to_its_article(store, tmp_path) -> None:
    """A question worded like a view finds the view's article, though it shares few words with the
    article's text; a stale view points nowhere."""
    from kb.query import LawCatalog
    from kb.retrieve import WITH_VIEWS, Retriever, default_params

    question = "小区楼下的地洞里能不能囤点煤气罐"
    views = [view(store, 27, question), QuestionView(TITLE, 5, question, "f" * 12)]
    phases = []
    build_index(store, HashEmbedder(), tmp_path / "index", views=views,
                phase=lambda name, total: phases.append((name, total)))
    index = SearchIndex.load(tmp_path / "index")
    assert ("views", 1) in phases
    assert (index.meta["views"], index.meta["views_stale"]) == (1, 1)
    art27 = store.article(store.law_by_title(TITLE).id, 27)
    assert index.view_search(HashEmbedder().embed_queries([question])[0], 5)[0][0] == art27.id

    def ranked(index: SearchIndex, params) -> list:
        retriever = Retriever(store, index, HashEmbedder(), LawCatalog.from_laws(store.laws()), params=params)
        return list(retriever.search(question, 20).hits)

    art5 = store.article(store.law_by_title(TITLE).id, 5)
    # the stale view's question is not indexed; its article competes in the view channel through
    # its own text instead (as an amended article does until staff review the view)
    assert index.text_view_ids == {art5.id}
    # the fusion itself (the learned ranker's weights were fitted on e5 signals, not hash vectors)
    hits = ranked(index, replace(WITH_VIEWS, ranker=False))
    viewed = [h.article.id for h in hits if "view" in h.sources]
    assert viewed[0] == art27.id and set(viewed) <= {art27.id, art5.id}
    with_views = next(i for i, h in enumerate(hits) if h.article.id == art27.id)
    # one view over 53 articles is too thin to switch to the views' settings on its own
    assert index.view_coverage == pytest.approx(1 / 53) and default_params(index) != WITH_VIEWS
    build_index(store, HashEmbedder(), tmp_path / "index", views=[])
    plain = SearchIndex.load(tmp_path / "index")
    without = next(i for i, h in enumerate(ranked(plain, default_params(plain))) if h.article.id == art27.id)
    assert with_views < 5 and without > 10, (with_views, without)  # 0 and 19 when written


def test_packaged_views_fit_the_core_corpus(tmp_path) -> None:
    """Every packaged view names an article of the core corpus whose text it was written for."""
    views = default_views()
    assert len(views) >= 500
    with Store(tmp_path / "core.db") as s:
        load_files(s, sorted(CORE.glob("*.md")))
        resolved = resolve_views(s, views)
    assert (resolved.stale, resolved.unknown) == (0, 0)
    assert len(set(resolved.article_ids)) >= 300
    assert len({v.question for v in views}) == len(views)
