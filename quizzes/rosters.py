"""School rosters (学号 + 姓名) and the deletion of a campaign's personal data.

A roster limits a school's scored round to the students listed on it: registration at that
school asks for the student number, which must be on the roster with the same name. Rosters
arrive as organisers keep them (CSV in UTF-8/GB18030 or XLSX, columns 学号 and 姓名, a title row
or two above the header allowed); like student numbers everywhere in ``quiz.db`` they are stored
only as keyed hashes. ``purge`` deletes everything a campaign holds about people in one
transaction: registrations, rounds, answers, certificates, tallies, rosters, headcounts and the
campaign itself.
"""
from __future__ import annotations

import re
import sqlite3
import unicodedata
from dataclasses import dataclass

from quizzes.errors import ImportFailed
from quizzes.model import Problem

MAX_ROSTER = 100_000
STUDENT_NO = re.compile(r"^[A-Z0-9_-]{3,32}$")
_HEADERS = {"student_no": ("学号", "学生学号", "studentno", "student_no", "id"),
            "name": ("姓名", "学生姓名", "name")}


@dataclass(frozen=True)
class RosterEntry:
    student_no: str
    name: str


def normal_name(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name or "").split())


def read_roster(data: bytes, filename: str) -> list[RosterEntry]:
    """Entries of a roster file; ImportFailed listing every bad row (nothing is stored then)."""
    from quizzes.codes import normalise_student_no
    from quizzes.importer import _norm_header, _refuse, _sheets

    columns, header_at, rows = None, 0, []
    for rows in _sheets(data, filename):
        for row_no, cells in rows[:10]:
            found = {f: i for i, c in enumerate(cells) for f, names in _HEADERS.items() if _norm_header(c) in names}
            if {"student_no", "name"} <= found.keys():
                columns, header_at = found, row_no
                break
        if columns:
            break
    if columns is None:
        raise _refuse(filename, "找不到表头：名单的第一行应包含“学号”和“姓名”两列。")
    entries, problems, seen = [], [], {}
    for row_no, cells in rows:
        if row_no <= header_at or not any(cells):
            continue
        number = normalise_student_no(cells[columns["student_no"]] if columns["student_no"] < len(cells) else "")
        name = normal_name(cells[columns["name"]] if columns["name"] < len(cells) else "")
        where = f"{filename} 第{row_no}行"
        if not STUDENT_NO.match(number):
            problems.append(Problem(where, "学号应为 3–32 位字母或数字"))
        elif not name or len(name) > 30:
            problems.append(Problem(where, "缺少姓名（或超过 30 个字）"))
        elif number in seen:
            problems.append(Problem(where, f"学号与第{seen[number]}行重复"))
        else:
            seen[number] = row_no
            entries.append(RosterEntry(number, name))
    if problems:
        raise ImportFailed(f"{filename} 有 {len(problems)} 行有问题，名单未导入。", problems)
    if not entries:
        raise _refuse(filename, "名单是空的。")
    if len(entries) > MAX_ROSTER:
        raise _refuse(filename, f"名单最多 {MAX_ROSTER} 人，请按学校拆分。")
    return entries


def replace_roster(conn: sqlite3.Connection, campaign_id: int, school: str, hashed: list[tuple[str, str]]) -> int:
    """Inside a write transaction: the school's roster becomes ``hashed`` (hash, name) pairs."""
    conn.execute("DELETE FROM rosters WHERE campaign_id = ? AND school = ?", (campaign_id, school))
    conn.executemany("INSERT INTO rosters(campaign_id, school, student_hash, name) VALUES (?, ?, ?, ?)",
                     [(campaign_id, school, h, n) for h, n in hashed])
    return len(hashed)


def roster_schools(conn: sqlite3.Connection, campaign_id: int) -> dict[str, int]:
    return dict(conn.execute("SELECT school, COUNT(*) FROM rosters WHERE campaign_id = ? GROUP BY school"
                             " ORDER BY school", (campaign_id,)))


def check_listed(conn: sqlite3.Connection, campaign_id: int, school: str, digest: str | None, name: str) -> None:
    """Raise unless the school has no roster, or lists this student number with this name."""
    if conn.execute("SELECT 1 FROM rosters WHERE campaign_id = ? AND school = ? LIMIT 1",
                    (campaign_id, school)).fetchone() is None:
        return
    from quizzes.errors import RegistrationError

    if digest is None:
        raise RegistrationError(f"{school}按名单参赛，请填写学号。")
    row = conn.execute("SELECT name FROM rosters WHERE campaign_id = ? AND school = ? AND student_hash = ?",
                       (campaign_id, school, digest)).fetchone()
    if row is None or row[0] != normal_name(name):
        raise RegistrationError(f"名单中没有这个学号和姓名，请核对后重新填写；如有疑问请联系{school}的活动负责人。")


_PURGE = (
    "DELETE FROM answers WHERE attempt_id IN (SELECT id FROM attempts WHERE campaign_id = :c)",
    "DELETE FROM attempt_items WHERE attempt_id IN (SELECT id FROM attempts WHERE campaign_id = :c)",
    "DELETE FROM certificates WHERE campaign_id = :c",
    "DELETE FROM attempts WHERE campaign_id = :c",
    "DELETE FROM registration_drafts WHERE campaign_id = :c",
    "DELETE FROM registrations WHERE campaign_id = :c",
    "DELETE FROM rosters WHERE campaign_id = :c",
    "DELETE FROM campaign_tally WHERE campaign_id = :c",
    "DELETE FROM question_tally WHERE campaign_id = :c",
    "DELETE FROM school_headcounts WHERE campaign_id = :c",
    "DELETE FROM campaigns WHERE id = :c",
)


def purge(conn: sqlite3.Connection, campaign_id: int) -> dict[str, int]:
    """Inside a write transaction: delete the campaign and everything it holds; rows deleted
    per table."""
    counts = {}
    for sql in _PURGE:
        table = sql.split()[2]
        counts[table] = counts.get(table, 0) + conn.execute(sql, {"c": campaign_id}).rowcount
    return counts
