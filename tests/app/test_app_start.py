"""``lawbot start`` from any directory: the first run takes its corpus from --corpus or
LAWBOT_CORPUS and says how long it will take; a loaded data directory needs no corpus at all."""
from __future__ import annotations

import shutil

from click.testing import CliRunner

from tests.helpers.paths import CORE

ENV = {"TELEGRAM_BOT_TOKEN": "", "LAWBOT_HOME": "", "LAWBOT_CORPUS": ""}


def start(home, cwd, monkeypatch, **env):
    """``lawbot start`` up to serving the web page (the server itself is stubbed here; the web
    tests run the real one, tests/web/test_web_start.py)."""
    from bot.cli import cli

    monkeypatch.chdir(cwd)
    monkeypatch.setattr("bot.web.run.serve", lambda settings, host, port: print(f"SERVED {settings.home} {host}:{port}"))
    return CliRunner().invoke(cli, ["--home", str(home), "--embedder", "hash", "start"], input="",
                              env={**ENV, **env})


def test_first_run_from_another_directory_with_lawbot_corpus(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORE / "人民防空法(2009-08-27).md", corpus)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    home = tmp_path / "home"
    first = start(home, elsewhere, monkeypatch, LAWBOT_CORPUS=str(corpus))
    assert first.exit_code == 0, first.output
    assert "首次运行" in first.output and "预计需要约" in first.output and "1 个法规文件" in first.output
    assert "《中华人民共和国人民防空法》" in first.output
    assert "网页版：http://127.0.0.1:8000/" in first.output and f"SERVED {home} 127.0.0.1:8000" in first.output
    again = start(home, elsewhere, monkeypatch, LAWBOT_CORPUS=str(tmp_path / "gone"))
    assert again.exit_code == 0, again.output  # a loaded home needs no corpus, even a wrong one
    assert "首次运行" not in again.output


def test_a_missing_corpus_is_one_polite_line(tmp_path, monkeypatch):
    result = start(tmp_path / "home", tmp_path, monkeypatch, LAWBOT_CORPUS=str(tmp_path / "nowhere"))
    assert result.exit_code == 1 and "找不到法规文件夹" in result.output
    assert "Traceback" not in result.output


def test_the_first_run_estimate_counts_the_question_views():
    """The wait announced before a first run grows with the questions to embed (views and
    precedents) and the statute text, and is what the core corpus with the packaged views took here."""
    from app.loading import estimate_first_run
    from kb.precedents import default_precedents
    from kb.views import default_views

    files = sorted(CORE.glob("*.md"))
    packaged = estimate_first_run(files, cores=2)
    assert packaged == estimate_first_run(files, cores=2, views=len(default_views()) + len(default_precedents()))
    assert estimate_first_run(files, cores=2, views=0) < packaged - 30
    assert 70 <= packaged <= 150
    assert estimate_first_run(files, cores=4) < packaged  # more cores, shorter wait
