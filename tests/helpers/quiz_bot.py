"""Quiz rounds through the real bot: start the Application on a data directory with a quiz clock
and bank, read what the participant was shown from the engine, press options right or wrong,
and replay stale buttons (a double tap, a press after the deadline) as raw callback queries."""
from __future__ import annotations

import asyncio
import contextlib
import copy
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import dataclasses

from app.config import TelegramSettings
from bot.telegram.app import build_application
from bot.telegram.workers import Services
from kb.settings import Settings

from .fake_bot_api import BotMessage, FakeBotApi, FakeUser, polling

STAFF = 9001
CORE_FIELDS = {f.name for f in dataclasses.fields(Settings)}
_DATA = re.compile(r"^q[at]:(\d+):(\d+):\d+$")


class OffsetClock:
    """The real time plus an offset the test can jump (timers sleep in real time)."""

    def __init__(self, offset: float = 0.0):
        self.offset = offset

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> float:
        self.offset += seconds
        return self()


@contextlib.asynccontextmanager
async def quiz_bot(api: FakeBotApi, home: Path, *, clock=time.time, bank=None, embedder=None,
                   staff=(STAFF,), **overrides) -> AsyncIterator:
    """Start the Application the way ``run_polling`` does, and stop it the same way
    (updater, application, ``post_stop``)."""
    if embedder is None:  # quiz and conversation tests are not about retrieval: no model to load
        from kb.embed import HashEmbedder

        embedder = HashEmbedder()
    core = {k: overrides.pop(k) for k in list(overrides) if k in CORE_FIELDS}
    settings = Settings(home=home, **core)
    telegram = TelegramSettings(staff_ids=tuple(staff), api_base_url=api.base_url, **overrides)
    services = Services(settings, embedder=embedder, quiz_bank=bank, clock=clock)
    app = build_application(settings, services, "TEST", telegram=telegram)
    try:
        async with polling(app):
            yield app
    finally:
        await asyncio.to_thread(services.close)


def ids_of(message: BotMessage | dict) -> tuple[int, int]:
    """(attempt id, position) from a question message's buttons."""
    markup = message.message.get("reply_markup") if isinstance(message, BotMessage) else message.get("reply_markup")
    for row in (markup or {}).get("inline_keyboard", []):
        for b in row:
            m = _DATA.match(b.get("callback_data", ""))
            if m:
                return int(m.group(1)), int(m.group(2))
    raise LookupError(f"not a question message: {message}")


async def item_of(app, message: BotMessage):
    att, pos = ids_of(message)
    return await app.bot_data["services"].quiz(lambda ops: ops.engine.item(att, pos))


async def delivered(app, message: BotMessage, timeout: float = 10.0):
    """Wait until the bot has recorded the question message as delivered (its deadline and
    answer time run from then), and return the item."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while (item := await item_of(app, message)).message_id is None:
        if loop.time() > end:
            raise AssertionError(f"question never recorded as delivered: {message}")
        await asyncio.sleep(0.02)
    return item


def wrong_choice(item) -> tuple[int, ...]:
    return (next(i for i in range(len(item.order)) if i not in item.correct_shown),)


async def answer(user: FakeUser, app, question: BotMessage, right: bool = True) -> tuple[BotMessage, object]:
    """Answer a question message right or wrong (toggles + 提交 for a multi-answer question);
    returns (the feedback the question became, the item)."""
    item = await item_of(app, question)
    chosen = item.correct_shown if right else wrong_choice(item)
    if item.question.multiple:
        current = question
        for shown in chosen:
            toggles = [b["callback_data"] for row in current.buttons for b in row
                       if b["callback_data"].startswith("qt:")]
            current = await user.press(current, toggles[shown])
            assert current.method == "editMessageReplyMarkup", current
        submit = next(b["callback_data"] for row in current.buttons for b in row
                      if b["callback_data"].startswith("qa:"))
        feedback = await user.press(current, submit)
    else:
        feedback = await user.press(question, f"qa:{item.attempt_id}:{item.position}:{1 << chosen[0]}")
    assert feedback.method == "editMessageText" and feedback.message_id == question.message_id, feedback
    return feedback, item


async def press_data(api: FakeBotApi, user: FakeUser, message: BotMessage | dict, data: str) -> dict:
    """Send a callback query with ``data`` from ``message`` as the user saw it (e.g. a button
    since replaced by an edit); returns the bot's answerCallbackQuery parameters."""
    snapshot = copy.deepcopy(message.message if isinstance(message, BotMessage) else message)
    query_id = str(next(api._ids))
    api._callback_queries[query_id] = False
    user._cursor = len(api._replies)
    await api.push_update({"callback_query": {
        "id": query_id, "from": user.to_dict(), "message": snapshot,
        "chat_instance": f"chat-instance-{user.id}", "data": data}})
    call = await api.wait_for(lambda: next((c for c in api.calls("answerCallbackQuery")
                                            if c.params.get("callback_query_id") == query_id), None))
    return call.params


def button_data(message: BotMessage, text_start: str) -> str:
    return next(b["callback_data"] for row in message.buttons for b in row if b["text"].startswith(text_start))
