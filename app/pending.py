"""Staff state that must survive a restart, in SQLite (migration 0003_pending_uploads).

An uploaded law file waits in ``pending_uploads`` (bytes and file name) until a staff member
presses 确认 or 取消 on its preview; the button carries only the row id. ``pending_answers``
remembers which unanswered question a staff member chose to answer. Both expire after 24 hours.
Blocking: call from a worker thread.
"""
from __future__ import annotations

from sqlite_utils import Database

EXPIRY = "-1 days"
_FRESH = "created_at >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?)"


class PendingUploads:
    def __init__(self, db: Database):
        self.db = db

    def add(self, user_ref: str, filename: str, data: bytes, law_title: str = "") -> int:
        with self.db.atomic():
            self.db.execute(f"DELETE FROM pending_uploads WHERE NOT ({_FRESH})", (EXPIRY,))
            cur = self.db.execute(
                "INSERT INTO pending_uploads (user_ref, filename, data, law_title) VALUES (?, ?, ?, ?)",
                (user_ref, filename, data, law_title))
            return cur.lastrowid

    def claim(self, upload_id: int) -> tuple[str, bytes] | None:
        """Mark a fresh pending upload as being processed; None if gone, expired or taken."""
        with self.db.atomic():
            cur = self.db.execute(
                f"UPDATE pending_uploads SET status='processing' WHERE id=? AND status='pending' AND {_FRESH}",
                (upload_id, EXPIRY))
            if cur.rowcount != 1:
                return None
            row = self.db.execute("SELECT filename, data FROM pending_uploads WHERE id=?", (upload_id,)).fetchone()
        return row[0], bytes(row[1])

    def release(self, upload_id: int) -> None:
        """Processing failed: let staff try 确认 again."""
        with self.db.atomic():
            self.db.execute("UPDATE pending_uploads SET status='pending' WHERE id=?", (upload_id,))

    def finish(self, upload_id: int) -> None:
        with self.db.atomic():
            self.db.execute("DELETE FROM pending_uploads WHERE id=?", (upload_id,))

    def cancel(self, upload_id: int) -> bool:
        with self.db.atomic():
            cur = self.db.execute("DELETE FROM pending_uploads WHERE id=? AND status='pending'", (upload_id,))
        return cur.rowcount == 1

    def recover(self) -> int:
        """After a restart nothing is processing any more: make interrupted uploads confirmable."""
        with self.db.atomic():
            return self.db.execute(
                "UPDATE pending_uploads SET status='pending' WHERE status='processing'").rowcount


class PendingAnswers:
    def __init__(self, db: Database):
        self.db = db

    def start(self, user_ref: str, log_id: int) -> None:
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO pending_answers (user_ref, log_id) VALUES (?, ?) ON CONFLICT (user_ref)"
                " DO UPDATE SET log_id=excluded.log_id, created_at=strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
                (user_ref, log_id))

    def current(self, user_ref: str) -> int | None:
        row = self.db.execute(f"SELECT log_id FROM pending_answers WHERE user_ref=? AND {_FRESH}",
                              (user_ref, EXPIRY)).fetchone()
        return row[0] if row else None

    def clear(self, user_ref: str) -> bool:
        with self.db.atomic():
            return self.db.execute("DELETE FROM pending_answers WHERE user_ref=?", (user_ref,)).rowcount > 0
