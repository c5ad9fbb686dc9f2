"""Campaigns: create one (the rules of :mod:`quizzes.rules`, then the bank and the code in one
transaction), look them up, school headcounts and overview counts. A capability of
:class:`quizzes.engine.QuizEngine`."""
from __future__ import annotations

import json
import unicodedata

from quizzes import db, rules
from quizzes.errors import NotFound, QuizError, WindowClosed

from quizzes.engine.records import (
    Campaign, CampaignSpec, _CAMPAIGN_SQL, _school, locked)


class Campaigns:
    """Creating and reading campaigns (mixed into QuizEngine: one connection, one lock)."""

    @locked
    def create_campaign(self, spec: CampaignSpec) -> Campaign:
        """Raises QuizError (duplicate code, bad window, not enough questions for the tags …)."""
        code, name = rules.check_spec(spec, self.clock())
        tags = tuple(dict.fromkeys(t.strip() for t in spec.tags if t.strip()))
        bad_tags = [t for t in tags if t not in self.known_tags()]
        if bad_tags:
            raise QuizError(f"未知的题目标签：{'、'.join(bad_tags)}。")
        available = len(self.questions(tags))
        if available < spec.question_count:
            scope = f"标签 {','.join(tags)} 下" if tags else "题库中"
            raise QuizError(f"{scope}只有 {available} 道已审核的题目，少于每轮 {spec.question_count} 道。")
        headcounts = {_school(s): int(n) for s, n in spec.headcounts.items()}
        if any(n <= 0 for n in headcounts.values()) or "" in headcounts:
            raise QuizError("各校人数必须是正整数，学校名称不能为空。")
        with db.write(self.conn):
            if self._one("SELECT 1 FROM campaigns WHERE code=?", (code,)):
                raise QuizError(f"活动代码 {code} 已被使用，请换一个。")
            cur = self.conn.execute(
                "INSERT INTO campaigns(code, name, organiser, starts_at, ends_at, tags, question_count,"
                " seconds_per_question, scored_attempts, practice_attempts, fields, pass_mark, created_at,"
                " created_by, hold_flagged, keep_student_no) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (code, name, spec.organiser.strip(), spec.starts_at, spec.ends_at, json.dumps(tags),
                 spec.question_count, spec.seconds_per_question, spec.scored_attempts,
                 spec.practice_attempts, json.dumps({k: bool(v) for k, v in spec.fields.items()}),
                 spec.pass_mark, self.clock(), spec.created_by, int(bool(spec.hold_flagged)),
                 int(bool(spec.keep_student_no) and "student_no" in spec.fields)))
            self.conn.executemany(
                "INSERT INTO school_headcounts(campaign_id, school, headcount) VALUES (?, ?, ?)",
                [(cur.lastrowid, s, n) for s, n in headcounts.items()])
        return self.campaign(cur.lastrowid)

    @locked
    def campaign(self, code_or_id: str | int) -> Campaign:
        """Raises NotFound."""
        if isinstance(code_or_id, int):
            row = self._one(_CAMPAIGN_SQL + " WHERE id=?", (code_or_id,))
        else:
            code = unicodedata.normalize("NFKC", code_or_id or "").strip().upper()
            row = self._one(_CAMPAIGN_SQL + " WHERE code=?", (code,))
        if row is None:
            raise NotFound(f"没有找到活动“{code_or_id}”。")
        return self._campaign(row)

    @locked
    def campaigns(self) -> list[Campaign]:
        return [self._campaign(r) for r in self.conn.execute(_CAMPAIGN_SQL + " ORDER BY starts_at, id")]

    def _campaign(self, row) -> Campaign:
        heads = dict(self.conn.execute(
            "SELECT school, headcount FROM school_headcounts WHERE campaign_id=? ORDER BY school", (row[0],)))
        return Campaign(id=row[0], code=row[1], name=row[2], organiser=row[3], starts_at=row[4],
                        ends_at=row[5], tags=tuple(json.loads(row[6])), question_count=row[7],
                        seconds_per_question=row[8], scored_attempts=row[9], practice_attempts=row[10],
                        fields=json.loads(row[11]), pass_mark=row[12], headcounts=heads,
                        hold_flagged=bool(row[13]), keep_student_no=bool(row[14]))

    @locked
    def set_headcount(self, campaign_id: int, school: str, headcount: int) -> None:
        self.campaign(campaign_id)
        school = _school(school)
        if not school or int(headcount) <= 0:
            raise QuizError("各校人数必须是正整数，学校名称不能为空。")
        with db.write(self.conn):
            self.conn.execute(
                "INSERT INTO school_headcounts(campaign_id, school, headcount) VALUES (?, ?, ?)"
                " ON CONFLICT(campaign_id, school) DO UPDATE SET headcount=excluded.headcount",
                (campaign_id, school, int(headcount)))

    @locked
    def campaign_stats(self, campaign_id: int) -> dict[str, int]:
        """Counts for a campaign overview: registered, started, finished, passed, flagged
        (participants whose counted round — the best one, the one on the leaderboard — was flagged,
        as on the dashboard). Read from the tallies the schema keeps (``campaign_tally``: one
        participant per registration with a finished scored round) plus the few rounds still open,
        so it takes milliseconds at 370,000 participants instead of counting every attempt."""
        registered = self._one("SELECT COUNT(*) FROM registrations WHERE campaign_id=?", (campaign_id,))[0]
        finished, passed, flagged = self._one(
            "SELECT COALESCE(SUM(participants), 0), COALESCE(SUM(passed), 0), COALESCE(SUM(flagged), 0)"
            " FROM campaign_tally WHERE campaign_id=?", (campaign_id,))
        open_only = self._one(  # scored rounds are only ever open or finished
            "SELECT COUNT(DISTINCT t.registration_id) FROM attempts t WHERE t.campaign_id=? AND t.kind='scored'"
            " AND t.status='open' AND NOT EXISTS (SELECT 1 FROM attempts o WHERE o.registration_id=t.registration_id"
            " AND o.kind='scored' AND o.status='finished')", (campaign_id,))[0]
        return {"registered": registered, "started": finished + open_only, "finished": finished,
                "passed": passed, "flagged": flagged}

    def _window_error(self, c: Campaign, now: float) -> WindowClosed:
        if now < c.starts_at:
            return WindowClosed(f"活动“{c.name}”将于 {self.local_time(c.starts_at)} 开始，请到时再来。")
        return WindowClosed(f"活动“{c.name}”已于 {self.local_time(c.ends_at)} 结束。")

