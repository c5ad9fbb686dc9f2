"""Campaign rankings, computed by SQLite from the answers table on every call.

Never from a cached total: ``attempts.score`` is written at finish for quick display, but a
ranking sums the answer rows themselves (the ``answers_score`` covering index makes that one
pass over an index). Only finished scored attempts count; a participant with several scored
attempts is ranked by the best one (score, then time, then finish time).

Individuals: score desc, elapsed time (sum of answer latencies; a timeout counts its full
seconds) asc, finish time asc. Schools: average of their participants' best scores desc, then
participants desc, then name; a school the organiser gave a headcount for appears even with no
participants (at the bottom), with its participation rate = participants / headcount. Ordering
by average rather than by raw participants keeps small colleges competitive; the rate and the
participant count are reported beside it for organisers who rank by those instead.
"""
from __future__ import annotations

import sqlite3
from typing import Iterator

_RANKED = """
WITH per AS (
    SELECT t.id AS attempt_id, t.registration_id AS registration_id, t.finished_at AS finished_at,
           t.question_count AS total,
           COALESCE(SUM(a.correct), 0) AS score,
           COALESCE(SUM(a.latency_ms), 0) AS elapsed,
           MAX(t.flagged, COALESCE(MAX(a.flagged), 0)) AS flagged
    FROM attempts t LEFT JOIN answers a ON a.attempt_id = t.id
    WHERE t.campaign_id = :cid AND t.kind = 'scored' AND t.status = 'finished'
    GROUP BY t.id
), best AS (
    SELECT per.*,
           ROW_NUMBER() OVER (PARTITION BY registration_id
                              ORDER BY score DESC, elapsed, finished_at, attempt_id) AS nth,
           MAX(flagged) OVER (PARTITION BY registration_id) AS any_flagged
    FROM per
), ranked AS (
    SELECT ROW_NUMBER() OVER (ORDER BY score DESC, elapsed, finished_at, registration_id) AS rank,
           COUNT(*) OVER () AS ranked_count, best.*
    FROM best WHERE nth = 1
)
"""

_ROWS = _RANKED + """
SELECT {extra}k.rank, k.registration_id, r.name, r.school, r.college, r.class_name, k.score, k.total,
       k.elapsed, k.finished_at, k.score >= c.pass_mark, k.any_flagged, cert.code, r.user_ref
FROM ranked k
JOIN registrations r ON r.id = k.registration_id
JOIN campaigns c ON c.id = :cid
LEFT JOIN certificates cert ON cert.attempt_id = k.attempt_id
"""

_SCHOOLS = _RANKED + """
, schools AS (
    SELECT r.school AS school, COUNT(*) AS participants, AVG(k.score) AS average
    FROM ranked k JOIN registrations r ON r.id = k.registration_id
    GROUP BY r.school
)
SELECT school, participants, average, headcount FROM (
    SELECT s.school, s.participants, s.average, h.headcount
    FROM schools s
    LEFT JOIN school_headcounts h ON h.campaign_id = :cid AND h.school = s.school
    UNION ALL
    SELECT h.school, 0, 0.0, h.headcount FROM school_headcounts h
    WHERE h.campaign_id = :cid AND h.school NOT IN (SELECT school FROM schools)
)
ORDER BY participants > 0 DESC, average DESC, participants DESC, school
"""


def rank_rows(conn: sqlite3.Connection, campaign_id: int, limit: int | None = None,
              *, flagged_only: bool = False) -> Iterator[tuple]:
    """Raw ranking rows, best first, streamed from the cursor (exports never hold them all)."""
    where = " WHERE k.any_flagged = 1" if flagged_only else ""
    sql = _ROWS.format(extra="") + where + " ORDER BY k.rank LIMIT :limit"
    yield from conn.execute(sql, {"cid": campaign_id, "limit": -1 if limit is None else int(limit)})


def standing_row(conn: sqlite3.Connection, campaign_id: int, user_ref: str) -> tuple[tuple | None, int]:
    """One participant's ranking row and the number ranked, without ranking everyone.

    A participant is ahead of me iff one of their finished attempts beats my best one, so the
    rank is an index range count over the per-attempt totals that finish() writes in the same
    transaction that closes the attempt (its answers cannot change afterwards). A test keeps
    this equal to the row ranking() computes from the answers.
    """
    me = conn.execute(
        "SELECT t.id, t.registration_id, r.name, r.school, r.college, r.class_name, t.score,"
        " t.question_count, t.elapsed_ms, t.finished_at, t.score >= c.pass_mark,"
        " (SELECT MAX(flagged) FROM attempts WHERE registration_id = t.registration_id"
        "  AND kind = 'scored' AND status = 'finished'), k.code, r.user_ref"
        " FROM registrations r JOIN attempts t ON t.registration_id = r.id"
        " JOIN campaigns c ON c.id = r.campaign_id LEFT JOIN certificates k ON k.attempt_id = t.id"
        " WHERE r.campaign_id = ? AND r.user_ref = ? AND t.kind = 'scored' AND t.status = 'finished'"
        " ORDER BY t.score DESC, t.elapsed_ms, t.finished_at, t.id LIMIT 1", (campaign_id, user_ref)).fetchone()
    # With one scored attempt each (the usual rule) rows are participants: no DISTINCT needed.
    single = conn.execute("SELECT scored_attempts = 1 FROM campaigns WHERE id = ?", (campaign_id,)).fetchone()
    counted = "COUNT(*)" if single and single[0] else "COUNT(DISTINCT registration_id)"
    count = conn.execute(
        f"SELECT {counted} FROM attempts"
        " WHERE campaign_id = ? AND kind = 'scored' AND status = 'finished'", (campaign_id,)).fetchone()[0]
    if me is None:
        return None, count
    reg, score, elapsed, finished = me[1], me[6], me[8], me[9]
    ahead = conn.execute(
        f"SELECT {counted} FROM attempts"
        " WHERE campaign_id = :c AND kind = 'scored' AND status = 'finished' AND score >= :s"
        " AND registration_id != :r AND (score > :s OR elapsed_ms < :e OR (elapsed_ms = :e"
        " AND (finished_at < :f OR (finished_at = :f AND registration_id < :r))))",
        {"c": campaign_id, "s": score, "e": elapsed, "f": finished, "r": reg}).fetchone()[0]
    return (ahead + 1, *me[1:]), count


def school_rows(conn: sqlite3.Connection, campaign_id: int) -> list[tuple]:
    """(school, participants, average score, headcount or None) in ranking order."""
    return conn.execute(_SCHOOLS, {"cid": campaign_id}).fetchall()
