"""Results files for organisers: CSV (UTF-8 with BOM, opens cleanly in Excel) or XLSX.

Only what an organiser needs to publish results: rank, name, school, college, class, score,
time, finish time (local), pass, certificate code, anomaly flag. Never the Telegram id or the
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

COLUMNS = ("名次", "姓名", "学校", "学院", "班级", "得分", "满分", "用时(秒)", "完成时间",
           "是否合格", "证书编号", "异常标记")
SCHOOL_COLUMNS = ("名次", "学校", "参赛人数", "平均分", "应参赛人数", "参与率")
FLAG_TEXT = "答题过快"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def local_time(ts: float | None, tz: str, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, ZoneInfo(tz)).strftime(fmt)


def individual_cells(row, tz: str) -> list:
    """One ranking row (an engine ``RankRow``) as the exported cells, in COLUMNS order."""
    return [row.rank, row.name, row.school, row.college, row.class_name, row.score, row.total,
            round(row.elapsed_ms / 1000, 1), local_time(row.finished_at, tz),
            "是" if row.passed else "否", row.certificate_code or "", FLAG_TEXT if row.flagged else ""]


def school_cells(row) -> list:
    rate = None if row.participation_rate is None else round(row.participation_rate, 4)
    return [row.rank, row.school, row.participants, round(row.average_score, 2),
            row.headcount if row.headcount is not None else "", rate if rate is not None else ""]


def write_results(path: str | Path, rows: Iterable, schools: Iterable, tz: str) -> int:
    """Write ``rows`` (and, for XLSX, a second sheet of ``schools``); returns rows written."""
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
            count = _write_csv(Path(tmp), rows, tz)
        else:
            count = _write_xlsx(Path(tmp), rows, schools, tz)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count


def _plain(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _write_csv(path: Path, rows: Iterable, tz: str) -> int:
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([_plain(v) for v in individual_cells(row, tz)])
            count += 1
    return count


def _write_xlsx(path: Path, rows: Iterable, schools: Iterable, tz: str) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    people = wb.create_sheet("个人成绩")
    for letter, width in zip("ABCDEFGHIJKL", (6, 12, 22, 18, 14, 6, 6, 9, 20, 8, 15, 10)):
        people.column_dimensions[letter].width = width

    def cells(sheet, values):
        out = []
        for v in values:
            cell = WriteOnlyCell(sheet, value=v)
            if isinstance(v, str):
                cell.data_type = "s"  # never a formula, whatever the participant typed
            out.append(cell)
        return out

    people.append(list(COLUMNS))
    count = 0
    for row in rows:
        people.append(cells(people, individual_cells(row, tz)))
        count += 1
    sheet = wb.create_sheet("学校统计")
    sheet.column_dimensions["B"].width = 24
    sheet.append(list(SCHOOL_COLUMNS))
    for school in schools:
        values = school_cells(school)
        row_cells = cells(sheet, values)
        if values[-1] != "":
            row_cells[-1].number_format = "0.0%"
        sheet.append(row_cells)
    wb.save(path)
    return count
