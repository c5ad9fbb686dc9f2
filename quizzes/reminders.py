"""6·5 air-raid-alarm reminders: subscriptions and a resumable once-a-year broadcast (no Telegram).

Every year at ``settings.reminder_at`` ("MM-DD HH:MM", local time in ``settings.timezone``)
subscribers get one message about the air-raid siren test. The occasion has a key
(``"6-5:<year>"``); :meth:`Reminders.start_broadcast` creates the broadcast for a key at most
once, together with one ``deliveries`` row per active subscriber (a snapshot, in the same
transaction), so a restart, a second process or a second check never starts a second round.
The sender takes :meth:`Reminders.pending` rows, sends, and marks each row ``sent`` only after
the channel accepted the message; a refused one is ``failed`` (a subscriber who blocked the bot
is unsubscribed). Rows still ``pending`` after a restart are sent then. The one window left is a
hard crash between the channel accepting a message and the row being marked: that subscriber
gets it twice (at-least-once); a graceful stop lets the message in flight finish first.

Blocking and short, like the engine: the bot calls it from its quiz worker thread.
"""
from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from quizzes.errors import QuizError

KEY_PREFIX = "6-5"
GRACE_S = 6 * 3600  # started later than this after its time, a reminder is pointless (the test is over)
MAX_TRIES = 5  # transient failures (network) before a delivery is given up


@dataclass(frozen=True)
class Occasion:
    """One yearly reminder: its key and the moment it is due (Unix seconds)."""

    key: str
    at: float
    local: datetime  # the same moment in the configured time zone, for messages

    def due(self, now: float, grace: float = GRACE_S) -> bool:
        return self.at <= now < self.at + grace


@dataclass(frozen=True)
class Broadcast:
    id: int
    key: str
    text: str
    created_at: float
    finished_at: float | None
    pending: int = 0
    sent: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.sent + self.failed


# ---- when --------------------------------------------------------------------------------------

def parse_reminder_at(text: str) -> tuple[int, int, int, int]:
    """``"06-05 09:00"`` → (6, 5, 9, 0); QuizError for anything else."""
    try:
        day, clock = text.strip().split()
        month, mday = (int(x) for x in day.split("-"))
        hour, minute = (int(x) for x in clock.split(":"))
        datetime(2000, month, mday, hour, minute)  # validates ranges (2000 is a leap year)
    except (ValueError, AttributeError):
        raise QuizError(f"提醒时间“{text}”格式不对，应为“月-日 时:分”，例如 06-05 09:00。") from None
    return month, mday, hour, minute


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise QuizError(f"时区“{name}”无效，例如 Asia/Shanghai。") from None


def occasion(year: int, reminder_at: str, timezone: str) -> Occasion | None:
    """The reminder of ``year``; None when the date does not exist that year (29 Feb)."""
    month, mday, hour, minute = parse_reminder_at(reminder_at)
    try:
        local = datetime(year, month, mday, hour, minute, tzinfo=zone(timezone))
    except ValueError:
        return None
    return Occasion(f"{KEY_PREFIX}:{year}", local.timestamp(), local)


def due_occasion(now: float, reminder_at: str, timezone: str, grace: float = GRACE_S) -> Occasion | None:
    """The occasion to broadcast at ``now``: this (local) year's, from its time until ``grace``."""
    year = datetime.fromtimestamp(now, zone(timezone)).year
    for y in (year, year - 1):  # a reminder at 31 Dec 23:00 is still due just after midnight
        occ = occasion(y, reminder_at, timezone)
        if occ is not None and occ.due(now, grace):
            return occ
    return None


def next_occasion(now: float, reminder_at: str, timezone: str) -> Occasion:
    """The next reminder strictly after ``now`` (for "下次提醒：…")."""
    year = datetime.fromtimestamp(now, zone(timezone)).year
    for y in range(year, year + 9):
        occ = occasion(y, reminder_at, timezone)
        if occ is not None and occ.at > now:
            return occ
    raise QuizError("无法计算下次提醒时间。")  # unreachable for a valid MM-DD


# ---- who and what was sent ----------------------------------------------------------------------

