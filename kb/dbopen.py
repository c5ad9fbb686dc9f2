"""Opening a data directory's SQLite files: read-write when possible, read-only when not.

A data directory may be read-only (a shared volume mounted ``ro``, a copy owned by another user).
Reading commands (``laws``, ``article``, ``search`` …) must still work there, and writing ones must
say so in one Chinese line instead of failing inside SQLite. WAL mode needs the ``-wal`` and
``-shm`` files beside the database, so a database in a directory we cannot write is opened
``immutable`` (nobody can be changing it through this path either); one we can reach but not write
is opened ``mode=ro``; a database that does not exist in an unwritable place is an empty, migrated
in-memory one (so ``lawbot laws`` says nothing has been loaded). Every read-only connection has
``PRAGMA query_only`` set, and :func:`ensure_writable` turns a write attempt into
:class:`kb.errors.ReadOnlyHomeError` before any SQL runs. Used by ``kb.store`` (``lawbot.db``) and
``quizzes.store`` (``quiz.db``).
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from kb.errors import ReadOnlyHomeError


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
            conn.execute("PRAGMA journal_mode=WAL")
            return conn, False
        except sqlite3.OperationalError:  # e.g. a read-only mount os.access could not tell
            conn.close()
    if path.exists():
        flags = "mode=ro" if os.access(path.parent, os.W_OK) else "immutable=1"
        uri = f"file:{quote(str(path.resolve()))}?{flags}"
        conn = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=False)
    else:
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    return conn, True


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
