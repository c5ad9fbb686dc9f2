"""Question banks as organisers keep them: one question per row of a CSV or XLSX sheet.

Universities run their "6·5" quizzes from spreadsheets (题目, 选项A…选项F, 答案, 解析, 依据 …),
saved by Excel on Chinese Windows (GB18030 CSV) or as .xlsx. :func:`read_questions` turns such a
file into validated :class:`~quizzes.model.Question` values or raises
:class:`~quizzes.errors.ImportFailed` listing *every* bad row by its spreadsheet row number;
:func:`import_file` then stores them in one transaction, so a file is imported whole or not at
all. Uploads are untrusted: size, row count and the zip directory are checked before parsing,
formulas are read as their cached values. :func:`export_questions` writes the same layout, so an
export re-imports to the same questions.
"""
from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Sequence

from quizzes.errors import ImportFailed, QuizError
from quizzes.model import (
    AUDIENCES, DIFFICULTIES, LETTERS, MAX_EXPLANATION, MAX_OPTION, MAX_OPTIONS, MAX_STEM, MIN_OPTIONS,
    Basis, Problem, Question,
)

_MiB = 1024 * 1024
MAX_BYTES = 10 * _MiB  # the upload itself
MAX_ROWS = 5000  # questions (non-empty rows) per file
MAX_COLUMNS = 64
MAX_UNCOMPRESSED = 100 * _MiB  # XLSX: all members together, from the zip directory
MAX_RATIO = 200.0  # XLSX: uncompressed / compressed per member larger than 1 MiB (zip bombs)
MAX_MEMBERS = 1000
MAX_ID = 64
HEADER_SCAN = 10  # the header may sit below a title row or two

# field -> accepted headers (compared after NFKC, lower case, spaces removed)
HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("编号", "题目编号", "id"),
    "stem": ("题目", "题干", "试题", "stem", "question"),
    "options": ("选项", "options"),
    **{f"option_{c.lower()}": (f"选项{c}", c, f"option_{c.lower()}", f"option{c.lower()}") for c in LETTERS},
    "answer": ("答案", "正确答案", "answer"),
    "explanation": ("解析", "答案解析", "explanation"),
    "review": ("详解", "review"),
    "basis": ("依据", "法律依据", "basis"),
    "source": ("来源", "出处", "source"),
    "topic": ("主题", "topic"),
    "difficulty": ("难度", "difficulty"),
    "audience": ("对象", "适用对象", "audience"),
}
EXPORT_HEADER = ("编号", "题目", *(f"选项{c}" for c in LETTERS), "答案", "解析", "详解", "依据", "来源",
                 "主题", "难度", "对象")
DIFFICULTY_NAMES = {"easy": "容易", "medium": "中等", "hard": "困难"}
# the bank's topics (quizzes.bank.TOPICS) as organisers name them; campaigns select by these
TOPIC_NAMES = {"alarm": "防空警报", "history": "历史", "shelter": "人防工程使用", "rights": "权利义务",
               "works": "人防工程建设", "military": "军事设施", "education": "国防教育", "mobilization": "国防动员"}
_TOPIC_IN = {**{v: k for k, v in TOPIC_NAMES.items()}, **{k: k for k in TOPIC_NAMES},
             "警报": "alarm", "防空警报信号": "alarm", "史实": "history", "防空历史": "history",
             "重庆大轰炸": "history", "人防工程保护": "shelter", "工程使用": "shelter", "人防工程": "works",
             "工程建设": "works", "防空地下室": "works", "权利与义务": "rights", "军事设施保护": "military",
             "兵役": "military", "动员": "mobilization"}
AUDIENCE_NAMES = {"public": "公众", "student": "学生", "staff": "工作人员"}
_DIFFICULTY_IN = {**{v: k for k, v in DIFFICULTY_NAMES.items()}, "简单": "easy", "较难": "hard", "难": "hard",
                  **{k: k for k in DIFFICULTIES}}
_AUDIENCE_IN = {**{v: k for k, v in AUDIENCE_NAMES.items()}, "大学生": "student", "学校": "student",
                "市民": "public", "群众": "public", "人防工作人员": "staff", **{k: k for k in AUDIENCES}}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LIST_SPLIT = re.compile(r"[,，、;；/\s]+")
