"""The quiz database connection: WAL, busy timeout, migrations, transactions and secrets.

Every writer takes SQLite's write lock up front (``BEGIN IMMEDIATE``), so a check and the write
it guards (e.g. "fewer scored attempts than allowed" and the INSERT of a new attempt) happen in
one serialised transaction even across processes. ``synchronous=FULL``: an answer the bot has
acknowledged survives a power cut, not just a crash (answers are tiny; the fsync is affordable).
"""
from __future__ import annotations

import secrets
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlite_utils import Database

from quizzes.migrations import migrations


def connect(path: str | Path) -> sqlite3.Connection:
    """Open ``quiz.db`` (created and migrated if needed) in autocommit mode."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    db = Database(conn)
    # Under the write lock, so two processes opening a fresh file do not both migrate it.
    with write(conn):
        migrations.apply(db)
    return conn


@contextmanager
def write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction holding the database write lock from the start."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def meta_secret(conn: sqlite3.Connection, key: str) -> bytes:
    """A random 32-byte secret stored once in ``meta`` (the first process to ask creates it)."""
    row = conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
    if row is None:
        conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)", (key, secrets.token_hex(32)))
        row = conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
    return bytes.fromhex(row[0])
