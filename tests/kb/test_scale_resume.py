"""An ingest killed part-way (SIGKILL, the worst case) resumes when the same command runs again.

The ``lawbot ingest`` CLI runs as a real subprocess over a handful of lawrefbook files (three of
them parts of the 民法典, stored as one law) with the hash embedder, slowed down so that the
kill lands in the middle of the loading or the embedding. The second run must not reload a law
or re-embed a vector the first run committed, and must leave the same store as a clean run.
"""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from tests.helpers.paths import REPO, SHARED

LAWREF = SHARED / "corpus" / "lawrefbook"
FILES = [
    "民法典/人格权编.md", "民法典/继承编.md", "民法典/附则.md",
    "社会法/劳动合同法(2012-12-28).md", "社会法/劳动法(2018-12-29).md", "社会法/社会保险法(2018-12-29).md",
    "社会法/安全生产法(2021-06-10).md", "社会法/慈善法(2023-12-29).md", "社会法/未成年人保护法(2024-04-26).md",
]

pytestmark = [pytest.mark.skipif(not LAWREF.is_dir(), reason="../shared/corpus/lawrefbook not found"),
              pytest.mark.slow]  # real lawrefbook files, killed and resumed: about a minute

# The CLI in this process, slowed down and logging the hash of every passage it embeds.
DRIVER = r"""
import hashlib, os, runpy, signal, sys, time
# A background job (nohup …&, some CI runners) starts with SIGINT ignored, and a child inherits
# that: Ctrl-C must reach the CLI as it does in a terminal.
signal.signal(signal.SIGINT, signal.default_int_handler)
from kb.embed import HashEmbedder
from kb.store import Store

log = open(os.environ["EMBED_LOG"], "a", encoding="utf-8")
slow_embed, slow_load = float(os.environ.get("SLOW_EMBED", 0)), float(os.environ.get("SLOW_LOAD", 0))
plain_embed, plain_load = HashEmbedder.embed_passages, Store.load_law

def embed_passages(self, texts):
    time.sleep(slow_embed * len(texts))
    log.write("".join(hashlib.sha256(t.encode()).hexdigest() + "\n" for t in texts))
    log.flush()
    return plain_embed(self, texts)

def load_law(self, parsed, source="", **options):
    time.sleep(slow_load)
    return plain_load(self, parsed, source, **options)

HashEmbedder.embed_passages, Store.load_law = embed_passages, load_law
sys.argv = ["lawbot"] + sys.argv[1:]
runpy.run_module("bot.cli", run_name="__main__")
"""


@pytest.fixture
def file_list(tmp_path) -> Path:
    path = tmp_path / "list.txt"
    path.write_text("\n".join(FILES) + "\n", encoding="utf-8")
    return path


def ingest_args(home: Path, file_list: Path) -> list[str]:
    return ["--home", str(home), "--embedder", "hash", "ingest", "--from-list", str(file_list),
            "--base", str(LAWREF), "--json"]


