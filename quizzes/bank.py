"""The curated question bank: ``quizzes/bank/*.toml`` files, loaded with every problem located.

Bank files are written by people, so loading never stops at the first mistake: it returns the
valid questions and a :class:`Problem` per mistake, located as ``file:line`` (the line of the key
at fault, or of the question's ``[[question]]`` header), with a message in Chinese. The legal
basis of each question is checked separately against the statute store (:func:`validate_basis`),
since the bank is also loaded where no store is at hand.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from kb.numerals import NUMERAL_CHARS, cn_to_int
from quizzes.model import (AUDIENCES, DIFFICULTIES, LETTERS, MAX_EXPLANATION, MAX_OPTION, MAX_OPTIONS,
                           MAX_STEM, MIN_OPTIONS, BankLoad, Basis, Problem, Question)

BANK_DIR = Path(__file__).resolve().parent / "bank"
TOPICS = ("alarm", "history", "shelter", "rights", "works", "military", "education", "mobilization")
REQUIRED = ("id", "stem", "options", "answer", "explanation", "topic", "difficulty")
KEYS = (*REQUIRED, "review", "basis", "basis_sha", "source", "audience")
_SHA = re.compile(r"^[0-9a-f]{12}$")

_HEADER = re.compile(r"^\s*\[\[\s*question\s*\]\]\s*(#.*)?$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_NUM = f"[{NUMERAL_CHARS}]+"
if TYPE_CHECKING:
    from kb.dependants import Flagged

_BASIS = re.compile(
    rf"^(?:《(?P<quoted>(?:[^《》]|《[^《》]*》)+)》|(?P<bare>[^《》\s][^\s]*?))\s*第(?P<num>{_NUM})条"
    rf"(?P<suffix>之[一二三四五六七八九十]+)?(?:第{_NUM}款)?(?:第{_NUM}项)?$")
_SYNTAX_LINE = re.compile(r"at line (\d+)")


def parse_basis(text: str) -> Basis | None:
    """``《中华人民共和国人民防空法》第十四条`` (or 第14条, 第十四条之一, …第一款) → Basis; None if not."""
    m = _BASIS.match((text or "").strip().replace("〈", "《").replace("〉", "》"))
    if not m:
        return None
    try:
        number = cn_to_int(m.group("num"))
    except ValueError:
        return None
    return Basis((m.group("quoted") or m.group("bare")).strip(), number, m.group("suffix") or "")


def bank_files(paths: Iterable[str | Path] | None = None) -> list[Path]:
    """The default bank (``quizzes/bank/*.toml``), or the files given (folders: their *.toml)."""
    if paths is None:
        return sorted(BANK_DIR.glob("*.toml"))
    files: list[Path] = []
    for p in map(Path, paths):
        files += sorted(p.glob("*.toml")) if p.is_dir() else [p]
    return files


def load_bank(paths: Iterable[str | Path] | None = None) -> BankLoad:
    """Load the bank files; question ids must be unique across all of them."""
    result = BankLoad()
    seen: dict[str, str] = {}
    for path in bank_files(paths):
        _load_file(path, result, seen)
    return result


def display_path(path: Path) -> str:
    """How a file is named in messages: relative to the working directory or the repository."""
    resolved = path.resolve()
    for base in (Path.cwd(), BANK_DIR.parent.parent):
        try:
            return resolved.relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return str(path)


def _load_file(path: Path, result: BankLoad, seen: dict[str, str]) -> None:
    where = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        result.problems.append(Problem(where, "文件不存在"))
        return
    except UnicodeDecodeError:
        result.problems.append(Problem(f"{where}:1", "文件不是 UTF-8 编码"))
        return
    except OSError as exc:
        result.problems.append(Problem(where, f"无法读取文件（{exc.strerror}）"))
        return
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _SYNTAX_LINE.search(str(exc))
        result.problems.append(Problem(f"{where}:{m.group(1) if m else 1}", f"TOML 语法错误：{exc}"))
        return
    lines = text.splitlines()
    headers = [n for n, line in enumerate(lines, 1) if _HEADER.match(line)]
    for key in data:
        if key != "question":
            line = next((n for n, s in enumerate(lines, 1) if re.match(rf"^\s*\[*\s*{re.escape(key)}\b", s)), 1)
            result.problems.append(Problem(f"{where}:{line}", f"未知的顶层项“{key}”：题目应写在 [[question]] 下"))
    entries = data.get("question", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        result.problems.append(Problem(f"{where}:1", "题目应写成 [[question]] 表格"))
        return
    if not entries:
        result.problems.append(Problem(f"{where}:1", "文件里没有题目（[[question]]）"))
    if len(headers) != len(entries):  # e.g. inline tables: fall back to the file's first line
        headers = [1] * len(entries)
    for n, entry in enumerate(entries):
        start = headers[n]
        end = headers[n + 1] if n + 1 < len(headers) and headers[n + 1] > start else len(lines) + 1
        block = _Block(where, lines, start, end)
        question = _question(entry, block, seen)
        if block.problems:
            result.problems += block.problems
        elif question is not None:
            result.questions.append(question)


class _Block:
    """One [[question]] table in a file, for locating its problems."""

    def __init__(self, where: str, lines: list[str], start: int, end: int):
        self.where, self.lines, self.start, self.end = where, lines, start, end
        self.problems: list[Problem] = []
        self.label = ""

    def line_of(self, key: str | None) -> int:
        if key:
            pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
            for n in range(self.start, min(self.end, len(self.lines) + 1)):
                if pattern.match(self.lines[n - 1]):
                    return n
        return self.start

    def bad(self, key: str | None, message: str) -> None:
        self.problems.append(Problem(f"{self.where}:{self.line_of(key)}", f"{self.label}{message}"))


def _text(entry: dict, key: str, block: _Block, limit: int | None = None, what: str = "") -> str:
    value = entry.get(key, "")
    if not isinstance(value, str):
        block.bad(key, f"{key} 应为文本")
        return ""
    value = value.strip()
    if key in REQUIRED and key in entry and not value:
        block.bad(key, f"{key} 不能为空")
    if limit is not None and len(value) > limit:
        block.bad(key, f"{what or key}有 {len(value)} 个字，超过上限 {limit}")
    return value


def _question(entry: dict, block: _Block, seen: dict[str, str]) -> Question | None:
    qid = entry.get("id")
    if isinstance(qid, str) and qid.strip():
        block.label = f"题目 {qid.strip()}："
    for key in entry:
        if key not in KEYS:
            block.bad(key, f"未知的字段“{key}”（可用：{'、'.join(KEYS)}）")
    for key in REQUIRED:
        if key not in entry:
            block.bad(None, f"缺少字段 {key}")

    qid = _text(entry, "id", block)
    if qid and not _ID.match(qid):
        block.bad("id", "id 只能由字母、数字和 - _ . 组成（不超过 64 个字符）")
    elif qid in seen:
        block.bad("id", f"id“{qid}”重复（已用于 {seen[qid]}）")
    elif qid:
        seen[qid] = f"{block.where}:{block.start}"
    stem = _text(entry, "stem", block, MAX_STEM, "题干")
    options = _options(entry, block)
    correct = _answer(entry, block, len(options))
    explanation = _text(entry, "explanation", block, MAX_EXPLANATION, "解析（explanation）")
    review = _text(entry, "review", block)
    source = _text(entry, "source", block)
    basis = _basis(entry, block)
    basis_sha = _basis_sha(entry, block, len(basis))
    if not basis and not source and "basis" not in entry:
        block.bad(None, "缺少法律依据（basis）或出处（source）：至少要有一项")
    elif not basis and not source:
        block.bad("basis", "法律依据（basis）为空，也没有出处（source）")
    topic = _text(entry, "topic", block)
    if topic and topic not in TOPICS:
        block.bad("topic", f"未知的主题“{topic}”（可用：{'、'.join(TOPICS)}）")
    difficulty = _text(entry, "difficulty", block)
    if difficulty and difficulty not in DIFFICULTIES:
        block.bad("difficulty", f"未知的难度“{difficulty}”（可用：{'、'.join(DIFFICULTIES)}）")
    audience = entry.get("audience", ["public"])
    if (not isinstance(audience, list) or not audience
            or any(a not in AUDIENCES for a in audience) or len(set(audience)) != len(audience)):
        block.bad("audience", f"audience 应为不重复的列表，取值：{'、'.join(AUDIENCES)}")
        audience = []
    if block.problems:
        return None
    return Question(id=qid, stem=stem, options=tuple(options), correct=correct, explanation=explanation,
                    review=review, basis=tuple(basis), source=source, topic=topic, difficulty=difficulty,
                    audience=tuple(audience), origin="curated", status="approved",
                    location=f"{block.where}:{block.start}", basis_sha=basis_sha)


def _options(entry: dict, block: _Block) -> list[str]:
    options = entry.get("options", [])
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        block.bad("options", "options 应为文本列表")
        return []
    options = [o.strip() for o in options]
    if "options" in entry and not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        block.bad("options", f"选项应有 {MIN_OPTIONS}–{MAX_OPTIONS} 个，现有 {len(options)} 个")
    for i, option in enumerate(options):
        if not option:
            block.bad("options", f"选项 {LETTERS[i] if i < len(LETTERS) else i + 1} 为空")
        elif len(option) > MAX_OPTION:
            block.bad("options", f"选项 {LETTERS[i] if i < len(LETTERS) else i + 1} 有 {len(option)} 个字，"
                                 f"超过 Telegram 上限 {MAX_OPTION}")
    duplicates = sorted({o for o in options if o and options.count(o) > 1})
    if duplicates:
        block.bad("options", f"选项重复：{'、'.join(duplicates)}")
    return options


def _answer(entry: dict, block: _Block, n_options: int) -> tuple[int, ...]:
    answer = entry.get("answer", "")
    if not isinstance(answer, str):
        block.bad("answer", "answer 应为选项字母文本，如 \"A\" 或 \"AC\"")
        return ()
    letters = answer.strip().upper()
    if "answer" not in entry:
        return ()
    if not letters or any(ch not in LETTERS for ch in letters) or len(set(letters)) != len(letters):
        block.bad("answer", f"答案“{answer}”无效：应为不重复的字母 A–F，如 \"A\" 或 \"AC\"")
        return ()
    allowed = LETTERS[:n_options]
    outside = [ch for ch in letters if ch not in allowed]
    if n_options and outside:
        block.bad("answer", f"答案 {''.join(outside)} 超出选项范围（共 {n_options} 个选项：{allowed[0]}–{allowed[-1]}）")
        return ()
    return tuple(sorted(LETTERS.index(ch) for ch in letters))


def _basis(entry: dict, block: _Block) -> list[Basis]:
    raw = entry.get("basis", [])
    if not isinstance(raw, list) or not all(isinstance(b, str) for b in raw):
        block.bad("basis", "basis 应为文本列表，如 [\"《中华人民共和国人民防空法》第十四条\"]")
        return []
    found = []
    for text in raw:
        basis = parse_basis(text)
        if basis is None:
            block.bad("basis", f"无法识别的法律依据“{text}”：应写作《法规完整名称》第N条")
        else:
            found.append(basis)
    return found


def _basis_sha(entry: dict, block: _Block, n_basis: int) -> tuple[str, ...]:
    """``basis_sha``: one 12-hex-digit text hash per basis (optional; see kb.dependants)."""
    raw = entry.get("basis_sha", [])
    if not isinstance(raw, list) or not all(isinstance(h, str) and _SHA.match(h) for h in raw):
        block.bad("basis_sha", "basis_sha 应为 12 位十六进制文本的列表（每条依据一个）")
        return ()
    if raw and len(raw) != n_basis:
        block.bad("basis_sha", f"basis_sha 有 {len(raw)} 项，应与 basis 的 {n_basis} 项一一对应")
        return ()
    return tuple(raw)


def validate_basis(questions: Iterable[Question], store) -> list[Problem]:
    """Every basis must be a current article of a law in force, named by its full title."""
    from kb.errors import KBError
    from kb.lookup import find_law

    laws = {law.title: law for law in store.laws()}
    exists: dict[tuple[int, int, str], bool] = {}
    problems = []
    for q in questions:
        where = q.location or q.id
        for b in q.basis:
            law = laws.get(b.law)
            if law is None:
                try:
                    hint = f"，应写作完整名称《{find_law(store, b.law).title}》"
                except KBError:
                    hint = ""
                problems.append(Problem(where, f"题目 {q.id}：法律依据《{b.law}》不在法规库中{hint}"))
                continue
            if law.status == "已废止":
                problems.append(Problem(where, f"题目 {q.id}：《{law.title}》已废止，不能作为依据"))
                continue
            key = (law.id, b.article, b.suffix)
            if key not in exists:
                exists[key] = store.article(law.id, b.article, b.suffix) is not None
            if not exists[key]:
                problems.append(Problem(where, f"题目 {q.id}：《{law.title}》现行文本没有第{b.article}条{b.suffix}"
                                               f"（共 {law.article_count} 条）"))
    for where, f in flagged_questions(questions, store):
        problems.append(Problem(where, f"题目 {f.ref}：依据条文已修改，需复核（{f.basis.label}；"
                                       f"lawbot dependants review 查看新旧条文，复核后 lawbot dependants approve quiz:{f.ref}）"))
    return problems


def flagged_questions(questions: Iterable[Question], store) -> list[tuple[str, "Flagged"]]:
    """(``file:line``, flag) for each question whose cited article text changed since it was
    written or last re-approved (:mod:`kb.dependants`)."""
    from kb import dependants

    questions = list(questions)
    where = {q.id: q.location or q.id for q in questions}
    found = dependants.flagged(store, "quiz", [(q.id, basis_refs(q)) for q in questions])
    return [(where.get(f.ref, f.ref), f) for f in found]


def flagged_ids(questions: Iterable[Question], store) -> set[str]:
    """Ids of the questions not to draw until re-approved (their basis changed)."""
    from kb import dependants

    return dependants.flagged_refs(store, "quiz", [(q.id, basis_refs(q)) for q in questions])


class BasisHolds:
    """For the draw: which of these questions to hold back because an article they cite changed
    since they were written or re-approved. Reads the statute store at ``db_path`` and caches the
    answer until the store or the pins change (a round of 2,000 students costs one check)."""

    def __init__(self, db_path: str | Path):
        self.db_path = Path(db_path)
        self._cache: tuple[tuple, set[str]] = ((), set())

    def __call__(self, questions) -> set[str]:
        if not self.db_path.exists():
            return set()
        from kb.store import Store

        with Store(self.db_path) as store:
            key = (store.revision(), tuple(q.id for q in questions), store.db.execute(
                "SELECT group_concat(ref || law || article || text_sha) FROM pins WHERE kind='quiz'").fetchone()[0])
            if key != self._cache[0]:
                self._cache = (key, flagged_ids(questions, store))
        return self._cache[1]


def basis_refs(q: Question) -> tuple:
    """The question's bases as :class:`kb.dependants.Ref`, with the text hash it was written
    against where the bank file records one."""
    from kb.dependants import Ref

    shas = q.basis_sha if len(q.basis_sha) == len(q.basis) else ("",) * len(q.basis)
    return tuple(Ref(b.law, b.article, b.suffix, sha) for b, sha in zip(q.basis, shas))
