"""Certificate review: a flagged participant's certificate is held; organisers release or revoke.

A participant with an answer faster than a human could give it appears in ``campaign flagged``;
when the campaign's ``hold_flagged`` option is on (the default) the certificate of such a passed
attempt is stored ``held`` (a trigger of migration 0003 does it in the finishing transaction), so
it is neither shown nor verifiable as valid until an organiser looks. ``release`` makes it valid;
``revoke`` (with a reason, also for a valid certificate found wrong later) makes verification say
revoked and why. Every change records who and when; repeating a change is a no-op.
"""
from __future__ import annotations

import sqlite3
import unicodedata
from dataclasses import dataclass

from quizzes.errors import NotFound, QuizError

STATUSES = ("valid", "held", "revoked")
STATUS_TEXT = {"valid": "有效", "held": "待复核", "revoked": "已撤销"}
MAX_REASON = 200


@dataclass(frozen=True)
class Change:
    code: str
    before: str
    after: str
    changed: bool  # False when the certificate already had that status


def clean_reason(reason: str) -> str:
    text = " ".join(unicodedata.normalize("NFKC", reason or "").split())
    if len(text) < 2:
        raise QuizError("撤销证书时请写明原因（例如：复核发现代答）。")
    if len(text) > MAX_REASON:
        raise QuizError(f"撤销原因太长了（最多 {MAX_REASON} 个字）。")
    return text


def _status(conn: sqlite3.Connection, code: str) -> str:
    row = conn.execute("SELECT status FROM certificates WHERE code = ?", (code,)).fetchone()
    if row is None:
        raise NotFound(f"没有编号为 {code} 的证书。")
    return row[0]


def revoke(conn: sqlite3.Connection, code: str, reason: str, by: str, now: float) -> Change:
    """Inside a write transaction. A held or valid certificate becomes revoked with ``reason``."""
    reason = clean_reason(reason)
    before = _status(conn, code)
    if before == "revoked":
        return Change(code, before, before, False)
    conn.execute("UPDATE certificates SET status = 'revoked', reason = ?, reviewed_at = ?, reviewed_by = ?"
                 " WHERE code = ?", (reason, now, by, code))
    return Change(code, before, "revoked", True)


def release(conn: sqlite3.Connection, code: str, by: str, now: float) -> Change:
    """Inside a write transaction. A held certificate becomes valid; a revoked one stays revoked
    (revocation is final: issue a decision in writing instead)."""
    before = _status(conn, code)
    if before == "valid":
        return Change(code, before, before, False)
    if before == "revoked":
        raise QuizError(f"证书 {code} 已被撤销，不能再发放。")
    conn.execute("UPDATE certificates SET status = 'valid', reason = '', reviewed_at = ?, reviewed_by = ?"
                 " WHERE code = ?", (now, by, code))
    return Change(code, before, "valid", True)


def held_codes(conn: sqlite3.Connection, campaign_id: int) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT code FROM certificates WHERE campaign_id = ? AND status = 'held' ORDER BY issued_at",
        (campaign_id,))]