_OPTION_PREFIX = re.compile(r"^[（(]?\s*([A-Fa-f])\s*(?:[)）]\s*[.．、:：]?|[.．、:：])\s*")
_BASIS_SPLIT = re.compile(r"[;；\n]+")
_NUM = r"[0-9０-９]+|[零〇一二两三四五六七八九十百千]+"
_REF = rf"第?\s*(?:{_NUM})\s*条?(?:之[一二三四五六七八九十]+)?"
_BASIS_ONE = re.compile(rf"^(?P<law>.+?)\s*(?P<refs>{_REF}(?:\s*[、，,和及]\s*{_REF})*)\s*$")
_REF_ONE = re.compile(_REF)
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
               NotImplementedError, RuntimeError, struct.error, KeyError)


@dataclass(frozen=True)
class ImportDefaults:
    """Values for the whole sheet, used where a row leaves the cell empty (the CLI's ``--source``,
    ``--basis`` and ``--tag``): organisers often keep one source for a sheet instead of a
    column."""

    source: str = ""
    basis: str = ""  # e.g. 人防法第十四条; checked against the store like a 依据 cell
    topic: str = ""  # a topic tag or its Chinese name (防空警报 …)


@dataclass(frozen=True)
class ImportResult:
    questions: tuple[Question, ...]
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()

    @property
    def untagged(self) -> tuple[str, ...]:
        """Questions without a topic: never drawn by a campaign that selects by tags."""
        return tuple(q.id for q in self.questions if not q.topic)


# ---- entry points ------------------------------------------------------------------------

def import_file(path: str | Path, qstore, *, statutes=None, mapping: Mapping[str, str] | None = None,
                created_by: str = "", home_region: str = "重庆市", reserved_ids: Iterable[str] = (),
                defaults: ImportDefaults = ImportDefaults()) -> ImportResult:
    """Read, validate and store a question file; nothing is stored unless every row is good."""
    path = Path(path)
    questions = read_questions(read_upload(path), path.name, statutes=statutes, mapping=mapping,
                               home_region=home_region, reserved_ids=reserved_ids, defaults=defaults)
    try:
        result = qstore.add_many(questions, created_by)
    except QuizError as exc:
        raise ImportFailed(f"{path.name} 未导入：{exc}", [Problem(path.name, str(exc))]) from exc
    return ImportResult(tuple(questions), result.added, result.updated, result.unchanged)


