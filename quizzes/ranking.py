"""Campaign rankings, read from per-attempt totals materialised when an attempt finishes.

``finish()`` writes an attempt's score and time in the transaction that closes it (its answers
cannot change afterwards), and triggers of migration 0003 mark each registration's best attempt
(``attempts.ranked``) and keep per-school/college/hour tallies in that same transaction. A
leaderboard page is then a range of the partial index ``attempts_leaderboard``, a participant's
rank an index range count, and a school ranking a sum over a few hundred tally rows: each a few
milliseconds at 370,000 participants, where recomputing from 3.7 million answers takes seconds.
:func:`check` recomputes the ranking and the tallies from the raw answers and reports every
difference (tests and ``lawbot campaign check`` run it; it must always come back empty).

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

# The recomputation from raw answers (check() only): per attempt, best per registration, ranked.
_RANKED = """
WITH per AS (
    SELECT t.id AS attempt_id, t.registration_id AS registration_id, t.finished_at AS finished_at,
           COALESCE(SUM(a.correct), 0) AS score,
           COALESCE(SUM(a.latency_ms), 0) AS elapsed
    FROM attempts t LEFT JOIN answers a ON a.attempt_id = t.id
    WHERE t.campaign_id = :cid AND t.kind = 'scored' AND t.status = 'finished'
    GROUP BY t.id
), best AS (
    SELECT per.*, ROW_NUMBER() OVER (PARTITION BY registration_id
                                     ORDER BY score DESC, elapsed, finished_at, attempt_id) AS nth
    FROM per
)
SELECT registration_id, attempt_id, score, elapsed FROM best WHERE nth = 1
ORDER BY score DESC, elapsed, finished_at, registration_id
"""

_ORDER = "t.score DESC, t.elapsed_ms, t.finished_at, t.registration_id"
_ROWS = """
SELECT t.registration_id, r.name, r.school, r.college, r.class_name, t.score, t.question_count,
       t.elapsed_ms, t.finished_at, t.score >= (SELECT pass_mark FROM campaigns WHERE id = :cid),
       t.flagged OR EXISTS (SELECT 1 FROM attempts o WHERE o.registration_id = t.registration_id
                            AND o.kind = 'scored' AND o.status = 'finished' AND o.flagged = 1),
       k.code, r.user_ref, k.status, r.student_no
FROM {source}
JOIN registrations r ON r.id = t.registration_id
LEFT JOIN certificates k ON k.attempt_id = t.id
WHERE t.campaign_id = :cid AND t.ranked = 1
"""


def rank_rows(conn: sqlite3.Connection, campaign_id: int, limit: int | None = None,
              *, flagged_only: bool = False, offset: int = 0) -> Iterator[tuple]:
    """Ranking rows best first, streamed from the cursor (exports never hold them all):
    (rank, registration_id, name, school, college, class, score, total, elapsed_ms, finished_at,
    passed, any attempt flagged, certificate code, user_ref, certificate status, student number)."""
    params = {"cid": campaign_id, "limit": -1 if limit is None else int(limit), "offset": int(offset)}
    if flagged_only:  # few rows: each one's rank is a range count
        sql = _ROWS.format(source="attempts t") + " AND (t.flagged = 1 OR EXISTS (SELECT 1 FROM attempts o WHERE o.registration_id ="
        sql += " t.registration_id AND o.kind = 'scored' AND o.status = 'finished' AND o.flagged = 1))"
        for row in conn.execute(sql + f" ORDER BY {_ORDER} LIMIT :limit OFFSET :offset", params):
            yield (_ahead(conn, campaign_id, row[5], row[7], row[8], row[0]) + 1, *row)
        return
    if offset:  # skip along the index alone, then read only the page's rows
        sql = (f"WITH page AS (SELECT id FROM attempts t WHERE campaign_id = :cid AND ranked = 1 ORDER BY {_ORDER}"
               " LIMIT :limit OFFSET :offset) " + _ROWS.format(source="page p JOIN attempts t ON t.id = p.id")
               + f" ORDER BY {_ORDER}")
    else:
        sql = _ROWS.format(source="attempts t") + f" ORDER BY {_ORDER} LIMIT :limit"
    rows = conn.execute(sql, params)
    for rank, row in enumerate(rows, int(offset) + 1):  # the order is total: rank = position
        yield (rank, *row)


def ranked_count(conn: sqlite3.Connection, campaign_id: int) -> int:
    """Participants with a finished scored attempt (from the tally: a few hundred rows)."""
    return conn.execute("SELECT COALESCE(SUM(participants), 0) FROM campaign_tally WHERE campaign_id = ?",
                        (campaign_id,)).fetchone()[0]


def _ahead(conn: sqlite3.Connection, campaign_id: int, score: int, elapsed: int, finished: float,
           registration_id: int) -> int:
    """How many ranked participants come before this (score, time, finish, id): four ranges of
    the leaderboard index, counted without reading the table."""
    p = {"c": campaign_id, "s": score, "e": elapsed, "f": finished, "r": registration_id}
    base = "SELECT COUNT(*) FROM attempts WHERE campaign_id = :c AND ranked = 1 AND "
    return sum(conn.execute(base + cond, p).fetchone()[0] for cond in (
        "score > :s",
        "score = :s AND elapsed_ms < :e",
        "score = :s AND elapsed_ms = :e AND finished_at < :f",
        "score = :s AND elapsed_ms = :e AND finished_at = :f AND registration_id < :r"))


def standing_row(conn: sqlite3.Connection, campaign_id: int, user_ref: str) -> tuple[tuple | None, int]:
    """One participant's ranking row and the number ranked, without ranking everyone."""
    count = ranked_count(conn, campaign_id)
    row = conn.execute(_ROWS.format(source="attempts t") + " AND r.campaign_id = :cid AND r.user_ref = :u",
                       {"cid": campaign_id, "u": user_ref}).fetchone()
    if row is None:
        return None, count
    return (_ahead(conn, campaign_id, row[5], row[7], row[8], row[0]) + 1, *row), count


