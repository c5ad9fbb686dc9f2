"""End to end with the real e5 model over the real core corpus, through the ``lawbot`` CLI."""
from __future__ import annotations

import io
import json
import shutil
import zipfile

import pytest
from click.testing import CliRunner

from bot.cli import cli
from tests.helpers.paths import CORE, REPO, SAMPLES

pytestmark = pytest.mark.slow


def run(home, *args, input=None):
    return CliRunner().invoke(cli, ["--home", str(home), *args], input=input)


def snapshot(home) -> tuple:
    from kb.store import Store

    with Store(home / "lawbot.db") as s:
        counts = s.db.execute("SELECT (SELECT COUNT(*) FROM laws), (SELECT COUNT(*) FROM versions),"
                              " (SELECT COUNT(*) FROM articles)").fetchone()
        return (s.revision(), *counts, (home / "index" / "CURRENT").read_text())


def test_core_corpus_loaded_with_versions(core_home):
    laws = [json.loads(l) for l in run(core_home, "laws", "--json").output.splitlines()]
    assert len(laws) == 16
    assert sum(len(l["versions"]) for l in laws) == 17
    edu = next(l for l in laws if l["title"] == "中华人民共和国国防教育法")
    assert edu["version_date"] == "2024-09-13" and edu["versions"] == ["2018-04-27", "2024-09-13"]
    assert edu["article_count"] == 42
    assert next(l for l in laws if l["title"] == "中华人民共和国人民防空法")["article_count"] == 53


def test_reingest_changes_nothing(core_home):
    before = snapshot(core_home)
    result = run(core_home, "ingest", str(CORE))
    assert result.exit_code == 0, result.output
    assert result.output.count("未变化") == 17
    assert snapshot(core_home) == before  # same revision, rows and index generation


def test_article_lookup_current_and_history(core_home):
    out = run(core_home, "article", "人防法", "22").output
    assert "《中华人民共和国人民防空法》第二十二条" in out and "防空的地下室" in out
    assert run(core_home, "article", "国防教育法", "15", "--version", "2018-04-27").exit_code == 0
    missing = run(core_home, "article", "国防教育法", "39", "--version", "2018-04-27")
    assert missing.exit_code == 1 and "没有第39条" in missing.output


def test_batch_contract_and_reference_forms(core_home, tmp_path):
    questions = {
        "r1": ("人防法第二十二条", ("中华人民共和国人民防空法", 22)),
        "r2": ("军事设施保护法第20条", ("中华人民共和国军事设施保护法", 20)),
        "r3": ("《国防动员法》第四十九条", ("中华人民共和国国防动员法", 49)),
        "r4": ("重庆人防条例第三十条说了啥", ("重庆市人民防空条例", 30)),
        "r5": ("新修订的国防教育法第十五条", ("中华人民共和国国防教育法", 15)),
    }
    lines = [json.dumps({"id": k, "question": q}, ensure_ascii=False) for k, (q, _) in questions.items()]
    lines += [json.dumps({"id": "in", "question": "防空洞能租来开店吗？"}, ensure_ascii=False),
              json.dumps({"id": "out", "question": "离婚后孩子归谁？"}, ensure_ascii=False),
              json.dumps({"id": "hi", "question": "你好"}, ensure_ascii=False)]
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(core_home, "search", "--batch", str(path), "--k", "10", "--json")
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in map(json.loads, result.output.splitlines())}
    assert list(rows) == [*questions, "in", "out", "hi"]
    for qid, (_, (law, number)) in questions.items():
        first = rows[qid]["results"][0]
        assert (first["law"], first["article"]) == (law, number), qid
        assert rows[qid]["answerable"] is True
        assert len(rows[qid]["results"]) <= 10
        assert all(set(r) == {"law", "article", "score"} for r in rows[qid]["results"])
    top3 = [(r["law"], r["article"]) for r in rows["in"]["results"][:3]]
    assert ("中华人民共和国人民防空法", 26) in top3 and rows["in"]["answerable"] is True
    assert rows["out"]["answerable"] is False
    assert rows["hi"]["answerable"] is False


