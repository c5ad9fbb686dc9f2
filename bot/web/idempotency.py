"""Idempotency keys for the web's state-changing requests, over the shared inbox
(:class:`app.inbox.Inbox`): a request repeated with the same key (a form posted twice, an API
call retried) gets the first result back instead of a second effect.

Forms carry a random key rendered into the page (hidden field ``idem``); API clients send an
``Idempotency-Key`` header. Keys are scoped by who sent them (staff name or client). The first
delivery claims the key before doing the work; a repeat arriving while the first is still working
waits for its result. Work refused before changing anything (a form with a bad basis) releases
the key, so the corrected form can be sent again.
"""
from __future__ import annotations

import json
import re
import secrets
import time

from app.inbox import Inbox

WAIT_SECONDS = 30.0
CHANNEL = "web"
_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,100}$")


def new_key() -> str:
    return secrets.token_urlsafe(16)


def valid_key(key: str | None) -> bool:
    return bool(key and _KEY.match(key))


def _wait(inbox: Inbox, channel: str, key: str, timeout: float = WAIT_SECONDS) -> str | None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        seen = inbox.claim(channel, key)
        if seen is None:  # pruned meanwhile: nothing to replay (and nothing to release)
            inbox.release(channel, key)
            return None
        if seen.response is not None:
            return seen.response
        time.sleep(0.05)
    return None


async def once(inbox: Inbox, scope: str, key: str | None, work) -> dict:
    """Run ``await work()`` (returning a JSON-able dict) once per ``(scope, key)``; without a
    valid key, just run it. A repeat returns the stored result."""
    from fastapi.concurrency import run_in_threadpool

    from bot.web.deps import Refused

    if not valid_key(key):
        return await work()
    channel = f"{CHANNEL}:{scope}"
    seen = await run_in_threadpool(inbox.claim, channel, key)
    if seen is not None:
        response = seen.response or await run_in_threadpool(_wait, inbox, channel, key)
        if response is None:
            raise Refused("同样的请求正在处理中，请稍后刷新查看结果。", 409)
        return json.loads(response)
    try:
        result = await work()
    except BaseException:
        await run_in_threadpool(inbox.release, channel, key)
        raise
    await run_in_threadpool(inbox.complete, channel, key, json.dumps(result, ensure_ascii=False))
    return result