def read_upload(path: str | Path) -> bytes:
    """The file's bytes, refusing oversized files before reading them."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise _refuse(path.name, f"文件太大（{size / _MiB:.1f} MB），题库文件不能超过 {MAX_BYTES // _MiB} MB。")
        return path.read_bytes()
    except OSError:
        raise _refuse(path.name, "无法读取文件，请确认路径正确。") from None


def read_questions(data: bytes, filename: str, *, statutes=None, mapping: Mapping[str, str] | None = None,
                   home_region: str = "重庆市", reserved_ids: Iterable[str] = (),
                   defaults: ImportDefaults = ImportDefaults()) -> list[Question]:
    """Parse and validate a CSV/XLSX question file. ``statutes`` (a kb Store) resolves 依据;
    ``reserved_ids`` are taken by the curated bank files; ``defaults`` fill empty cells.

    Raises ImportFailed with one Problem per bad row (all rows are checked)."""
    name = Path(filename).name or "题库"
    defaults = _check_defaults(defaults, name, _BasisResolver(statutes, home_region))
    if len(data) > MAX_BYTES:
        raise _refuse(name, f"文件太大，题库文件不能超过 {MAX_BYTES // _MiB} MB。")
    if not data.strip():
        raise _refuse(name, "文件是空的。")
    header_at, columns, sheet_rows = 0, None, []
    with contextlib.closing(_sheets(data, name)) as sheets:
        for sheet_rows in sheets:
            header_at, columns = _find_header(sheet_rows, name, mapping)
            if columns is not None:
                break
    if columns is None:
        wanted = "、".join(HEADERS[f][0] for f in ("stem", "answer", "explanation"))
        raise _refuse(name, f"找不到表头：第一行应包含“{wanted}”等列，或用列映射指定列名。")
    _check_columns(columns, header_at, name)
    if "options" not in columns and not {"option_a", "option_b"} <= columns.keys():
        answers = [cells[columns["answer"]] for row_no, cells in sheet_rows
                   if row_no > header_at and any(cells) and columns["answer"] < len(cells)]
        if not all(judgement(a) is not None for a in answers if a):
            raise _refuse(name, f"第{header_at}行的表头缺少必需的列：选项A（判断题可以没有选项列，答案写“对”或“错”）。")
    questions, problems = _rows_to_questions(sheet_rows, header_at, columns, name,
                                             _BasisResolver(statutes, home_region), set(reserved_ids), defaults)
    if problems:
        rows = len({p.location for p in problems})
        raise ImportFailed(f"{name} 有 {rows} 行有问题（共 {len(problems)} 处），未导入任何题目。", problems)
    if not questions:
        raise _refuse(name, "文件里没有题目（表头下面是空的）。")
    return questions


def parse_mapping(text: str) -> dict[str, str]:
    """``题目=试题内容,答案=正确答案`` → ``{"stem": "试题内容", "answer": "正确答案"}``."""
    out: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in re.split(r"[,，;；\n]", text or ""))):
        key, sep, value = part.replace("＝", "=").partition("=")
        field = _field_of(key)
        if not sep or not value.strip() or field is None:
            raise QuizError(f"列映射“{part}”无法识别（例如：题目=试题内容,答案=正确答案）。")
        out[field] = value.strip()
    return out


def export_questions(questions: Iterable[Question], path: str | Path) -> int:
    """Write questions in the import layout: .csv (UTF-8 with BOM, for Excel) or .xlsx."""
    path = Path(path)
    rows = [question_row(q) for q in questions]
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(EXPORT_HEADER)
            writer.writerows(rows)
    elif suffix == ".xlsx":
        _write_xlsx(rows, path)
    else:
        raise QuizError("只能导出为 .csv 或 .xlsx 文件。")
    return len(rows)


def question_row(q: Question) -> list[str]:
    from kb.numerals import int_to_cn

    options = [*q.options, *[""] * (MAX_OPTIONS - len(q.options))]
    basis = "；".join(f"《{b.law}》第{int_to_cn(b.article)}条{b.suffix}" for b in q.basis)
    return [q.id, q.stem, *options, q.answer_letters(), q.explanation, q.review, basis, q.source,
            TOPIC_NAMES.get(q.topic, q.topic),
            DIFFICULTY_NAMES.get(q.difficulty, q.difficulty),
            "、".join(AUDIENCE_NAMES.get(a, a) for a in q.audience)]


def imported_id(stem: str, options: Sequence[str]) -> str:
    return "imp-" + hashlib.sha256("\x1f".join((stem, *options)).encode("utf-8")).hexdigest()[:12]


# ---- reading files -----------------------------------------------------------------------

def _refuse(name: str, message: str) -> ImportFailed:
    return ImportFailed(f"{name}：{message}", [Problem(name, message)])


def _sheets(data: bytes, name: str) -> Iterator[list[tuple[int, list[str]]]]:
    """Each sheet's rows as (row number, cell texts). XLSX by content, CSV otherwise."""
    suffix = Path(name).suffix.lower()
    if data.startswith(b"\xd0\xcf\x11\xe0") or suffix == ".xls":
        raise _refuse(name, "暂不支持旧版 .xls 文件，请在 Excel 中“另存为” .xlsx 或 CSV 后再导入。")
    if suffix in (".xlsx", ".xlsm") or data.startswith(b"PK\x03\x04"):
        yield from _xlsx_sheets(data, name)
    elif suffix in (".csv", ".txt", ".tsv", ""):
        yield _csv_rows(data, name)
    else:
        raise _refuse(name, "只支持 .xlsx 或 .csv 格式的题库文件。")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    return _CONTROL.sub("", text).strip()


def _check_rows(count: int, name: str) -> None:
    if count > MAX_ROWS:
        raise _refuse(name, f"行数太多：一个题库文件最多 {MAX_ROWS} 道题，请拆分后分批导入。")


