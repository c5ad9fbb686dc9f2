"""Schema of the web channel's own database (``<home>/web.db``), changed only by appending
numbered migrations.

Staff accounts and their sessions live apart from the statute store so that a login never
contends with a corpus update, and so that the statute store holds no credentials.
"""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("lawbot.web")


def _run(db: Database, script: str) -> None:
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


@migrations(name="0001_staff")
def m0001_staff(db: Database) -> None:
    _run(
        db,
        """
        CREATE TABLE staff (
            name TEXT PRIMARY KEY,
            password_hash TEXT NOT NULL,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        );
        -- one row per logged-in browser: the cookie holds the signed id, the table only its hash
        CREATE TABLE staff_sessions (
            id_hash TEXT PRIMARY KEY,
            name TEXT NOT NULL REFERENCES staff(name) ON DELETE CASCADE,
            csrf TEXT NOT NULL,
            created_at REAL NOT NULL,
            expires_at REAL NOT NULL
        );
        CREATE INDEX staff_sessions_expiry ON staff_sessions (expires_at)
        """,
    )


@migrations(name="0002_upload_jobs")
def m0002_upload_jobs(db: Database) -> None:
    _run(
        db,
        """
        -- a confirmed upload being loaded and indexed in the background: the page polls this row
        CREATE TABLE upload_jobs (
            upload_id INTEGER PRIMARY KEY,
            staff TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
            message TEXT NOT NULL DEFAULT '',
            result TEXT,
            started_at REAL NOT NULL,
            finished_at REAL
        )
        """,
    )
