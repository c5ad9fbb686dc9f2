"""Flood safety for citizens' questions: a per-user sliding window and input sanity checks.

The window lives in memory on purpose: it protects the process, not data that matters, and a
restart forgiving everyone is harmless. Outgoing flood limits (Telegram's 429s) are PTB's
``AIORateLimiter``'s job, configured in ``app``.
"""
from __future__ import annotations

import time
import unicodedata
from collections import deque
from typing import Callable

from kb.normalize import too_long as _too_long

WINDOW = 60.0


class QuestionLimiter:
    """At most ``per_minute`` questions per user in any 60 s; one polite refusal per window."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic):
        self.per_minute = per_minute
        self.clock = clock
        self._seen: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}
        self._checks = 0

    def check(self, user_id: int) -> str:
        """``"ok"``, ``"refuse"`` (reply politely) or ``"drop"`` (already told this minute)."""
        if self.per_minute <= 0:
            return "ok"
        self._checks += 1
        if self._checks % 1000 == 0:
            self.prune()
        now = self.clock()
        seen = self._seen.setdefault(user_id, deque())
        while seen and now - seen[0] >= WINDOW:
            seen.popleft()
        if len(seen) < self.per_minute:
            seen.append(now)
            self._warned.pop(user_id, None)
            return "ok"
        if now - self._warned.get(user_id, -WINDOW) >= WINDOW:
            self._warned[user_id] = now
            return "refuse"
        return "drop"

    def prune(self) -> None:
        """Forget users idle for a whole window (keeps memory flat with many users)."""
        now = self.clock()
        for uid in [u for u, d in self._seen.items() if not d or now - d[-1] >= WINDOW]:
            self._seen.pop(uid, None)
            self._warned.pop(uid, None)


def too_long(text: str) -> bool:
    """The core's one question-length rule (:mod:`kb.normalize`), markup not counted."""
    return _too_long(text)


def has_words(text: str) -> bool:
    """True if the text has a letter or digit (emoji, punctuation and spaces alone are not a question)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)