def _csv_rows(data: bytes, name: str) -> list[tuple[int, list[str]]]:
    text = _decode(data, name)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    rows, filled = [], 0
    try:
        for row_no, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), 1):
            cells = [_cell(c) for c in row[:MAX_COLUMNS]]
            filled += any(cells)
            _check_rows(filled - 1, name)
            rows.append((row_no, cells))
    except csv.Error:
        raise _refuse(name, f"第{len(rows) + 1}行不是有效的 CSV 格式（可能是引号不成对或内容过长）。") from None
    return rows


def _decode(data: bytes, name: str) -> str:
    bad_encoding = _refuse(name, "无法识别文件的文字编码，请在 Excel 中另存为“CSV UTF-8”后再导入。")
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                          (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding)
            except UnicodeDecodeError:
                raise bad_encoding from None
    if b"\x00" in data:
        raise _refuse(name, "这不是文本文件（含有二进制内容），请上传 .xlsx 或 .csv 题库。")
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if len(_CONTROL.findall(text)) > len(text) / 100:
            break
        return text
    raise bad_encoding


def _xlsx_sheets(data: bytes, name: str) -> Iterator[list[tuple[int, list[str]]]]:
    _check_zip(data, name)
    from openpyxl import load_workbook

    not_xlsx = _refuse(name, "文件已损坏或不是有效的 Excel（.xlsx）文件。")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for malformed uploads; all mean the same
        raise not_xlsx from None
    try:
        for sheet in workbook.worksheets:
            rows, filled = [], 0
            try:
                for row_no, row in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), 1):
                    cells = [_cell(v) for v in row]
                    filled += any(cells)
                    _check_rows(filled - 1, name)
                    if row_no > MAX_ROWS * 20:  # mostly blank rows: stop scanning formatted emptiness
                        break
                    rows.append((row_no, cells))
            except ImportFailed:
                raise
            except Exception:
                raise not_xlsx from None
            yield rows
    finally:
        workbook.close()


def _check_zip(data: bytes, name: str) -> None:
    """The zip directory of an XLSX upload: members, sizes and ratios, before decompressing."""
    not_xlsx = _refuse(name, "文件已损坏或不是有效的 Excel（.xlsx）文件。")
    if not data.startswith(b"PK"):
        raise not_xlsx
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                raise _refuse(name, "文件结构异常，已拒绝导入。")
            for info in infos:
                if info.file_size > _MiB and info.file_size / max(info.compress_size, 1) > MAX_RATIO:
                    raise _refuse(name, "文件压缩比异常（可能是恶意构造的文件），已拒绝导入。")
            if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
                raise _refuse(name, f"文件解压后超过 {MAX_UNCOMPRESSED // _MiB} MB，已拒绝导入。")
            if "xl/workbook.xml" not in archive.namelist():
                raise not_xlsx
            for info in infos:
                if info.filename.endswith((".xml", ".rels")):
                    with archive.open(info) as member:
                        head = member.read(4096)
                    if re.search(rb"<!DOCTYPE|<!ENTITY", head, re.I) or b"\x00" in head[:64]:
                        raise _refuse(name, "文件含有不安全的 XML 声明，已拒绝导入。")
    except ImportFailed:
        raise
    except _ZIP_ERRORS:
        raise not_xlsx from None


