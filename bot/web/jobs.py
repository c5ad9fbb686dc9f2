"""Confirmed uploads load in the background: loading a law and rebuilding the index can take
minutes on a small host, longer than a browser or a proxy waits for one response.

The 确认 request records a job row in ``web.db`` and returns at once; the admin worker loads the
file; the status page (``/staff/upload/<id>``, refreshing itself) reads the row, so any worker
process can answer it. A job row is created once per staged upload: a confirmation posted twice
shows the same job. A job still "running" long after it started was cut off by a restart.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

from bot.web.accounts import Accounts

STALE_SECONDS = 3 * 3600


@dataclass(frozen=True)
class Job:
    upload_id: int
    staff: str
    status: str  # running | done | failed
    message: str
    result: dict | None
    started_at: float

    @property
    def interrupted(self) -> bool:
        return self.status == "running" and time.time() - self.started_at > STALE_SECONDS


class UploadJobs:
    def __init__(self, accounts: Accounts):
        self.db, self._lock = accounts.db, accounts._lock

    def start(self, upload_id: int, staff: str) -> bool:
        """Record a new job; False if this upload already has one."""
        with self._lock, self.db.atomic():
            cur = self.db.execute(
                "INSERT OR IGNORE INTO upload_jobs (upload_id, staff, status, started_at) VALUES (?, ?, 'running', ?)",
                (upload_id, staff, time.time()))
            return cur.rowcount == 1

    def finish(self, upload_id: int, message: str, result: dict) -> None:
        self._end(upload_id, "done", message, result)

    def fail(self, upload_id: int, message: str) -> None:
        self._end(upload_id, "failed", message, None)

    def _end(self, upload_id: int, status: str, message: str, result: dict | None) -> None:
        with self._lock, self.db.atomic():
            self.db.execute("UPDATE upload_jobs SET status=?, message=?, result=?, finished_at=? WHERE upload_id=?",
                            (status, message, json.dumps(result, ensure_ascii=False) if result else None,
                             time.time(), upload_id))

    def get(self, upload_id: int) -> Job | None:
        with self._lock:
            row = self.db.execute("SELECT upload_id, staff, status, message, result, started_at FROM upload_jobs"
                                  " WHERE upload_id=?", (upload_id,)).fetchone()
        if row is None:
            return None
        return Job(row[0], row[1], row[2], row[3], json.loads(row[4]) if row[4] else None, row[5])
