"""Results files for organisers: CSV (UTF-8 with BOM, opens cleanly in Excel) or XLSX.

XLSX is streamed (quizzes.xlsx) so a campaign of 370,000 participants exports in bounded
memory; its times are real Excel dates and every sheet has a frozen header and filters.

Only what an organiser needs to publish results: rank, name, school, college, class, score,
time, finish time (local), pass, certificate code, anomaly flag, certificate status. Never the Telegram id or the
student-number hash. Text that a spreadsheet would run as a formula (``=…``, ``+…``) is written
as plain text. The file is written beside the target and renamed into place when complete.
"""
from __future__ import annotations

import csv
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Iterable
from zoneinfo import ZoneInfo

from quizzes.errors import QuizError
from quizzes.review import STATUS_TEXT

COLUMNS = ("名次", "姓名", "学校", "学院", "班级", "得分", "满分", "用时(秒)", "完成时间",
           "是否合格", "证书编号", "异常标记", "证书状态")
SCHOOL_COLUMNS = ("名次", "学校", "参赛人数", "平均分", "应参赛人数", "参与率")
COLLEGE_COLUMNS = ("学校", "学院", "参赛人数", "合格人数", "合格率", "平均分", "平均用时(秒)", "异常标记")
QUESTION_COLUMNS = ("题目编号", "题目", "作答次数", "答对次数", "正确率", "超时次数")
DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
FLAG_TEXT = "答题过快"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def local_time(ts: float | None, tz: str, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, ZoneInfo(tz)).strftime(fmt)


def columns(student_numbers: bool = False) -> tuple[str, ...]:
    return (*COLUMNS[:5], "学号", *COLUMNS[5:]) if student_numbers else COLUMNS


def individual_cells(row, tz: str, *, excel: bool = False, student_numbers: bool = False) -> list:
    """One ranking row (an engine ``RankRow``) as the exported cells, in ``columns()`` order;
    the finish time as text, or as a local datetime for a spreadsheet (``excel``)."""
    cells = [row.rank, row.name, row.school, row.college, row.class_name, row.score, row.total,
            round(row.elapsed_ms / 1000, 1),
            excel_time(row.finished_at, tz) if excel else local_time(row.finished_at, tz),
            "是" if row.passed else "否", row.certificate_code or "", FLAG_TEXT if row.flagged else "",
            STATUS_TEXT.get(getattr(row, "certificate_status", ""), "")]
    if student_numbers:
        cells.insert(5, getattr(row, "student_no", ""))
    return cells


def school_cells(row) -> list:
    rate = None if row.participation_rate is None else round(row.participation_rate, 4)
    return [row.rank, row.school, row.participants, round(row.average_score, 2),
            row.headcount if row.headcount is not None else "", rate if rate is not None else ""]


def write_results(path: str | Path, rows: Iterable, schools: Iterable, tz: str, *,
                  colleges: Iterable = (), questions: Iterable = (), student_numbers: bool = False) -> int:
    """Write ``rows`` (and, for XLSX, sheets of ``schools``, ``colleges`` and ``questions``, the
    :mod:`quizzes.dashboard` statistics); returns rows written. XLSX times are Excel dates; every
    sheet has a frozen header and filters. ``student_numbers``: add a 学号 column (only for a
    campaign whose organiser opted in to keeping them)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise QuizError("只能导出为 .csv 或 .xlsx 文件。")
    if not path.parent.is_dir():
        raise QuizError(f"文件夹 {path.parent} 不存在。")
    fd, tmp = tempfile.mkstemp(prefix=".export-", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        if suffix == ".csv":
            count = _write_csv(Path(tmp), rows, tz, student_numbers)
        else:
            count = _write_xlsx(Path(tmp), rows, schools, tz, colleges=colleges, questions=questions,
                                student_numbers=student_numbers)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count


def _plain(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _write_csv(path: Path, rows: Iterable, tz: str, student_numbers: bool = False) -> int:
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns(student_numbers))
        for row in rows:
            writer.writerow([_plain(v) for v in individual_cells(row, tz, student_numbers=student_numbers)])
            count += 1
    return count


def excel_time(ts: float | None, tz: str) -> datetime | None:
    """A Unix time as a naive local datetime: Excel stores dates without a zone."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, ZoneInfo(tz)).replace(tzinfo=None)


def _write_xlsx(path: Path, rows: Iterable, schools: Iterable, tz: str, *, colleges: Iterable = (),
                questions: Iterable = (), student_numbers: bool = False) -> int:
    """Streamed (quizzes.xlsx): time per row is microseconds and memory stays flat."""
    from quizzes.xlsx import Percent, XlsxWriter

    count = 0
    with XlsxWriter(path) as book:
        widths = (6, 12, 22, 18, 14, *((14,) if student_numbers else ()), 6, 6, 9, 20, 8, 15, 10, 9)
        with book.sheet("个人成绩", columns(student_numbers), widths) as add:
            for row in rows:
                add(individual_cells(row, tz, excel=True, student_numbers=student_numbers))
                count += 1
        with book.sheet("学校统计", SCHOOL_COLUMNS, (6, 24, 10, 8, 12, 8)) as add:
            for school in schools:
                values = school_cells(school)
                if values[-1] != "":
                    values[-1] = Percent(values[-1])
                add(values)
        colleges, questions = list(colleges), list(questions)
        if colleges:
            with book.sheet("学院统计", COLLEGE_COLUMNS, (24, 18, 10, 10, 10, 8, 12, 10)) as add:
                for g in colleges:
                    add((g.school, g.college, g.participants, g.passed, Percent(round(g.pass_rate, 4)),
                         round(g.average_score, 2), round(g.average_seconds, 1), g.flagged))
        if questions:
            with book.sheet("题目统计", QUESTION_COLUMNS, (16, 60, 10, 10, 10, 10)) as add:
                for q in questions:
                    add((q.question_id, q.stem, q.shown, q.correct, Percent(round(1 - q.miss_rate, 4)), q.timeouts))
    return count
