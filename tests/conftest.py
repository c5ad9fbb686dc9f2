"""Shared fixtures: temporary data directories, a fake embedder, and the real core corpus."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.paths import CORE, SHARED  # noqa: F401


def pytest_collection_modifyitems(config, items):
    if not SHARED.exists():
        skip = pytest.mark.skip(reason="../shared is not beside the checkout")
        for item in items:
            if "shared" in item.keywords:
                item.add_marker(skip)


@pytest.fixture
def home(tmp_path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def settings(home):
    from kb.settings import Settings

    return Settings(home=home, embedder="hash")


@pytest.fixture
def store(settings):
    from kb.store import Store

    s = Store(settings.db_path)
    yield s
    s.close()


@pytest.fixture
def fake_embedder():
    from kb.embed import HashEmbedder

    return HashEmbedder()


@pytest.fixture(scope="session")
def core_home(tmp_path_factory) -> Path:
    """A data directory with the real core corpus ingested with the real e5 model (built once)."""
    from click.testing import CliRunner

    from bot.cli import cli

    home = tmp_path_factory.mktemp("core-home")
    result = CliRunner().invoke(cli, ["--home", str(home), "ingest", str(CORE)])
    assert result.exit_code == 0, result.output
    return home


@pytest.fixture(scope="session")
def core_kb(core_home):
    from kb.service import KnowledgeBase
    from kb.settings import Settings

    kb = KnowledgeBase(Settings(home=core_home))
    yield kb
    kb.close()


@pytest.fixture(scope="session")
def small_home(tmp_path_factory) -> Path:
    """A data directory with one law (人民防空法) indexed by the hash embedder: for tests where
    retrieval quality is not the point. Shared: copy it before writing (``small_home_copy``)."""
    from click.testing import CliRunner

    from bot.cli import cli

    home = tmp_path_factory.mktemp("small-home")
    law = CORE / "人民防空法(2009-08-27).md"
    result = CliRunner().invoke(cli, ["--home", str(home), "--embedder", "hash", "ingest", str(law)])
    assert result.exit_code == 0, result.output
    return home


@pytest.fixture
def small_home_copy(small_home, tmp_path) -> Path:
    import shutil

    target = tmp_path / "small-home"
    shutil.copytree(small_home, target)
    return target
