"""Staff accounts of the web console: scrypt-hashed passwords and server-side sessions.

Passwords are hashed with scrypt (memory-hard: n=2^14, r=8, p=1, 16 MiB per check) and a random
salt; a session is a random id whose SHA-256 is stored with its CSRF token and expiry, so logging
out (deleting the row) ends it in every worker process at once. Passwords, session ids and tokens
are never logged. Blocking SQLite calls: run them off the event loop.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from kb.errors import KBError
from bot.web.migrations import migrations

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
MIN_PASSWORD, MAX_PASSWORD, MAX_NAME = 8, 256, 64


class AccountError(KBError):
    """A staff account that cannot be created (bad name, weak password)."""


@dataclass(frozen=True)
class StaffSession:
    name: str
    csrf: str
    expires_at: float


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            maxmem=64 * 1024 * 1024, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                             maxmem=64 * 1024 * 1024, dklen=len(bytes.fromhex(digest)))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got.hex(), digest)


_DUMMY_HASH = None


def _dummy_hash() -> str:
    """A hash to check unknown names against, so a login takes as long for any name."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_hex(8))
    return _DUMMY_HASH


def _id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class Accounts:
    """Staff and sessions in ``web.db`` (WAL; safe across threads and worker processes)."""

    def __init__(self, path: str | Path):
        from kb.dbopen import connect, seal
        from kb.store import WriteDatabase

        conn, self.read_only = connect(Path(path))  # a read-only home: reading works, writes refused
        conn.execute("PRAGMA foreign_keys=ON")
        self.db = WriteDatabase(conn)
        self._lock = threading.Lock()
        with self._lock:
            if not self.read_only or not Path(path).exists():
                migrations.apply(self.db)
            if self.read_only:
                seal(conn)

    def ensure_writable(self) -> None:
        """Raise :class:`kb.errors.ReadOnlyHomeError` (one Chinese line) on a read-only home."""
        from kb.dbopen import ensure_writable

        ensure_writable(self.db.conn)

    def close(self) -> None:
        self.db.conn.close()

    # ---- accounts ----

    def set_password(self, name: str, password: str) -> bool:
        """Create the account or change its password; True when it was created."""
        name = (name or "").strip()
        if not name or len(name) > MAX_NAME or any(ch.isspace() for ch in name):
            raise AccountError(f"用户名不能为空、不能含空格，且不超过 {MAX_NAME} 个字符。")
        if not MIN_PASSWORD <= len(password or "") <= MAX_PASSWORD:
            raise AccountError(f"密码长度须为 {MIN_PASSWORD}～{MAX_PASSWORD} 个字符。")
        self.ensure_writable()
        hashed = hash_password(password)
        with self._lock, self.db.atomic():
            existed = self.db.execute("SELECT 1 FROM staff WHERE name=?", (name,)).fetchone()
            self.db.execute(
                "INSERT INTO staff (name, password_hash) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET"
                " password_hash=excluded.password_hash, updated_at=strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
                (name, hashed))
            if existed:  # a new password ends the sessions opened with the old one
                self.db.execute("DELETE FROM staff_sessions WHERE name=?", (name,))
        return not existed

    def names(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self.db.execute("SELECT name FROM staff ORDER BY name").fetchall()]

    def check(self, name: str, password: str) -> bool:
        if len(password or "") > MAX_PASSWORD or len(name or "") > MAX_NAME:
            return False
        with self._lock:
            row = self.db.execute("SELECT password_hash FROM staff WHERE name=?", (name,)).fetchone()
        ok = verify_password(password or "", row[0] if row else _dummy_hash())
        return bool(row) and ok

    # ---- sessions ----

    def open_session(self, name: str, hours: int) -> tuple[str, StaffSession]:
        """A new session: (the id for the cookie, the session)."""
        self.ensure_writable()
        session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = time.time()
        session = StaffSession(name, csrf, now + hours * 3600)
        with self._lock, self.db.atomic():
            self.db.execute("DELETE FROM staff_sessions WHERE expires_at < ?", (now,))
            self.db.execute(
                "INSERT INTO staff_sessions (id_hash, name, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                (_id_hash(session_id), name, csrf, now, session.expires_at))
        return session_id, session

    def session(self, session_id: str) -> StaffSession | None:
        with self._lock:
            row = self.db.execute(
                "SELECT name, csrf, expires_at FROM staff_sessions WHERE id_hash=? AND expires_at > ?",
                (_id_hash(session_id), time.time())).fetchone()
        return StaffSession(*row) if row else None

    def close_session(self, session_id: str) -> bool:
        with self._lock, self.db.atomic():
            return self.db.execute("DELETE FROM staff_sessions WHERE id_hash=?",
                                   (_id_hash(session_id),)).rowcount > 0