def test_batch_reports_bad_lines(core_home, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": 1, "question": "人防法第一条"}\nnot json\n{"id": 2}\n', encoding="utf-8")
    result = run(core_home, "search", "--batch", str(path), "--json")
    assert result.exit_code == 1
    assert "第 2 行" in result.output and "第 3 行" in result.output
    assert '"id": 1' in result.output


def test_ask_quotes_or_declines(core_home):
    out = run(core_home, "ask", "我在小区地下室开了个超市，人防办说要查，他们有权吗？").output
    assert "依据《" in out and "条" in out and "12348" in out and "不构成法律意见" in out
    declined = run(core_home, "ask", "离婚后孩子归谁？").output
    assert "不在我能解答的范围" in declined and "12348" in declined and "依据《" not in declined
    # on topic, but asking a figure no article states: declined with the reason, not a near article
    figure = run(core_home, "ask", "防空警报的声音有多少分贝").output
    assert "没有写明您问的这个具体数字" in figure and "依据《" not in figure
    assert "区县人防办" in figure and "12348" not in figure  # a local service, not legal help


def test_eval_runs_on_dev_set(core_home):
    result = run(core_home, "eval", str(REPO / "tests" / "data" / "dev.jsonl"), "--json")
    report = json.loads(result.output)
    overall = report["overall"]
    assert overall["n"] >= 150
    # guard rails well below the measured numbers (see the issue notes), to catch regressions
    assert overall["hit@3"] >= 0.8 and overall["mrr@10"] >= 0.7
    assert overall["answered"] >= 0.9 and overall["declined"] >= 0.7
    assert report["by_style"]["reference"]["hit@1"] >= 0.9


@pytest.mark.parametrize("name", ["blind_a.jsonl", "blind_b.jsonl", "blind_c.jsonl"])
def test_eval_on_sets_written_blind(core_home, name):
    """Sets written by people who saw only the corpus, not the system, its views or the dev set.
    First measurements, before any tuning on them: blind_a hit@3 0.800 (before question views existed),
    blind_b 0.856 (with views), blind_c 0.927 (with the final fusion)."""
    report = json.loads(run(core_home, "eval", str(REPO / "tests" / "data" / name), "--json").output)
    overall = report["overall"]
    assert overall["n"] >= 100
    assert overall["hit@3"] >= 0.85 and overall["mrr@10"] >= 0.75
    assert overall["answered"] >= 0.9 and overall["declined"] >= 0.8


def test_question_views_index_with_the_core_corpus(core_home, tmp_path):
    from kb.index import SearchIndex
    from kb.retrieve import MIN_VIEW_COVERAGE, WITH_VIEWS, default_params
    from kb.views import default_views

    index = SearchIndex.load(core_home / "index")
    assert index.meta["views"] == len(default_views()) and index.meta["views_stale"] == 0
    assert index.view_coverage >= MIN_VIEW_COVERAGE and default_params(index) == WITH_VIEWS
    home = tmp_path / "views-home"
    shutil.copytree(core_home, home)
    assert f"{len(default_views())} 条问法视图" in run(home, "reindex").output


def test_faq_paraphrase_matched_with_real_model(core_home, tmp_path):
    home = tmp_path / "faq-home"
    shutil.copytree(core_home, home)
    added = run(home, "faq", "add", "-q", "人防工程可以出租开店吗", "-a", "可以平时利用，但不得影响防空效能。",
                "-b", "人防法第二十六条")
    assert added.exit_code == 0, added.output
    out = run(home, "ask", "防空洞可以出租开店吗？").output
    assert "可以平时利用" in out and "《中华人民共和国人民防空法》第二十六条" in out
    other = run(home, "ask", "征兵对学历有什么要求").output
    assert "可以平时利用" not in other  # an unrelated question does not get the FAQ answer


def _zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w") as fh:
            chunk = b"\0" * (1 << 20)
            for _ in range(120):
                fh.write(chunk)
    return buf.getvalue()


def test_bad_inputs_refused_without_changing_store(core_home, tmp_path):
    home = tmp_path / "bad-home"
    shutil.copytree(core_home, home)
    before = snapshot(home)
    docx = (SAMPLES / "重要军工设施保护条例_20250519.docx").read_bytes()
    bad = {
        "empty.md": b"",
        "binary.md": bytes(range(256)) * 50,
        "truncated.docx": docx[: len(docx) // 2],
        "bomb.docx": _zip_bomb(),
        "unknown.pdf": b"%PDF-1.4 not a law",
        "shell.html": (SAMPLES / "flk_detail2_shell_中华人民共和国增值税法.html").read_bytes(),
    }
    for name, data in bad.items():
        (tmp_path / name).write_bytes(data)
        result = run(home, "ingest", str(tmp_path / name))
        assert result.exit_code != 0, name
        errors = [l for l in result.output.splitlines() if l.startswith("错误")]
        assert len(errors) == 1 and name in errors[0], (name, result.output)
        assert "Traceback" not in result.output
    assert snapshot(home) == before


def test_docx_and_gbk_text_load(core_home, tmp_path):
    home = tmp_path / "docx-home"
    shutil.copytree(core_home, home)
    result = run(home, "ingest", str(SAMPLES / "重要军工设施保护条例_20250519.docx"))
    assert result.exit_code == 0, result.output
    assert "新增 《重要军工设施保护条例》" in result.output and "51 条" in result.output
    out = run(home, "article", "重要军工设施保护条例", "51").output
    assert "2025年9月15日" in out
