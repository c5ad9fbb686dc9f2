"""Results: rankings computed by SQLite from the answers on every call (individuals and schools),
flagged participants, exports for organisers and certificates with their verification and review.
A capability of :class:`quizzes.engine.QuizEngine`."""
from __future__ import annotations

import hmac
from pathlib import Path
from typing import Sequence

from quizzes import dashboard, db, ranking, review, rosters
from quizzes.codes import certificate_mac, normalise_code, student_hash
from quizzes.errors import NotFound, QuizError
from quizzes.export import write_results

from quizzes.engine.records import (
    Certificate, RankRow, SchoolRow, _rank_row, _school, clean_text, locked)


class Results:
    """Rankings, exports and certificates (mixed into QuizEngine)."""

    @locked
    def ranking(self, campaign_id: int, limit: int | None = None) -> list[RankRow]:
        """Individuals by score desc, then elapsed time asc, then finish time; read from the
        per-attempt totals written at finish (ranking.check() keeps them equal to a
        recomputation from the answers). See quizzes/ranking.py."""
        return [_rank_row(r) for r in ranking.rank_rows(self.conn, campaign_id, limit)]

    @locked
    def standing(self, campaign_id: int, user_ref: str) -> tuple[RankRow | None, int]:
        """(the participant's row or None, number of ranked participants)."""
        row, count = ranking.standing_row(self.conn, campaign_id, str(user_ref))
        return (_rank_row(row) if row else None), count

    @locked
    def school_ranking(self, campaign_id: int) -> list[SchoolRow]:
        """Schools by average score desc, then participants desc; schools with a headcount and
        no participants last. participation_rate = participants / headcount."""
        return [SchoolRow(rank, school, n, float(avg or 0.0), head, (n / head) if head else None)
                for rank, (school, n, avg, head) in enumerate(ranking.school_rows(self.conn, campaign_id), 1)]

    @locked
    def flagged(self, campaign_id: int) -> list[RankRow]:
        """Ranked participants with an answer faster than MIN_HUMAN_MS in a scored attempt."""
        return [_rank_row(r) for r in ranking.rank_rows(self.conn, campaign_id, flagged_only=True)]

    @locked
    def export(self, campaign_id: int, path: str | Path) -> int:
        """Write results as .csv (UTF-8 with BOM, for Excel) or .xlsx by suffix; rows written.
        XLSX adds 学校统计, 学院统计 and 题目统计 sheets. Times are local (``timezone``)."""
        c = self.campaign(campaign_id)
        rows = (_rank_row(r) for r in ranking.rank_rows(self.conn, campaign_id))
        if Path(path).suffix.lower() != ".xlsx":
            return write_results(path, rows, [], self.timezone, student_numbers=c.keep_student_no)
        return write_results(path, rows, self.school_ranking(campaign_id), self.timezone,
                             colleges=dashboard.colleges(self.conn, campaign_id),
                             questions=dashboard.question_stats(self.conn, campaign_id),
                             student_numbers=c.keep_student_no)

    @locked
    def check(self, campaign_id: int) -> list[str]:
        """Differences between the leaderboard/tallies and a recomputation from the raw answers
        (empty when consistent); reads every answer of the campaign."""
        return ranking.check(self.conn, campaign_id)

    # ---- certificates -------------------------------------------------------------------

    _CERT_SQL = (
        "SELECT k.code, c.code, c.name, k.name, r.school, k.score, k.total, k.issued_at,"
        " k.campaign_id, k.registration_id, k.mac, k.status, k.reason FROM certificates k"
        " JOIN campaigns c ON c.id=k.campaign_id JOIN registrations r ON r.id=k.registration_id")

    def _certificate(self, row) -> Certificate:
        code, ccode, cname, name, school, score, total, issued_at, cid, rid, mac, status, reason = row
        expected = certificate_mac(self._cert_key, code, cid, rid, name, score, total, issued_at)
        return Certificate(code, ccode, cname, name, school, score, total, issued_at,
                           valid=hmac.compare_digest(expected, mac), status=status, reason=reason)

    @locked
    def certificate(self, attempt_id: int) -> Certificate | None:
        row = self._one(self._CERT_SQL + " WHERE k.attempt_id=?", (attempt_id,))
        return self._certificate(row) if row else None

    @locked
    def verify(self, code: str) -> Certificate | None:
        """The certificate with this code (typed loosely: case, spaces, dashes), with
        ``valid=False`` if its stored record no longer matches its MAC; None if unknown."""
        normal = normalise_code(code)
        if normal is None:
            return None
        row = self._one(self._CERT_SQL + " WHERE k.code=?", (normal,))
        return self._certificate(row) if row else None

    @locked
    def revoke(self, code: str, reason: str, by: str = "") -> review.Change:
        """Revoke a certificate after review (held or valid) with a reason verification shows.
        Raises NotFound / QuizError (no reason). Repeating it changes nothing."""
        normal = normalise_code(code)
        if normal is None:
            raise NotFound(f"没有编号为 {code} 的证书。")
        with db.write(self.conn):
            return review.revoke(self.conn, normal, reason, by, self.clock())

    @locked
    def release(self, code: str, by: str = "") -> review.Change:
        """Issue a certificate held for review. Raises NotFound, or QuizError when it was revoked."""
        normal = normalise_code(code)
        if normal is None:
            raise NotFound(f"没有编号为 {code} 的证书。")
        with db.write(self.conn):
            return review.release(self.conn, normal, by, self.clock())

    @locked
    def set_roster(self, campaign_id: int, school: str, entries: Sequence["rosters.RosterEntry"]) -> int:
        """Replace a school's roster (学号 + 姓名, stored as keyed hashes); from then on only
        listed students register at that school and take its scored round. The campaign must
        ask for student numbers. Returns the number listed."""
        c = self.campaign(campaign_id)
        if "student_no" not in c.fields:
            raise QuizError("按名单参赛需要学号：请在创建活动时把学号设为报名项（--fields student_no）。")
        school = _school(clean_text(school, "学校", 60, required=True))
        hashed = [(student_hash(self._student_key, c.id, e.student_no), rosters.normal_name(e.name))
                  for e in entries]
        with db.write(self.conn):
            return rosters.replace_roster(self.conn, c.id, school, hashed)

    @locked
    def rosters(self, campaign_id: int) -> dict[str, int]:
        """School -> number of students listed, for schools with a roster."""
        return rosters.roster_schools(self.conn, campaign_id)

    @locked
    def purge(self, campaign_id: int) -> dict[str, int]:
        """Delete the campaign and all it holds about people (registrations, student numbers,
        rounds, answers, certificates, rosters, tallies) in one transaction; rows per table."""
        self.campaign(campaign_id)
        self.conn.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten with zeros
        try:
            with db.write(self.conn):
                counts = rosters.purge(self.conn, campaign_id)
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # and leave no copy in the WAL
        finally:
            self.conn.execute("PRAGMA secure_delete=OFF")
        return counts

    @locked
    def certificates(self, campaign_id: int, *, school: str | None = None, status: str = "valid",
                     limit: int = 500, offset: int = 0) -> list[Certificate]:
        """A campaign's certificates with this status (of one school), in issue order, a page at a time."""
        sql = self._CERT_SQL + " WHERE k.campaign_id=? AND k.status=?"
        params: list = [campaign_id, status]
        if school is not None:
            sql, params = sql + " AND r.school=?", [*params, _school(school)]
        rows = self.conn.execute(sql + " ORDER BY k.issued_at, k.code LIMIT ? OFFSET ?",
                                 [*params, int(limit), int(offset)])
        return [self._certificate(r) for r in rows]

    @locked
    def held_certificates(self, campaign_id: int) -> list[Certificate]:
        """Certificates of a campaign waiting for review, oldest first."""
        return [self.verify(code) for code in review.held_codes(self.conn, campaign_id)]