def school_rows(conn: sqlite3.Connection, campaign_id: int) -> list[tuple]:
    """(school, participants, average score, headcount or None) in ranking order."""
    return conn.execute("""
        WITH schools AS (
            SELECT school, SUM(participants) AS participants,
                   CAST(SUM(score_sum) AS REAL) / SUM(participants) AS average
            FROM campaign_tally WHERE campaign_id = :cid GROUP BY school HAVING SUM(participants) > 0
        )
        SELECT school, participants, average, headcount FROM (
            SELECT s.school, s.participants, s.average, h.headcount
            FROM schools s
            LEFT JOIN school_headcounts h ON h.campaign_id = :cid AND h.school = s.school
            UNION ALL
            SELECT h.school, 0, 0.0, h.headcount FROM school_headcounts h
            WHERE h.campaign_id = :cid AND h.school NOT IN (SELECT school FROM schools)
        )
        ORDER BY participants > 0 DESC, average DESC, participants DESC, school""",
        {"cid": campaign_id}).fetchall()


def check(conn: sqlite3.Connection, campaign_id: int) -> list[str]:
    """Every difference between the materialised ranking/tallies and a recomputation from the
    raw answers (empty when consistent). Reads everything: seconds at 370,000 participants."""
    problems = []
    recomputed = conn.execute(_RANKED, {"cid": campaign_id}).fetchall()
    board = conn.execute(
        f"SELECT t.registration_id, t.id, t.score, t.elapsed_ms FROM attempts t"
        f" WHERE t.campaign_id = :cid AND t.ranked = 1 ORDER BY {_ORDER}", {"cid": campaign_id}).fetchall()
    if recomputed != board:
        diff = next((i for i, (a, b) in enumerate(zip(recomputed, board)) if a != b), min(len(recomputed), len(board)))
        problems.append(f"leaderboard differs from the recomputation at rank {diff + 1}"
                        f" ({len(board)} ranked, {len(recomputed)} recomputed)")
    tally = conn.execute(
        "SELECT school, college, SUM(participants), SUM(score_sum), SUM(passed) FROM campaign_tally"
        " WHERE campaign_id = :cid GROUP BY 1, 2 HAVING SUM(participants) != 0 ORDER BY 1, 2",
        {"cid": campaign_id}).fetchall()
    fresh = conn.execute(
        "SELECT r.school, r.college, COUNT(*), SUM(t.score), SUM(t.score >= c.pass_mark) FROM attempts t"
        " JOIN registrations r ON r.id = t.registration_id JOIN campaigns c ON c.id = t.campaign_id"
        " WHERE t.campaign_id = :cid AND t.ranked = 1 GROUP BY 1, 2 ORDER BY 1, 2", {"cid": campaign_id}).fetchall()
    if tally != fresh:
        problems.append("school/college tallies differ from the ranked attempts")
    questions = conn.execute(
        "SELECT question_id, shown, correct FROM question_tally WHERE campaign_id = :cid ORDER BY 1",
        {"cid": campaign_id}).fetchall()
    counted = conn.execute(
        "SELECT i.question_id, COUNT(*), SUM(a.correct) FROM attempts t JOIN attempt_items i ON i.attempt_id = t.id"
        " JOIN answers a ON a.attempt_id = i.attempt_id AND a.position = i.position"
        " WHERE t.campaign_id = :cid AND t.kind = 'scored' AND t.status = 'finished' GROUP BY 1 ORDER BY 1",
        {"cid": campaign_id}).fetchall()
    if questions != counted:
        problems.append("per-question tallies differ from the answers")
    return problems


def mask_name(name: str) -> str:
    """张三丰 → 张*丰, 李四 → 李*: names on public leaderboards and verification pages are not
    shown in full (every channel masks the same way)."""
    if len(name) <= 1:
        return name
    return name[0] + "*" + (name[-1] if len(name) > 2 else "")
