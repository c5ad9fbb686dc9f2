"""The review loop's memory: every question, the decision taken, and citizens' feedback.

Minimal personal data: a channel-specific user reference (a Telegram numeric id), never names or
phone numbers. Staff read declined and thumbs-down questions here to write FAQ answers.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass

from kb.store import Store

_STRIP = re.compile(r"[\s\W_]+", re.UNICODE)


def normalize(question: str) -> str:
    """Key that groups re-asked questions: NFKC, lower case, no spaces or punctuation."""
    return _STRIP.sub("", unicodedata.normalize("NFKC", question).lower())


@dataclass(frozen=True)
class UnansweredGroup:
    normalized: str
    question: str  # the newest wording
    count: int
    thumbs_down: int
    last_at: str
    log_id: int  # newest log row of the group


@dataclass(frozen=True)
class Stats:
    days: tuple[tuple[str, int, int], ...]  # (date, questions, answered)
    total: int
    answered: int
    top_laws: tuple[tuple[str, int], ...]
    top_articles: tuple[tuple[str, int], ...]
    thumbs_up: int
    thumbs_down: int

    @property
    def answered_share(self) -> float:
        return self.answered / self.total if self.total else 0.0


ANSWERED_KINDS = ("statute", "faq")


class Logbook:
    def __init__(self, store: Store):
        self.db = store.db

    def record(self, channel: str, user_ref: str, question: str, kind: str, confidence: float = 0.0,
               articles: list[dict] | None = None, faq_id: int | None = None) -> int:
        with self.db.atomic():
            cur = self.db.execute(
                "INSERT INTO question_log (channel, user_ref, question, normalized, kind, confidence,"
                " articles, faq_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (channel, user_ref, question, normalize(question), kind, float(confidence),
                 json.dumps(articles or [], ensure_ascii=False), faq_id))
            return cur.lastrowid

    def feedback(self, log_id: int, user_ref: str, value: int) -> bool:
        """Record 👍 (+1) or 👎 (-1); a second press by the same user replaces the first.
        Returns False if the logged question does not exist."""
        if value not in (1, -1):
            raise ValueError("feedback value must be +1 or -1")
        with self.db.atomic():
            if not self.db.execute("SELECT 1 FROM question_log WHERE id=?", (log_id,)).fetchone():
                return False
            self.db.execute(
                "INSERT INTO feedback (log_id, user_ref, value) VALUES (?, ?, ?)"
                " ON CONFLICT (log_id, user_ref) DO UPDATE SET value=excluded.value,"
                " at=strftime('%Y-%m-%dT%H:%M:%SZ', 'now')", (log_id, user_ref, value))
        return True

    def entry(self, log_id: int) -> dict | None:
        cur = self.db.execute("SELECT * FROM question_log WHERE id=?", (log_id,))
        row = cur.fetchone()
        return dict(zip([c[0] for c in cur.description], row)) if row else None

    def unanswered(self, limit: int = 20, since: str = "", thumbs_down_only: bool = False) -> list[UnansweredGroup]:
        """Declined or 👎 questions not yet resolved by an FAQ, newest first, grouped with counts.
        ``since``: a UTC ISO instant; ``thumbs_down_only``: only questions given 👎."""
        down = "EXISTS (SELECT 1 FROM feedback f WHERE f.log_id = q.id AND f.value = -1)"
        which = down if thumbs_down_only else f"(q.kind NOT IN ('statute', 'faq', 'chitchat') OR {down})"
        rows = self.db.execute(
            f"""
            WITH flagged AS (
                SELECT q.id, q.at, q.question, q.normalized, {down} AS down
                FROM question_log q
                WHERE q.resolved_faq_id IS NULL AND {which}
                  AND q.kind != 'chitchat' AND q.at >= ?
            )
            SELECT normalized, COUNT(*), SUM(down), MAX(at), MAX(id) FROM flagged
            GROUP BY normalized ORDER BY MAX(id) DESC LIMIT ?
            """, (since or "", limit)).fetchall()
        out = []
        for normalized, count, down, last_at, last_id in rows:
            question = self.db.execute("SELECT question FROM question_log WHERE id=?", (last_id,)).fetchone()[0]
            out.append(UnansweredGroup(normalized, question, count, down or 0, last_at, last_id))
        return out

    def resolve(self, log_id: int, faq_id: int) -> int:
        """Mark every logged question worded like ``log_id``'s as answered by an FAQ pair."""
        entry = self.entry(log_id)
        if entry is None:
            return 0
        with self.db.atomic():
            cur = self.db.execute("UPDATE question_log SET resolved_faq_id=? WHERE normalized=?",
                                  (faq_id, entry["normalized"]))
            return cur.rowcount

    def stats(self, days: int = 7) -> Stats:
        since = f"-{int(days)} days"
        per_day = self.db.execute(
            "SELECT substr(at, 1, 10) AS d, COUNT(*), SUM(kind IN ('statute', 'faq')) FROM question_log"
            " WHERE at >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?) AND kind != 'chitchat'"
            " GROUP BY d ORDER BY d", (since,)).fetchall()
        total = sum(r[1] for r in per_day)
        answered = sum(r[2] or 0 for r in per_day)
        laws: dict[str, int] = {}
        arts: dict[str, int] = {}
        for (raw,) in self.db.execute(
                "SELECT articles FROM question_log WHERE at >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?)"
                " AND kind = 'statute'", (since,)):
            for a in json.loads(raw)[:1]:
                laws[a["law"]] = laws.get(a["law"], 0) + 1
                key = f"《{a['law']}》{a['label']}"
                arts[key] = arts.get(key, 0) + 1
        up, down = self.db.execute(
            "SELECT COALESCE(SUM(value = 1), 0), COALESCE(SUM(value = -1), 0) FROM feedback"
            " WHERE at >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?)", (since,)).fetchone()
        top = lambda d: tuple(sorted(d.items(), key=lambda kv: (-kv[1], kv[0]))[:5])  # noqa: E731
        return Stats(tuple((d, n, a or 0) for d, n, a in per_day), total, answered, top(laws), top(arts),
                     up, down)