def _write_xlsx(rows: list[list[str]], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "题库"
    ws.append(list(EXPORT_HEADER))
    for row in rows:
        ws.append(row)
    for cells in ws.iter_rows(min_row=2):
        for cell in cells:
            cell.data_type = "s"  # text, never a formula, even when it starts with "="
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cell in ws[1]:
        cell.font = Font(bold=True)
    widths = {"B": 50, "L": 40, "M": 40, "N": 40}
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    wb.save(path)


# ---- headers -----------------------------------------------------------------------------

def _norm_header(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).lower()


_ALIASES = {_norm_header(h): field for field, names in HEADERS.items() for h in names}


def _field_of(key: str) -> str | None:
    k = _norm_header(key)
    return k if k in HEADERS else _ALIASES.get(k)


def _find_header(rows, name: str, mapping: Mapping[str, str] | None) -> tuple[int, dict[str, int] | None]:
    """(row number of the header, field -> column index), or (0, None) when there is none.

    A mapped field is read only from its mapped column; other fields from their usual headers."""
    mapped: dict[str, str] = {}
    for key, header in (mapping or {}).items():
        field = _field_of(key)
        if field is None:
            raise _refuse(name, f"列映射中的“{key}”不是可识别的字段（例如：题目、答案、选项A、选项）。")
        mapped[_norm_header(header)] = field
    for row_no, cells in rows[:HEADER_SCAN]:
        columns: dict[str, int] = {}
        for i, cell in enumerate(cells):
            h = _norm_header(cell)
            field = mapped.get(h)
            if field is None and _ALIASES.get(h) not in mapped.values():
                field = _ALIASES.get(h)
            if field and field not in columns:
                columns[field] = i
        if "stem" in columns:
            absent = [h for h, f in mapped.items() if f not in columns]
            if absent:
                raise _refuse(name, f"按列映射找不到列：{'、'.join(absent)}。")
            return row_no, columns
    return 0, None


# ---- rows --------------------------------------------------------------------------------

def _check_defaults(defaults: ImportDefaults, name: str, resolver: "_BasisResolver") -> ImportDefaults:
    """The sheet-wide values, checked once (a bad one refuses the whole file)."""
    errors: list[str] = []
    topic = _topic(defaults.topic.strip(), errors) if defaults.topic.strip() else ""
    if defaults.basis.strip():
        resolver.resolve(defaults.basis, errors)
    source = _cell(defaults.source)
    if errors:
        raise _refuse(name, "；".join(f"整表默认值：{e}" for e in errors) + "。")
    return ImportDefaults(source, defaults.basis.strip(), topic)


def _check_columns(columns: dict[str, int], header_at: int, name: str) -> None:
    """题目 and 答案 are needed; options may be absent in a sheet of true/false questions."""
    missing = [f for f in ("stem", "answer") if f not in columns]
    if missing:
        names = "、".join(HEADERS[f][0] for f in missing)
        raise _refuse(name, f"第{header_at}行的表头缺少必需的列：{names}。")


def _rows_to_questions(rows, header_at: int, columns: dict[str, int], name: str, resolver: "_BasisResolver",
                       reserved: set[str], defaults: ImportDefaults = ImportDefaults()
                       ) -> tuple[list[Question], list[Problem]]:
    """Every data row checked; a row repeating an earlier id or question is a problem too."""
    questions, problems, seen = [], [], {}
    for row_no, cells in rows:
        if row_no <= header_at or not any(cells):
            continue
        where = f"{name} 第{row_no}行"
        values = {f: (cells[i] if i < len(cells) else "") for f, i in columns.items()}
        if not values.get("basis") and not values.get("source"):
            values["basis"], values["source"] = defaults.basis, defaults.source
        if not values.get("topic") and defaults.topic:
            values["topic"] = defaults.topic
        q, errors = _question(values, where, resolver)
        keys = [("id", values.get("id", ""))]  # ids made from the content repeat with the content
        if q is not None:
            keys.append(("content", (q.stem, q.options)))
        earlier = next((seen[k] for k in keys if k[1] and k in seen), None)
        if earlier:
            what = f"编号“{keys[0][1]}”" if keys[0][1] and keys[0] in seen else "题目和选项"
            errors.append(f"{what}与第{earlier}行重复")
        for k in keys:
            seen.setdefault(k, row_no)
        if keys[0][1] in reserved:
            errors.append(f"编号“{keys[0][1]}”已被内置题库使用，请换一个编号")
        if errors:
            problems += [Problem(where, e) for e in errors]
        else:
            questions.append(q)
    return questions, problems


def _question(v: dict[str, str], where: str, resolver: "_BasisResolver") -> tuple[Question | None, list[str]]:
    errors: list[str] = []
    stem = v.get("stem", "")
    if not stem:
        errors.append("缺少题目")
    elif len(stem) > MAX_STEM:
        errors.append(f"题目超过 {MAX_STEM} 字（现有 {len(stem)} 字）")
    truth = judgement(v.get("answer", ""))
    if truth is not None and not _has_options(v):
        options = TRUE_FALSE  # a true/false sheet: no option cells at all
    else:
        options = _options(v, errors)
    correct = _judged(truth, options, errors) if truth is not None else _answer(v.get("answer", ""), len(options), errors)
    explanation = v.get("explanation", "")
    if not explanation:
        errors.append("缺少解析")
    elif len(explanation) > MAX_EXPLANATION:
        errors.append(f"解析超过 {MAX_EXPLANATION} 字（现有 {len(explanation)} 字），较长的说明请写在“详解”列")
    basis = resolver.resolve(v.get("basis", ""), errors)
    source = v.get("source", "")
    if not v.get("basis") and not source:
        errors.append("请填写依据（如：人防法第十四条）或来源")
    topic = _topic(v.get("topic", ""), errors)
    difficulty = _difficulty(v.get("difficulty", ""), errors)
    audience = _audience(v.get("audience", ""), errors)
    qid = v.get("id", "")
    if qid and (len(qid) > MAX_ID or re.search(r"\s", qid)):
        errors.append(f"编号“{qid[:20]}”无效（不超过 {MAX_ID} 个字符，不能含空格）")
    if errors:
        return None, errors
    return Question(
        id=qid or imported_id(stem, options), stem=stem, options=options, correct=correct,
        explanation=explanation, review=v.get("review", ""), basis=basis, source=source,
        topic=topic, difficulty=difficulty, audience=audience, origin="imported",
        status="approved", location=where,
    ), []


TRUE_FALSE = ("正确", "错误")
_TRUE = {"对", "正确", "√", "✓", "✔", "是", "true"}
_FALSE = {"错", "错误", "×", "✗", "✘", "╳", "否", "false"}
_JUDGEMENT_PAIRS = ({"正确", "错误"}, {"对", "错"}, {"是", "否"}, {"√", "×"})


def judgement(text: str) -> bool | None:
    """True/False for an answer written as 对/错, √/×, 正确/错误 (是/否, true/false); None otherwise."""
    word = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).lower()
    return True if word in _TRUE else False if word in _FALSE else None


