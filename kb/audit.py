"""The audit trail: who changed the corpus or its curated material, when, and what.

Every state change staff make (loading, correcting, rolling back, repealing or removing a law,
accepting or dropping a question view, re-approving a quiz question or FAQ pair) writes one row in
the same transaction as the change itself, so the trail never misses a change nor records one that
did not happen. ``actor`` names the person by channel: ``cli:alice``, ``telegram:123456``,
``web:staff-login``; times are stored in UTC and shown in the configured time zone.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

SYSTEM = "system"


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str  # UTC, ISO 8601
    actor: str
    action: str
    law_title: str
    detail: dict


def record(db, actor: str, action: str, law_title: str = "", detail: dict | None = None) -> None:
    """Write one audit row (call inside the transaction that makes the change)."""
    db.execute("INSERT INTO audit_log (actor, action, law_title, detail) VALUES (?, ?, ?, ?)",
               (actor or SYSTEM, action, law_title or "", json.dumps(detail or {}, ensure_ascii=False)))


def entries(db, since: str | None = None, law_title: str | None = None, limit: int = 100) -> list[AuditEntry]:
    """Newest first; ``since`` is a UTC ISO prefix (``2026-12-01`` or a full timestamp)."""
    sql = "SELECT id, at, actor, action, law_title, detail FROM audit_log WHERE 1=1"
    params: list = []
    if since:
        sql += " AND at >= ?"
        params.append(since)
    if law_title:
        sql += " AND law_title = ?"
        params.append(law_title)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(int(limit))
    return [AuditEntry(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in db.execute(sql, params)]
