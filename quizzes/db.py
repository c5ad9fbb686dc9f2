"""The quiz database connection (``quiz.db``): WAL, busy timeout, migrations, transactions and secrets.

Every writer takes SQLite's write lock up front (``BEGIN IMMEDIATE``), so a check and the write
it guards (e.g. "fewer scored attempts than allowed" and the INSERT of a new attempt) happen in
one serialised transaction even across processes. ``synchronous=FULL``: an answer the bot has
acknowledged survives a power cut, not just a crash. The fsync (~3 ms here) is paid once per
:func:`group` of steps: a web worker runs the requests that arrived together in one transaction
(each in a savepoint) and acknowledges them after its one commit.
A data directory that cannot be written is opened read-only (``kb.dbopen``): reading works, and a
write transaction ends in :class:`kb.errors.ReadOnlyHomeError` with one Chinese line.
"""
from __future__ import annotations

import secrets
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Sequence, TypeVar

from sqlite_utils import Database

from kb import dbopen
from kb.errors import ReadOnlyHomeError
from quizzes.migrations import migrations

T = TypeVar("T")


def connect(path: str | Path) -> sqlite3.Connection:
    """Open ``quiz.db`` (created and migrated if needed) in autocommit mode."""
    path = Path(path)
    conn, read_only = dbopen.connect(path)  # read-only when the data directory is not writable
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("PRAGMA foreign_keys=ON")
    db = Database(conn)
    if not read_only:
        conn.execute("PRAGMA synchronous=FULL")
        # Under the write lock, so two processes opening a fresh file do not both migrate it.
        with write(conn):
            migrations.apply(db)
        return conn
    if not path.exists():
        migrations.apply(db)  # an empty in-memory quiz.db: nothing to show, nothing to change
    elif migrations.pending(db):
        raise ReadOnlyHomeError(f"数据目录 {path.parent} 由旧版本建立且不可写：请在可写的位置运行一次 lawbot 以升级。")
    dbopen.seal(conn)
    return conn


@contextmanager
def write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction holding the database write lock from the start. Inside a
    transaction already open (a :func:`group` of steps) it is a savepoint of that transaction."""
    if conn.in_transaction:
        with _savepoint(conn, "write"):
            yield conn
        return
    read_only = dbopen.is_read_only(conn)
    conn.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")  # reads still work read-only
    try:
        yield conn
    except sqlite3.OperationalError as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if read_only and "readonly" in str(exc):
            raise dbopen.read_only_error(conn) from None
        raise
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


@contextmanager
def _savepoint(conn: sqlite3.Connection, name: str) -> Iterator[sqlite3.Connection]:
    conn.execute(f"SAVEPOINT {name}")
    try:
        yield conn
    except BaseException:
        conn.execute(f"ROLLBACK TO {name}")
        conn.execute(f"RELEASE {name}")
        raise
    conn.execute(f"RELEASE {name}")


def group(conn: sqlite3.Connection, steps: Sequence[Callable[[], T]]) -> list[T | BaseException]:
    """Run ``steps`` in ONE write transaction, one commit (one fsync) for all: each step in its
    own savepoint, so a step that raises is undone alone and gets its exception as its result.
    Nothing is returned before the commit: a caller may acknowledge every result at once. If
    the commit itself fails, every step gets that error. On a read-only database the steps
    simply run one after the other (their writes raise as usual)."""
    if dbopen.is_read_only(conn) or conn.in_transaction:
        return [_outcome(step) for step in steps]
    conn.execute("BEGIN IMMEDIATE")
    try:
        out: list[T | BaseException] = []
        for step in steps:
            try:
                with _savepoint(conn, "step"):
                    out.append(step())
            except Exception as exc:  # noqa: BLE001 - this step's own failure, undone alone
                out.append(exc)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return out


def _outcome(step: Callable[[], T]) -> T | BaseException:
    try:
        return step()
    except Exception as exc:  # noqa: BLE001 - returned to its caller like group() does
        return exc


def meta_secret(conn: sqlite3.Connection, key: str) -> bytes:
    """A random 32-byte secret stored once in ``meta`` (the first process to ask creates it)."""
    row = conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
    if row is None and dbopen.is_read_only(conn):
        return secrets.token_bytes(32)  # a read-only, empty quiz.db: nothing signed to check
    if row is None:
        conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)", (key, secrets.token_hex(32)))
        row = conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
    return bytes.fromhex(row[0])
