"""Shared test helpers: a fake Telegram Bot API server and a way to run async test bodies.

pytest-asyncio is not a dependency, so async tests are plain functions that call
``run(body())``; ``run`` also bounds each body with a timeout so a hung bot fails fast
instead of stalling the suite.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from .fake_bot_api import BotMessage, Call, FakeBotApi, FakeUser, assert_all_ok

__all__ = ["BotMessage", "Call", "FakeBotApi", "FakeUser", "assert_all_ok", "run"]

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
    """Run ``coro`` on a fresh event loop, failing with TimeoutError after ``timeout`` s."""

    async def bounded() -> T:
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(bounded())
