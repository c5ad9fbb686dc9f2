"""Fixtures for the ingest tests: the shared corpus (skipped if absent) and tiny fixture files."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest_testdata import CORE, FIXTURES, SHARED


@pytest.fixture(scope="session")
def shared() -> Path:
    if not CORE.is_dir():
        pytest.skip(f"shared corpus not found at {SHARED.resolve()}")
    return SHARED


@pytest.fixture(scope="session")
def core_files(shared: Path) -> list[Path]:
    return sorted(CORE.glob("*.md"))


@pytest.fixture
def fixture_text():
    def read(name: str) -> str:
        return (FIXTURES / name).read_text("utf-8")
    return read