def _has_options(v: dict[str, str]) -> bool:
    return bool(v.get("options") or any(v.get(f"option_{c.lower()}") for c in LETTERS))


def _judged(truth: bool, options: tuple[str, ...], errors: list[str]) -> tuple[int, ...]:
    """The index of the option saying ``truth`` in a true/false question (正确/错误, 对/错 …)."""
    if not options:
        return ()
    pair = next((p for p in _JUDGEMENT_PAIRS if set(options) == p), None)
    if pair is None:
        errors.append("答案写成“对/错”时，选项应为空（判断题）或为“正确、错误”“对、错”这样的一对")
        return ()
    for i, option in enumerate(options):
        if (judgement(option) is True) == truth:
            return (i,)
    return ()


def split_options(text: str) -> list[str]:
    """One cell holding all options: by line, else by "|", else by "；"."""
    for pattern in (r"\n", r"[|｜]", r"[;；]"):
        if re.search(pattern, text):
            return [p.strip() for p in re.split(pattern, text)]
    return [text.strip()] if text.strip() else []


def _strip_letters(options: list[str]) -> list[str]:
    """Drop "A. " / "B、" / "(C)" prefixes when every option carries its own letter in order."""
    if not options or len(options) > len(LETTERS):
        return options
    matches = [_OPTION_PREFIX.match(o) for o in options]
    if all(m and m.group(1).upper() == LETTERS[i] for i, m in enumerate(matches)):
        return [o[m.end():].strip() for o, m in zip(options, matches)]
    return options


