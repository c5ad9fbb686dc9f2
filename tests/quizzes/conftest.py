"""Quiz fixtures: a movable clock, a small generated bank, engines on a real quiz.db in tmp_path."""
from __future__ import annotations

import pytest

from quizzes.engine import QuizEngine
from quizzes.model import Question
from tests.helpers.quizzes import Clock, load_core, make_question, spec


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def bank() -> list[Question]:
    return [make_question(i, "alarm") for i in range(12)] + [make_question(i, "history") for i in range(8)]


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "quiz.db"


@pytest.fixture
def open_engine(db_path, bank, clock):
    """Engines on the same file (one per thread, as in the bot); all closed at teardown."""
    engines = []

    def factory(questions=None, seed=None, **kw) -> QuizEngine:
        eng = QuizEngine(db_path, bank if questions is None else questions, clock=clock, seed=seed, **kw)
        engines.append(eng)
        return eng

    yield factory
    for eng in engines:
        eng.close()


@pytest.fixture
def engine(open_engine) -> QuizEngine:
    return open_engine(seed=7)


@pytest.fixture
def campaign(engine, clock):
    c = engine.create_campaign(spec())
    clock.now = c.starts_at + 10
    return c


@pytest.fixture(scope="session")
def core_store(tmp_path_factory):
    """A statute store with the real core corpus (parsed and stored; no search index: cheap)."""
    from ingest.loader import expand_paths, load_files
    from kb.store import Store
    from tests.helpers.paths import CORE

    if not CORE.is_dir():
        pytest.skip(f"shared corpus not found at {CORE}")
    s = Store(tmp_path_factory.mktemp("core-store") / "lawbot.db")
    summary = load_files(s, expand_paths([CORE]))
    assert not summary.failures
    yield s
    s.close()


@pytest.fixture(scope="module")
def statutes(tmp_path_factory):
    """The core corpus in a statute store, shared by a test module."""
    store = load_core(tmp_path_factory.mktemp("statutes") / "lawbot.db")
    yield store
    store.close()
