"""Registration: once per account and campaign, the student number kept only as a keyed hash, and
the registration conversation in progress (drafts) that survives a restart. A capability of
:class:`quizzes.engine.QuizEngine`."""
from __future__ import annotations

import json

from quizzes import db, rosters
from quizzes.codes import normalise_student_no, student_hash
from quizzes.rules import FIELD_LIMITS
from quizzes.errors import RegistrationError

from quizzes.engine.records import (
    Registration, _STUDENT_NO, _school, clean_text, locked)


class Registrations:
    """Registering participants (mixed into QuizEngine)."""

    @locked
    def registration(self, campaign_id: int, user_ref: str) -> Registration | None:
        row = self._one(
            "SELECT id, campaign_id, user_ref, name, school, college, class_name, student_hash IS NOT NULL"
            " FROM registrations WHERE campaign_id=? AND user_ref=?", (campaign_id, str(user_ref)))
        return Registration(*row[:7], has_student_no=bool(row[7])) if row else None

    @locked
    def register(self, campaign_id: int, user_ref: str, *, name: str, school: str,
                 college: str = "", class_name: str = "", student_no: str = "") -> Registration:
        """Once per account and campaign; the student number is stored only as a salted hash.
        Only the fields the campaign asks for are kept. Raises RegistrationError / WindowClosed."""
        c = self.campaign(campaign_id)
        now = self.clock()
        if not c.is_open(now):
            raise self._window_error(c, now)
        most = {field: high for field, (_, high) in FIELD_LIMITS.items()}
        name = clean_text(name, "姓名", most["name"], required=True)
        school = _school(clean_text(school, "学校", most["school"], required=True))
        college = clean_text(college, "学院", most["college"], required=c.fields.get("college", False)) \
            if "college" in c.fields else ""
        class_name = clean_text(class_name, "班级", most["class"], required=c.fields.get("class", False)) \
            if "class" in c.fields else ""
        digest, number = None, ""
        if "student_no" in c.fields:
            number = normalise_student_no(student_no)
            if number or c.fields["student_no"]:
                if not _STUDENT_NO.match(number):
                    raise RegistrationError("学号应为 3–32 位字母或数字，请重新输入。")
                digest = student_hash(self._student_key, c.id, number)
        user_ref = str(user_ref)
        with db.write(self.conn):
            rosters.check_listed(self.conn, c.id, school, digest, name)
            if self._one("SELECT 1 FROM registrations WHERE campaign_id=? AND user_ref=?", (c.id, user_ref)):
                raise RegistrationError("这个账号已经报名过本次活动，不能重复报名。")
            if digest and self._one("SELECT 1 FROM registrations WHERE campaign_id=? AND student_hash=?",
                                    (c.id, digest)):
                raise RegistrationError("这个学号已经在本次活动中报过名了；每个学号只能报名一次。")
            self.conn.execute(
                "INSERT INTO registrations(campaign_id, user_ref, name, school, college, class_name,"
                " student_hash, created_at, student_no) VALUES (?,?,?,?,?,?,?,?,?)",
                (c.id, user_ref, name, school, college, class_name, digest, now,
                 number if c.keep_student_no and digest else None))
            self.conn.execute("DELETE FROM registration_drafts WHERE user_ref=?", (user_ref,))
        return self.registration(c.id, user_ref)

    @locked
    def draft(self, user_ref: str) -> tuple[int, dict] | None:
        """The registration conversation in progress: (campaign_id, answers so far)."""
        row = self._one("SELECT campaign_id, data FROM registration_drafts WHERE user_ref=?", (str(user_ref),))
        return (row[0], json.loads(row[1])) if row else None

    @locked
    def save_draft(self, user_ref: str, campaign_id: int, data: dict) -> None:
        with db.write(self.conn):
            self.conn.execute(
                "INSERT INTO registration_drafts(user_ref, campaign_id, data, updated_at) VALUES (?,?,?,?)"
                " ON CONFLICT(user_ref) DO UPDATE SET campaign_id=excluded.campaign_id,"
                " data=excluded.data, updated_at=excluded.updated_at",
                (str(user_ref), campaign_id, json.dumps(data, ensure_ascii=False), self.clock()))

    @locked
    def drop_draft(self, user_ref: str) -> None:
        with db.write(self.conn):
            self.conn.execute("DELETE FROM registration_drafts WHERE user_ref=?", (str(user_ref),))

