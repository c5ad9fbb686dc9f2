"""An organiser's live view of a campaign: participation, scores, passes, hardest questions.

Every figure is read from the tallies that migration 0003's triggers keep when an attempt
finishes (``campaign_tally`` per school, college and hour; ``question_tally`` per question) or
from the leaderboard index, so each query touches a few hundred rows whatever the campaign's
size (a few milliseconds at 370,000 participants; ``bench/gen_campaign.py`` measures them).
``quizzes.ranking.check`` keeps the tallies equal to a recomputation from the raw answers.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class Overview:
    registered: int
    participants: int  # with a finished scored attempt
    passed: int
    flagged: int
    average_score: float
    headcount: int  # sum of the headcounts given (0: none)

    @property
    def pass_rate(self) -> float:
        return self.passed / self.participants if self.participants else 0.0

    @property
    def participation_rate(self) -> float | None:
        return self.participants / self.headcount if self.headcount else None


@dataclass(frozen=True)
class GroupStat:
    """One school (``college`` empty) or one college of a school."""

    school: str
    college: str
    participants: int
    passed: int
    flagged: int
    average_score: float
    average_seconds: float
    headcount: int | None = None

    @property
    def pass_rate(self) -> float:
        return self.passed / self.participants if self.participants else 0.0

    @property
    def participation_rate(self) -> float | None:
        return self.participants / self.headcount if self.headcount else None


@dataclass(frozen=True)
class HourCount:
    hour: int  # Unix seconds of the hour's start (UTC)
    school: str  # "" when summed over schools
    participants: int


@dataclass(frozen=True)
class QuestionStat:
    question_id: str
    stem: str
    shown: int
    correct: int
    timeouts: int

    @property
    def miss_rate(self) -> float:
        return 1 - self.correct / self.shown if self.shown else 0.0


_SUMS = ("SUM(participants), SUM(passed), SUM(flagged),"
         " CAST(SUM(score_sum) AS REAL) / MAX(SUM(participants), 1),"
         " SUM(elapsed_sum) / 1000.0 / MAX(SUM(participants), 1)")


def overview(conn: sqlite3.Connection, campaign_id: int) -> Overview:
    registered = conn.execute("SELECT COUNT(*) FROM registrations WHERE campaign_id = ?",
                              (campaign_id,)).fetchone()[0]
    n, passed, flagged, avg, _ = conn.execute(f"SELECT {_SUMS} FROM campaign_tally WHERE campaign_id = ?",
                                              (campaign_id,)).fetchone()
    head = conn.execute("SELECT COALESCE(SUM(headcount), 0) FROM school_headcounts WHERE campaign_id = ?",
                        (campaign_id,)).fetchone()[0]
    return Overview(registered, n or 0, passed or 0, flagged or 0, float(avg or 0.0), head)


def schools(conn: sqlite3.Connection, campaign_id: int) -> list[GroupStat]:
    """Every school with participants or a headcount, by participants desc then name."""
    heads = dict(conn.execute("SELECT school, headcount FROM school_headcounts WHERE campaign_id = ?",
                              (campaign_id,)))
    out = [GroupStat(school, "", n, p, f, float(a), float(s), heads.pop(school, None))
           for school, n, p, f, a, s in conn.execute(
               f"SELECT school, {_SUMS} FROM campaign_tally WHERE campaign_id = ? GROUP BY school"
               " HAVING SUM(participants) > 0", (campaign_id,))]
    out += [GroupStat(school, "", 0, 0, 0, 0.0, 0.0, head) for school, head in heads.items()]
    return sorted(out, key=lambda g: (-g.participants, g.school))


def colleges(conn: sqlite3.Connection, campaign_id: int, school: str | None = None) -> list[GroupStat]:
    sql = (f"SELECT school, college, {_SUMS} FROM campaign_tally WHERE campaign_id = :c"
           + (" AND school = :s" if school is not None else "")
           + " GROUP BY school, college HAVING SUM(participants) > 0 ORDER BY school, SUM(participants) DESC")
    return [GroupStat(s, c, n, p, f, float(a), float(t))
            for s, c, n, p, f, a, t in conn.execute(sql, {"c": campaign_id, "s": school})]


def timeline(conn: sqlite3.Connection, campaign_id: int, *, by_school: bool = False) -> list[HourCount]:
    """Participants (finished scored rounds) per hour, overall or per school."""
    if by_school:
        rows = conn.execute("SELECT hour, school, SUM(participants) FROM campaign_tally WHERE campaign_id = ?"
                            " GROUP BY hour, school HAVING SUM(participants) > 0 ORDER BY hour, school",
                            (campaign_id,))
    else:
        rows = conn.execute("SELECT hour, '', SUM(participants) FROM campaign_tally WHERE campaign_id = ?"
                            " GROUP BY hour HAVING SUM(participants) > 0 ORDER BY hour", (campaign_id,))
    return [HourCount(h * 3600, s, n) for h, s, n in rows]


def score_distribution(conn: sqlite3.Connection, campaign_id: int) -> list[tuple[int, int]]:
    """(score, participants) for every score reached, from the leaderboard index alone."""
    return conn.execute("SELECT score, COUNT(*) FROM attempts WHERE campaign_id = ? AND ranked = 1"
                        " GROUP BY score ORDER BY score", (campaign_id,)).fetchall()


def question_stats(conn: sqlite3.Connection, campaign_id: int, *, limit: int | None = None) -> list[QuestionStat]:
    """Questions of finished scored rounds, most missed first."""
    rows = conn.execute(
        "SELECT question_id, stem, shown, correct, timeouts FROM question_tally WHERE campaign_id = ?"
        " ORDER BY CAST(correct AS REAL) / shown, shown DESC, question_id LIMIT ?",
        (campaign_id, -1 if limit is None else int(limit)))
    return [QuestionStat(*r) for r in rows]