def _options(v: dict[str, str], errors: list[str]) -> tuple[str, ...]:
    columns = [v.get(f"option_{c.lower()}", "") for c in LETTERS]
    if any(columns) or "options" not in v:
        while columns and not columns[-1]:
            columns.pop()
        gaps = [LETTERS[i] for i, o in enumerate(columns) if not o]
        if gaps:
            errors.append(f"选项{'、'.join(gaps)}为空，但后面还有选项")
        options = [o for o in columns if o]
    else:
        options = [o for o in split_options(v["options"]) if o]
        if len(options) > MAX_OPTIONS:
            errors.append(f"选项最多 {MAX_OPTIONS} 个（现有 {len(options)} 个）")
            return ()
    options = _strip_letters(options)
    if len(options) < MIN_OPTIONS:
        errors.append(f"至少需要 {MIN_OPTIONS} 个选项（现有 {len(options)} 个）")
    for i, o in enumerate(options):
        if len(o) > MAX_OPTION:
            errors.append(f"选项{LETTERS[i]}超过 {MAX_OPTION} 字（现有 {len(o)} 字）")
        if o and o in options[:i]:
            errors.append(f"选项{LETTERS[i]}与选项{LETTERS[options.index(o)]}相同")
    return tuple(options)


def _answer(text: str, n_options: int, errors: list[str]) -> tuple[int, ...]:
    letters = _LIST_SPLIT.sub("", unicodedata.normalize("NFKC", text)).upper()
    if not letters:
        errors.append("缺少答案")
        return ()
    if any(ch not in LETTERS for ch in letters):
        errors.append(f"答案“{text}”无法识别（请填选项字母，如 B 或 AC）")
        return ()
    beyond = "".join(dict.fromkeys(ch for ch in letters if LETTERS.index(ch) >= n_options))
    if beyond and n_options >= MIN_OPTIONS:
        errors.append(f"答案“{beyond}”超出选项范围（本题只有 {n_options} 个选项）")
        return ()
    return tuple(sorted({LETTERS.index(ch) for ch in letters}))


def _choice(text: str, table: dict[str, str], default: str, field: str, allowed: str,
            errors: list[str]) -> str:
    """One cell naming a value of ``table`` (any accepted spelling); blank is ``default``."""
    if not text:
        return default
    value = table.get(_norm_header(text))
    if value is None:
        errors.append(f"{field}“{text}”无法识别（可填：{allowed}）")
        return default
    return value


def _topic(text: str, errors: list[str]) -> str:
    return _choice(text, _TOPIC_IN, "", "主题", "、".join(TOPIC_NAMES.values()), errors)


def _difficulty(text: str, errors: list[str]) -> str:
    return _choice(text, _DIFFICULTY_IN, "medium", "难度", "容易、中等、困难", errors)


def _audience(text: str, errors: list[str]) -> tuple[str, ...]:
    parts = [p for p in _LIST_SPLIT.split(text) if p]
    if not parts:
        return ("public",)
    out = []
    for p in parts:
        value = _AUDIENCE_IN.get(_norm_header(p))
        if value is None:
            errors.append(f"对象“{p}”无法识别（可填：公众、学生、工作人员）")
        elif value not in out:
            out.append(value)
    return tuple(out) or ("public",)


class _BasisResolver:
    """依据 text → Basis values, each checked against the current articles of the statute store."""

    def __init__(self, statutes, home_region: str):
        self.statutes, self.home_region = statutes, home_region
        self._cache: dict[tuple[str, str], object] = {}

    def resolve(self, text: str, errors: list[str]) -> tuple[Basis, ...]:
        out: list[Basis] = []
        for part in filter(None, (p.strip() for p in _BASIS_SPLIT.split(text or ""))):
            m = _BASIS_ONE.match(part)
            if not m:
                errors.append(f"依据“{part}”无法识别（例如：人防法第十四条）")
                continue
            if self.statutes is None:
                errors.append("无法核对依据：没有连接法规库")
                return ()
            for ref in _REF_ONE.findall(m.group("refs")):
                found = self._article(m.group("law").strip(), ref)
                if isinstance(found, str):
                    errors.append(f"依据“{part}”：{found}")
                elif found is not None:
                    b = Basis(found.law_title, found.number, found.suffix)
                    if b not in out:
                        out.append(b)
        return tuple(out)

    def _article(self, law: str, ref: str):
        from kb.errors import NotFoundError
        from kb.lookup import find_article

        key = (law, re.sub(r"\s+", "", ref))
        if key not in self._cache:
            try:
                self._cache[key] = find_article(self.statutes, law, ref, None, self.home_region)
            except NotFoundError as exc:
                self._cache[key] = str(exc).rstrip("。")
        return self._cache[key]
