"""Fixtures of the reliability suite: a private small home per test and the loopback Bot API on a
thread, so the real ``lawbot bot run`` process can be killed and restarted against it."""
from __future__ import annotations

import pytest

from tests.helpers import FakeBotApi


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/reliability/" in item.nodeid:
            item.add_marker(pytest.mark.reliability)


@pytest.fixture
def api():
    with FakeBotApi.in_thread() as fake:
        yield fake
