"""No ``lawbot`` command ends in a traceback on a user error, and a read-only data directory
works for reading (issue #14, item 3).

Every command of the click tree is walked with bad arguments and hostile files
(``tests/helpers/cli_walk.py``), once on a writable home in this process and once on a read-only
home in a process that really cannot write it (as root, without the capability to override file
permissions).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.cli_walk import walk
from tests.helpers.paths import CORE, REPO

CJK = re.compile(r"[\u4e00-\u9fff]")
NO_WRITE = "不可写"


def check(records: list[dict]) -> None:
    crashed = [r for r in records if r["traceback"]]
    assert not crashed, crashed[:5]
    silent = [r for r in records if r["exit"] != 0 and not CJK.search(r["output"])]
    assert not silent, silent[:5]  # every refusal says why, in Chinese


def test_every_command_with_bad_arguments_ends_politely(small_home_copy, tmp_path) -> None:
    records = list(walk(small_home_copy, tmp_path / "files"))
    assert len({tuple(r["argv"][:2]) for r in records}) >= 25  # the whole tree was walked
    check(records)


def make_read_only(path: Path) -> None:
    for p in [path, *path.rglob("*")]:
        mode = p.stat().st_mode
        p.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def unprivileged() -> list[str]:
    """A command prefix under which file permissions apply (root keeps its uid but loses
    CAP_DAC_OVERRIDE / CAP_FOWNER), or skip if this machine cannot provide one."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot make a directory read-only")
    prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner"]
    probe = subprocess.run([*prefix, "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"setpriv cannot drop capabilities here: {probe.stderr.decode()[:200]}")
    return prefix


@pytest.fixture
def read_only_home(small_home_copy):
    make_read_only(small_home_copy)
    yield small_home_copy
    for p in [small_home_copy, *small_home_copy.rglob("*")]:
        p.chmod(p.stat().st_mode | stat.S_IWUSR)


def lawbot(prefix: list[str], home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "TELEGRAM_BOT_TOKEN": ""}
    return subprocess.run([*prefix, sys.executable, "-m", "bot.cli", "--home", str(home), "--embedder", "hash",
                           *args], capture_output=True, text=True, check=False, env=env, cwd=REPO, timeout=120)


def test_read_only_home_reads_and_refuses_writes_in_one_line(read_only_home, tmp_path) -> None:
    prefix = unprivileged()
    probe = subprocess.run([*prefix, "touch", str(read_only_home / "probe")], capture_output=True, check=False)
    assert probe.returncode != 0, "the home is still writable"
    before = {p.name: p.stat().st_mtime_ns for p in read_only_home.rglob("*")}

    reads = {("laws",): "中华人民共和国人民防空法", ("article", "人防法", "22"): "第二十二条",
             ("versions", "人防法"): "现行", ("search", "人防法第二十二条", "--k", "3"): "第二十二条",
             ("ask", "人防法第二十二条说了什么"): "地下室", ("faq", "list"): "还没有问答",
             ("campaign", "list"): "还没有活动", ("quiz", "list"): "alarm-001"}
    for args, expected in reads.items():
        result = lawbot(prefix, read_only_home, *args)
        assert result.returncode == 0 and expected in result.stdout, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr

    writes = [("reindex",), ("ingest", str(CORE / "兵役法(2021-08-20).md")),
              ("faq", "add", "-q", "防空洞能租吗", "-a", "可以", "-b", "人防法第二十六条"),
              ("campaign", "create", "--code", "CQ27", "--name", "竞赛", "--start", "2027-06-01 08:00",
               "--end", "2027-06-02 08:00")]
    for args in writes:
        result = lawbot(prefix, read_only_home, *args)
        lines = [l for l in result.stderr.splitlines() if l.strip()]
        assert result.returncode == 1 and len(lines) == 1 and NO_WRITE in lines[0], (args, result.stderr)
    assert {p.name: p.stat().st_mtime_ns for p in read_only_home.rglob("*")} == before


def test_read_only_home_walk_has_no_traceback(read_only_home, tmp_path) -> None:
    prefix = unprivileged()
    files = tmp_path / "files"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([*prefix, sys.executable, "-m", "tests.helpers.cli_walk", str(read_only_home), str(files)],
                            capture_output=True, text=True, check=False, env=env, cwd=REPO, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) > 200
    check(records)


def test_read_only_copy_taken_while_in_use_shows_its_latest_commits(small_home_copy, tmp_path) -> None:
    """A home copied while a process had commits only in its WAL file: read-only, they are seen."""
    from kb.faq import FaqBook
    from kb.store import Store

    prefix = unprivileged()
    store = Store(small_home_copy / "lawbot.db")
    try:
        store.db.conn.execute("PRAGMA wal_autocheckpoint=0")  # the pair stays in lawbot.db-wal
        FaqBook(store, "重庆市").add("防空洞能租来开店吗", "可以依法平时利用，但不得影响防空效能。", "人防法第二十六条")
        copy = tmp_path / "copy"
        shutil.copytree(small_home_copy, copy)
    finally:
        store.close()
    assert (copy / "lawbot.db-wal").stat().st_size > 0
    make_read_only(copy)
    try:
        result = lawbot(prefix, copy, "faq", "list")
        assert result.returncode == 0 and "防空洞能租来开店吗" in result.stdout, (result.stdout, result.stderr)
    finally:
        for p in [copy, *copy.rglob("*")]:
            p.chmod(p.stat().st_mode | stat.S_IWUSR)
