"""Per-client question limits of the web channel: a sliding 60-second window per address.

The limit itself is the deployment's one questions-per-minute setting, the same the Telegram bot
applies per user. The window lives in memory (it protects the process; a restart forgiving
everyone is harmless); with several worker processes each enforces it on the requests it serves.
"""
from __future__ import annotations

import time
from collections import deque
from typing import Callable

WINDOW = 60.0
MAX_CLIENTS = 100_000


class RateLimiter:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic):
        self.per_minute = per_minute
        self.clock = clock
        self._seen: dict[str, deque[float]] = {}

    def allow(self, key: str) -> float:
        """0.0 if the client may go ahead (and counts it), else seconds until it may."""
        if self.per_minute <= 0:
            return 0.0
        now = self.clock()
        if len(self._seen) > MAX_CLIENTS:
            self.prune(now)
        seen = self._seen.setdefault(key, deque())
        while seen and now - seen[0] >= WINDOW:
            seen.popleft()
        if len(seen) < self.per_minute:
            seen.append(now)
            return 0.0
        return max(1.0, WINDOW - (now - seen[0]))

    def prune(self, now: float) -> None:
        for key in [k for k, d in self._seen.items() if not d or now - d[-1] >= WINDOW]:
            del self._seen[key]