class Reminders:
    """Subscriptions, broadcasts and deliveries in ``quiz.db`` (one connection, one thread)."""

    def __init__(self, conn: sqlite3.Connection, clock: Callable[[], float] = time.time):
        self.conn = conn
        self.clock = clock

    @classmethod
    def open(cls, path: str | Path, clock: Callable[[], float] = time.time) -> "Reminders":
        from quizzes.db import connect

        return cls(connect(path), clock)

    def close(self) -> None:
        self.conn.close()

    def _write(self):
        from quizzes.db import write

        return write(self.conn)

    # ---- subscribers ----

    def subscribe(self, chat_id: int, user_ref: str) -> bool:
        """True when newly subscribed (or re-subscribed); False when already subscribed."""
        with self._write():
            row = self.conn.execute("SELECT active FROM subscribers WHERE chat_id=?", (chat_id,)).fetchone()
            if row is not None and row[0]:
                return False
            self.conn.execute(
                "INSERT INTO subscribers (chat_id, user_ref, subscribed_at, active) VALUES (?, ?, ?, 1)"
                " ON CONFLICT (chat_id) DO UPDATE SET active=1, user_ref=excluded.user_ref,"
                " subscribed_at=excluded.subscribed_at", (chat_id, user_ref, self.clock()))
            return True

    def unsubscribe(self, chat_id: int) -> bool:
        """True when a subscription was ended. Pending deliveries to the chat are dropped too."""
        with self._write():
            changed = self.conn.execute("UPDATE subscribers SET active=0 WHERE chat_id=? AND active=1",
                                        (chat_id,)).rowcount
            self.conn.execute("UPDATE deliveries SET status='failed', error='unsubscribed'"
                              " WHERE chat_id=? AND status='pending'", (chat_id,))
        return changed == 1

    def is_subscribed(self, chat_id: int) -> bool:
        row = self.conn.execute("SELECT active FROM subscribers WHERE chat_id=?", (chat_id,)).fetchone()
        return bool(row and row[0])

    def subscriber_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM subscribers WHERE active=1").fetchone()[0]

    # ---- broadcasts ----

    def start_broadcast(self, key: str, text: str) -> Broadcast:
        """The broadcast for ``key``, created now (with its delivery snapshot) or found as it is.

        Idempotent: a second call for the same key changes nothing and returns the first one.
        """
        with self._write():
            now = self.clock()
            cur = self.conn.execute("INSERT OR IGNORE INTO broadcasts (key, text, created_at) VALUES (?, ?, ?)",
                                    (key, text, now))
            if cur.rowcount == 1:
                self.conn.execute(
                    "INSERT INTO deliveries (broadcast_id, chat_id) SELECT ?, chat_id FROM subscribers"
                    " WHERE active=1", (cur.lastrowid,))
        return self.broadcast(key)

    def broadcast(self, key_or_id: str | int) -> Broadcast | None:
        column = "id" if isinstance(key_or_id, int) else "key"
        row = self.conn.execute(f"SELECT id, key, text, created_at, finished_at FROM broadcasts WHERE {column}=?",
                                (key_or_id,)).fetchone()
        if row is None:
            return None
        counts = dict(self.conn.execute("SELECT status, count(*) FROM deliveries WHERE broadcast_id=?"
                                        " GROUP BY status", (row[0],)).fetchall())
        return Broadcast(*row, pending=counts.get("pending", 0), sent=counts.get("sent", 0),
                         failed=counts.get("failed", 0))

    def unfinished(self) -> list[Broadcast]:
        ids = [r[0] for r in self.conn.execute("SELECT id FROM broadcasts WHERE finished_at IS NULL ORDER BY id")]
        return [self.broadcast(i) for i in ids]

    def pending(self, broadcast_id: int, limit: int = 100) -> list[int]:
        """Chat ids still to be sent, in a stable order (resumes where it stopped)."""
        return [r[0] for r in self.conn.execute(
            "SELECT chat_id FROM deliveries WHERE broadcast_id=? AND status='pending' ORDER BY chat_id LIMIT ?",
            (broadcast_id, limit))]

    def mark_sent(self, broadcast_id: int, chat_id: int) -> bool:
        """Record that the channel accepted the message; False if it was not pending (no change)."""
        with self._write():
            return self.conn.execute(
                "UPDATE deliveries SET status='sent', sent_at=?, tries=tries+1, error=NULL"
                " WHERE broadcast_id=? AND chat_id=? AND status='pending'",
                (self.clock(), broadcast_id, chat_id)).rowcount == 1

    def mark_failed(self, broadcast_id: int, chat_id: int, error: str, unsubscribe: bool = False) -> bool:
        """A permanent refusal (blocked, chat gone); ``unsubscribe`` ends the subscription too."""
        with self._write():
            changed = self.conn.execute(
                "UPDATE deliveries SET status='failed', tries=tries+1, error=? WHERE broadcast_id=? AND chat_id=?"
                " AND status='pending'", (error[:200], broadcast_id, chat_id)).rowcount
            if unsubscribe:
                self.conn.execute("UPDATE subscribers SET active=0 WHERE chat_id=?", (chat_id,))
        return changed == 1

    def retry_later(self, broadcast_id: int, chat_id: int, error: str, max_tries: int = MAX_TRIES) -> bool:
        """A transient failure: stays pending unless it has failed ``max_tries`` times. True if it
        will be tried again."""
        with self._write():
            self.conn.execute(
                "UPDATE deliveries SET tries=tries+1, error=?, status=CASE WHEN tries+1>=? THEN 'failed'"
                " ELSE status END WHERE broadcast_id=? AND chat_id=? AND status='pending'",
                (error[:200], max_tries, broadcast_id, chat_id))
            row = self.conn.execute("SELECT status FROM deliveries WHERE broadcast_id=? AND chat_id=?",
                                    (broadcast_id, chat_id)).fetchone()
        return bool(row and row[0] == "pending")

    def finish(self, broadcast_id: int) -> bool:
        """Close a broadcast with nothing pending; False while deliveries remain."""
        with self._write():
            left = self.conn.execute("SELECT 1 FROM deliveries WHERE broadcast_id=? AND status='pending' LIMIT 1",
                                     (broadcast_id,)).fetchone()
            if left:
                return False
            self.conn.execute("UPDATE broadcasts SET finished_at=? WHERE id=? AND finished_at IS NULL",
                              (self.clock(), broadcast_id))
        return True

    def abandon(self, broadcast_id: int, error: str = "expired") -> int:
        """Give up what is still pending (too late to be useful) and close the broadcast."""
        with self._write():
            n = self.conn.execute("UPDATE deliveries SET status='failed', error=? WHERE broadcast_id=?"
                                  " AND status='pending'", (error, broadcast_id)).rowcount
            self.conn.execute("UPDATE broadcasts SET finished_at=? WHERE id=? AND finished_at IS NULL",
                              (self.clock(), broadcast_id))
        return n
