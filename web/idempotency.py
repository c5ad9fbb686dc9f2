"""Idempotency keys for the web's state-changing requests: a request repeated with the same key
(a form posted twice, an API call retried) gets the first result instead of a second effect.

Forms carry a random key rendered into the page (hidden field ``idem``); API clients send an
``Idempotency-Key`` header. Keys are scoped by who sent them (staff name or client id) and kept
for a day in ``web.db``. The first request claims the key inside a transaction before doing the
work, so two deliveries racing each other do the work once; the second waits for the first's
result or, if the first failed, is told to try again.
"""
from __future__ import annotations

import json
import re
import secrets
import time

from web.accounts import Accounts

KEEP_SECONDS = 24 * 3600
WAIT_SECONDS = 30.0
_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,100}$")


def new_key() -> str:
    return secrets.token_urlsafe(16)


def valid_key(key: str | None) -> bool:
    return bool(key and _KEY.match(key))


class Idempotency:
    """Claim / finish / look up keys in the ``idempotency`` table of web.db (blocking calls)."""

    def __init__(self, accounts: Accounts):
        self.db = accounts.db
        self._lock = accounts._lock

    def claim(self, scope: str, key: str) -> tuple[bool, dict | None]:
        """(True, None) if this request owns the key now; (False, result) if it was done before
        (result None while the first delivery is still working)."""
        now = time.time()
        with self._lock, self.db.atomic():
            self.db.execute("DELETE FROM idempotency WHERE created_at < ?", (now - KEEP_SECONDS,))
            row = self.db.execute("SELECT result FROM idempotency WHERE scope=? AND key=?",
                                  (scope, key)).fetchone()
            if row is None:
                self.db.execute("INSERT INTO idempotency (scope, key, created_at) VALUES (?, ?, ?)",
                                (scope, key, now))
                return True, None
        return False, (json.loads(row[0]) if row[0] is not None else None)

    def finish(self, scope: str, key: str, result: dict) -> None:
        with self._lock, self.db.atomic():
            self.db.execute("UPDATE idempotency SET result=? WHERE scope=? AND key=?",
                            (json.dumps(result, ensure_ascii=False), scope, key))

    def release(self, scope: str, key: str) -> None:
        """The work failed: forget the claim so a retry may do it."""
        with self._lock, self.db.atomic():
            self.db.execute("DELETE FROM idempotency WHERE scope=? AND key=? AND result IS NULL", (scope, key))

    def wait(self, scope: str, key: str, timeout: float = WAIT_SECONDS) -> dict | None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self._lock:
                row = self.db.execute("SELECT result FROM idempotency WHERE scope=? AND key=?",
                                      (scope, key)).fetchone()
            if row is None:
                return None
            if row[0] is not None:
                return json.loads(row[0])
            time.sleep(0.05)
        return None


async def once(idem: Idempotency, scope: str, key: str | None, work) -> dict:
    """Run ``await work()`` (returning a JSON-able dict) once per ``(scope, key)``; without a
    valid key, just run it. A repeat returns the stored result."""
    from fastapi.concurrency import run_in_threadpool

    from web.deps import Refused

    if not valid_key(key):
        return await work()
    owned, result = await run_in_threadpool(idem.claim, scope, key)
    if not owned:
        if result is None:
            result = await run_in_threadpool(idem.wait, scope, key)
        if result is None:
            raise Refused("同样的请求正在处理中，请稍后刷新查看结果。", 409)
        return result
    try:
        result = await work()
    except BaseException:
        await run_in_threadpool(idem.release, scope, key)
        raise
    await run_in_threadpool(idem.finish, scope, key, result)
    return result
