"""Usage figures for the staff dashboard beyond :meth:`kb.logbook.Logbook.stats`: the questions
citizens ask most (grouped by their normalised wording, shown in the newest wording)."""
from __future__ import annotations

from kb.store import Store


def top_questions(store: Store, days: int = 7, limit: int = 10) -> list[tuple[str, int]]:
    """(question, times asked) over the last ``days``, most asked first; small talk left out."""
    rows = store.db.execute(
        "SELECT normalized, COUNT(*), MAX(id) FROM question_log"
        " WHERE at >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?) AND kind NOT IN ('chitchat', 'invalid')"
        " GROUP BY normalized ORDER BY COUNT(*) DESC, MAX(id) DESC LIMIT ?",
        (f"-{int(days)} days", int(limit))).fetchall()
    out = []
    for _, count, last_id in rows:
        question = store.db.execute("SELECT question FROM question_log WHERE id=?", (last_id,)).fetchone()[0]
        out.append((question, count))
    return out