def start(home: Path, file_list: Path, log: Path, **slow: float) -> subprocess.Popen:
    env = {**os.environ, "EMBED_LOG": str(log), **{k.upper(): str(v) for k, v in slow.items()}}
    return subprocess.Popen([sys.executable, "-c", DRIVER, *ingest_args(home, file_list)], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def count(home: Path, sql: str) -> int:
    try:
        con = sqlite3.connect(f"file:{home / 'lawbot.db'}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute(sql).fetchone()[0]
        finally:
            con.close()
    except sqlite3.OperationalError:  # not created or not migrated yet
        return 0


def kill_when(proc: subprocess.Popen, home: Path, sql: str, at_least: int, timeout: float = 120,
              sig: int = signal.SIGKILL) -> tuple[int, str]:
    deadline = time.monotonic() + timeout
    while count(home, sql) < at_least:
        assert proc.poll() is None, f"finished before the kill:\n{proc.stderr.read()[-2000:]}"
        assert time.monotonic() < deadline, "the ingest made no progress"
        time.sleep(0.02)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err


def store_content(home: Path) -> dict:
    """Everything a resumed ingest must get right: laws, versions, articles, vectors, the index."""
    con = sqlite3.connect(home / "lawbot.db")
    try:
        versions = con.execute(
            "SELECT l.title, v.version_date, v.is_current, v.content_hash, v.article_count,"
            " (SELECT COUNT(*) FROM articles a WHERE a.version_id = v.id)"
            " FROM versions v JOIN laws l ON l.id = v.law_id ORDER BY l.title, v.version_date").fetchall()
        articles = con.execute("SELECT l.title, a.number, a.suffix, a.content_hash FROM articles a"
                               " JOIN laws l ON l.id = a.law_id ORDER BY 1, 2, 3").fetchall()
        vectors = con.execute("SELECT content_hash, model_id, vector FROM embeddings ORDER BY 1, 2").fetchall()
        revision = con.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()[0]
    finally:
        con.close()
    from kb.index import index_meta

    meta = index_meta(home / "index")
    return {"versions": versions, "articles": articles, "vectors": vectors, "revision": revision,
            "index": (meta["articles"], meta["model_id"], meta["revision"])}


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> dict:
    """The store a single uninterrupted run leaves."""
    tmp = tmp_path_factory.mktemp("clean")
    (tmp / "list.txt").write_text("\n".join(FILES) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ingest_args(tmp / "home", tmp / "list.txt"))
    assert result.exit_code == 0, result.output
    return store_content(tmp / "home")


def test_clean_run_stores_the_civil_code_parts_as_one_law(clean):
    civil = [v for v in clean["versions"] if v[0] == "中华人民共和国民法典"]
    assert len(civil) == 1 and civil[0][2] == 1  # one current version, not three superseding each other
    assert civil[0][4] == civil[0][5] == 51 + 45 + 2
    assert all(v[4] == v[5] for v in clean["versions"])  # no law stored in part


def test_resume_after_kill_during_embedding(tmp_path, file_list, clean):
    home, log = tmp_path / "home", tmp_path / "embedded.log"
    first = start(home, file_list, log, slow_embed=0.004)
    kill_when(first, home, "SELECT COUNT(*) FROM embeddings", at_least=1)
    committed = {h for (h,) in sqlite3.connect(home / "lawbot.db").execute("SELECT content_hash FROM embeddings")}
    total = len({a[3] for a in clean["articles"]})
    assert 0 < len(committed) < total and not (home / "index" / "CURRENT").exists()

    log.write_text("")
    second = start(home, file_list, log)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err[-2000:]
    reports = [json.loads(line) for line in out.splitlines()]
    assert len(reports) == len(FILES) and {r["action"] for r in reports} == {"unchanged"}
    again = set(log.read_text().split())
    assert again and not again & committed  # nothing committed before the kill is embedded again
    assert again | committed == {v[0] for v in clean["vectors"]}
    assert store_content(home) == clean


def test_ctrl_c_says_how_to_resume_and_resumes(tmp_path, file_list, clean):
    home, log = tmp_path / "home", tmp_path / "embedded.log"
    first = start(home, file_list, log, slow_embed=0.004)
    code, err = kill_when(first, home, "SELECT COUNT(*) FROM embeddings", at_least=1, sig=signal.SIGINT)
    assert code == 130 and "重新运行同一命令即可继续" in err and "Traceback" not in err
    committed = count(home, "SELECT COUNT(*) FROM embeddings")
    log.write_text("")
    second = start(home, file_list, log)
    _, err = second.communicate(timeout=120)
    assert second.returncode == 0, err[-2000:]
    assert len(set(log.read_text().split())) == len(clean["vectors"]) - committed
    assert store_content(home) == clean


def test_resume_after_kill_during_loading(tmp_path, file_list, clean):
    home, log = tmp_path / "home", tmp_path / "embedded.log"
    first = start(home, file_list, log, slow_load=0.5)
    kill_when(first, home, "SELECT COUNT(*) FROM versions", at_least=2)
    done = {t for (t,) in sqlite3.connect(home / "lawbot.db").execute(
        "SELECT l.title FROM versions v JOIN laws l ON l.id = v.law_id")}
    assert 2 <= len(done) < 7

    second = start(home, file_list, log)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err[-2000:]
    reports = [json.loads(line) for line in out.splitlines()]
    unchanged = {r["law_title"] for r in reports if r["action"] == "unchanged"}
    created = {r["law_title"] for r in reports if r["action"] == "created"}
    assert unchanged == done and not created & done  # finished laws were not loaded again
    assert store_content(home) == clean


def test_embedding_cache_commits_in_chunks(tmp_path):
    """Each chunk is committed before the next is embedded (what makes a kill lose one chunk at most)."""
    from kb.embed import HashEmbedder, embed_cached
    from kb.store import Store

    texts = [f"第{i}条 测试条文内容{i}" for i in range(700)]
    seen: list[int] = []
    with Store(tmp_path / "db.sqlite") as store:
        embedder = HashEmbedder()
        plain = embedder.embed_passages

        def embed(batch):
            seen.append(store.db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0])
            return plain(batch)

        embedder.embed_passages = embed
        vecs = embed_cached(store, embedder, texts, batch_size=256)
        assert seen == [0, 256, 512] and vecs.shape == (700, embedder.dim)
        assert np_equal(vecs, HashEmbedder().embed_passages(texts))
        seen.clear()
        embed_cached(store, embedder, texts)
        assert seen == []  # all cached: nothing embedded


def np_equal(a, b) -> bool:
    import numpy as np

    return bool(np.allclose(a, b))


def test_part_files_merge_but_versions_do_not():
    """Adjacent same-title files with disjoint article numbers are parts; versions share numbers."""
    from ingest.loader import _parsed_groups
    from tests.helpers.paths import CORE

    parts = [LAWREF / f for f in FILES[:3]]
    versions = [CORE / "国防教育法(2018-04-27).md", CORE / "国防教育法(2024-09-13).md"]
    groups = list(_parsed_groups([*parts, *versions]))
    assert [[p.name for p, _ in g] for g in groups] == [
        ["人格权编.md", "继承编.md", "附则.md"], ["国防教育法(2018-04-27).md"], ["国防教育法(2024-09-13).md"]]

    from ingest.loader import merge_parts

    civil = merge_parts([p for _, p in groups[0]])
    numbers = [a.number for a in civil.articles]
    assert numbers == sorted(numbers) and len(numbers) == 98 and numbers[-1] == 1260
    assert civil.articles[0].chapter[0] == "人格权编" and civil.version_date == "2021-01-01"
