"""The inbox: every state-changing request is handled once, however often it is delivered.

Telegram delivers an update again when the bot restarts before confirming it (the next
``getUpdates``) or when a webhook POST timed out; a web client retries a POST after a network
error. Handling such a repeat again would take a registration answer for the next field or send a
second reply. So each channel records the request's key here *before* its handlers run:

* Telegram: ``channel="telegram:<bot id>"``, ``key=str(update.update_id)`` — the same call for long
  polling and webhooks (``bot/telegram/inbox.py``), since both feed the Application's update queue.
* Web: ``channel="web"``, ``key=<Idempotency-Key header>``; the handler stores the response it sent
  with :meth:`Inbox.complete`, and a retry gets that response back from :meth:`Inbox.claim`.

:meth:`Inbox.claim` is one ``INSERT OR IGNORE`` in its own SQLite file (``<home>/inbox.db``, WAL),
so two deliveries racing each other (concurrent updates, two web workers) are decided by SQLite:
exactly one claim wins. Keys older than :data:`KEEP_S` are pruned (Telegram forgets undelivered
updates after 24 hours, so a week is ample). A request whose process died *after* the claim is not
handled again (at most once): the user sees no reply and asks again, which is safer than taking a
registration answer twice. If the inbox itself cannot be written (a full disk), the claim lets the
request through and says so in the log: the bot keeps answering.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kb.dbopen import retry_locked

log = logging.getLogger(__name__)

FILE_NAME = "inbox.db"
KEEP_S = 7 * 24 * 3600.0
PRUNE_EVERY = 1000  # claims between two prunes
_SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox (
    channel TEXT NOT NULL,
    key TEXT NOT NULL,
    received_at REAL NOT NULL,
    response TEXT,
    PRIMARY KEY (channel, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS inbox_received ON inbox (received_at);
"""


@dataclass(frozen=True)
class Seen:
    """A key delivered before: when, and the response recorded for it (None while in progress
    or when the channel records none)."""

    received_at: float
    response: str | None


class Inbox:
    """Thread-safe; one connection, opened on first use and reopened after :meth:`close`."""

    def __init__(self, path: Path, *, keep_s: float = KEEP_S, clock: Callable[[], float] = time.time):
        self.path = Path(path)
        self.keep_s = keep_s
        self.clock = clock
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._claims = 0

    @classmethod
    def for_home(cls, home: Path, **kwargs) -> Inbox:
        return cls(Path(home) / FILE_NAME, **kwargs)

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None, check_same_thread=False)
            try:  # several processes may create the file at once: SQLite answers "locked" without waiting
                retry_locked(lambda: conn.execute("PRAGMA journal_mode=WAL"), timeout=10.0)
                conn.execute("PRAGMA synchronous=NORMAL")
                retry_locked(lambda: conn.executescript(_SCHEMA), timeout=10.0)
            except BaseException:
                conn.close()
                raise
            self._conn = conn
            self._prune(conn)
        return self._conn

    def claim(self, channel: str, key: str) -> Seen | None:
        """None if this is the first delivery of ``key`` (now recorded: go ahead and handle it);
        the earlier delivery if it is a repeat (do not handle it again)."""
        now = self.clock()
        try:
            with self._lock:
                conn = self._db()
                inserted = retry_locked(lambda: conn.execute(
                    "INSERT OR IGNORE INTO inbox (channel, key, received_at) VALUES (?, ?, ?)",
                    (channel, key, now)).rowcount, timeout=10.0)
                if inserted:
                    self._claims += 1
                    if self._claims % PRUNE_EVERY == 0:
                        self._prune(conn)
                    return None
                row = conn.execute("SELECT received_at, response FROM inbox WHERE channel = ? AND key = ?",
                                   (channel, key)).fetchone()
        except sqlite3.Error as exc:
            log.error("inbox %s not writable (%s): handling %s %s without the repeat check",
                      self.path, exc, channel, key)
            return None
        return Seen(row[0], row[1]) if row else None

    def complete(self, channel: str, key: str, response: str) -> None:
        """Record the response sent for ``key`` so a repeat can be answered with it."""
        with self._lock:
            self._db().execute("UPDATE inbox SET response = ? WHERE channel = ? AND key = ?",
                               (response, channel, key))

    def release(self, channel: str, key: str) -> bool:
        """Forget a claim whose handling failed before changing anything (a refused form), so a
        corrected retry with the same key is handled; a key with a recorded response stays."""
        with self._lock:
            return self._db().execute("DELETE FROM inbox WHERE channel = ? AND key = ? AND response IS NULL",
                                      (channel, key)).rowcount > 0

    def prune(self) -> int:
        """Forget keys older than ``keep_s``; returns how many."""
        with self._lock:
            return self._prune(self._db())

    def _prune(self, conn: sqlite3.Connection) -> int:
        return conn.execute("DELETE FROM inbox WHERE received_at < ?", (self.clock() - self.keep_s,)).rowcount

    def count(self, channel: str | None = None) -> int:
        with self._lock:
            sql, args = ("SELECT count(*) FROM inbox", ()) if channel is None else \
                ("SELECT count(*) FROM inbox WHERE channel = ?", (channel,))
            return self._db().execute(sql, args).fetchone()[0]

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
