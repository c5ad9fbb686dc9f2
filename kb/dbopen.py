"""Opening a data directory's SQLite files: read-write when possible, read-only when not.

A data directory may be read-only (a shared volume mounted ``ro``, a copy owned by another user).
Reading commands (``laws``, ``article``, ``search`` …) must still work there, and writing ones must
say so in one Chinese line instead of failing inside SQLite. WAL mode needs the ``-wal`` and
``-shm`` files beside the database: a database we cannot write is opened ``mode=ro``, which
also reads commits still in its WAL file (a home copied while in use), and ``immutable`` only when
that is impossible (no WAL index can be made in a read-only directory); a database that does not
exist in an unwritable place is an empty, migrated in-memory one (so ``lawbot laws`` says nothing
has been loaded). Every read-only connection has
``PRAGMA query_only`` set, and :func:`ensure_writable` turns a write attempt into
:class:`kb.errors.ReadOnlyHomeError` before any SQL runs. Used by ``kb.store`` (``lawbot.db``) and
``quizzes.db`` (``quiz.db``).
"""
from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

from kb.errors import ReadOnlyHomeError

T = TypeVar("T")


def is_locked(exc: BaseException) -> bool:
    """SQLite's "database is locked"/"busy": another connection holds the lock right now."""
    return isinstance(exc, sqlite3.OperationalError) and any(w in str(exc) for w in ("locked", "busy"))


def retry_locked(fn: Callable[[], T], *, timeout: float = 30.0) -> T:
    """``fn()``, tried again while SQLite says the database is locked, up to ``timeout`` seconds.

    The busy timeout covers ordinary writes, but SQLite returns SQLITE_BUSY at once, without
    waiting, in a few places: switching a new file to WAL while another connection opens it, and
    the first read of a WAL file another connection is still creating. Several threads or
    processes opening one new file at the same moment meet exactly these."""
    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        try:
            return fn()
        except sqlite3.OperationalError as exc:
            if not is_locked(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.2)


def writable(path: Path) -> bool:
    """Whether a SQLite file at ``path`` can be created or written, with its WAL files beside it."""
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    if not os.access(parent, os.W_OK | os.X_OK):
        return False
    return not path.exists() or os.access(path, os.W_OK)


def connect(path: str | Path, *, timeout: float = 30.0) -> tuple[sqlite3.Connection, bool]:
    """``(connection, read_only)``. Autocommit mode, usable from several threads (one at a time)."""
    path = Path(path)
    if writable(path):
        conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None, check_same_thread=False)
        try:
            retry_locked(lambda: conn.execute("PRAGMA journal_mode=WAL"), timeout=timeout)
            return conn, False
        except sqlite3.OperationalError as exc:  # e.g. a read-only mount os.access could not tell
            conn.close()
            if not any(word in str(exc) for word in ("readonly", "read-only", "unable to open")):
                raise  # "database is locked" and the like are not a read-only home
    if not path.exists():
        return sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False), True
    wal = path.with_name(path.name + "-wal")
    if os.access(path.parent, os.W_OK) or (wal.exists() and wal.stat().st_size > 0):
        try:  # read-only, but with the commits still in the WAL file (a home copied while in use)
            return _open_uri(path, "mode=ro", timeout), True
        except sqlite3.OperationalError:
            pass  # the WAL index cannot be opened here: the main file alone is all we can read
    return _open_uri(path, "immutable=1", timeout), True


def _open_uri(path: Path, flags: str, timeout: float) -> sqlite3.Connection:
    uri = f"file:{quote(str(path.resolve()))}?{flags}"
    conn = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        conn.close()
        raise
    return conn


def seal(conn: sqlite3.Connection) -> None:
    """Refuse writes on a read-only connection from now on (after an in-memory one is migrated)."""
    conn.execute("PRAGMA query_only=ON")


def is_read_only(conn: sqlite3.Connection) -> bool:
    return bool(conn.execute("PRAGMA query_only").fetchone()[0])


def read_only_error(conn: sqlite3.Connection) -> ReadOnlyHomeError:
    """The one Chinese line a writing command ends with on a read-only data directory."""
    main = next((row[2] for row in conn.execute("PRAGMA database_list") if row[1] == "main"), "")
    where = f" {Path(main).parent}" if main else ""
    return ReadOnlyHomeError(f"数据目录{where}不可写，无法保存更改（只读命令仍可使用）。")


def ensure_writable(conn: sqlite3.Connection) -> None:
    if is_read_only(conn):
        raise read_only_error(conn)
