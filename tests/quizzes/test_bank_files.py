"""Bank files: loading, every problem located as file:line, and legal bases checked against a store."""
from __future__ import annotations

import textwrap

import pytest

from kb.model import Paragraph, ParsedArticle, ParsedLaw
from quizzes.bank import BANK_DIR, load_bank, parse_basis, validate_basis
from quizzes.model import Basis

GOOD = """\
[[question]]
id = "alarm-001"
stem = "防空警报中的“预先警报”是怎样鸣放的？"
options = ["鸣36秒、停24秒，反复3遍", "鸣6秒、停6秒，反复15遍", "连续鸣放3分钟"]
answer = "A"
explanation = "预先警报鸣36秒、停24秒，反复3遍。"
source = "国家人民防空办公室规定的防空警报信号"
topic = "alarm"
difficulty = "easy"
audience = ["public", "student"]

[[question]]
id = "rights-001"
stem = "下列哪些属于公民的人民防空义务？"
options = ["参加人民防空教育", "接受人民防空训练", "拆除人防标志", "占用人防通道"]
answer = "AB"
explanation = "见人防法第五条。"
review = "公民应当参加人民防空教育和训练。"
basis = ["《中华人民共和国人民防空法》第五条", "中华人民共和国人民防空法第6条"]
topic = "rights"
difficulty = "medium"
"""


def write(tmp_path, text, name="bank.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_good_file_loads(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    load = load_bank([write(tmp_path, GOOD)])
    assert load.problems == []
    first, second = load.questions
    assert (first.id, first.correct, first.audience, first.location) == (
        "alarm-001", (0,), ("public", "student"), "bank.toml:1")
    assert second.correct == (0, 1) and second.multiple and second.audience == ("public",)
    assert second.basis == (Basis("中华人民共和国人民防空法", 5), Basis("中华人民共和国人民防空法", 6))
    assert second.location == "bank.toml:12" and second.tags == ("rights", "medium", "public", "curated")


def replace_line(key: str, value: str) -> str:
    """GOOD with the first question's ``key = …`` line replaced (or removed when value is None)."""
    lines = GOOD.splitlines()
    i = next(n for n, line in enumerate(lines) if line.startswith(f"{key} ="))
    lines[i:i + 1] = [] if value is None else [f"{key} = {value}"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("text, line, message", [
    (replace_line("answer", None), 1, "缺少字段 answer"),
    (replace_line("topic", '"weather"'), 8, "未知的主题"),
    (replace_line("difficulty", '"trivial"'), 9, "未知的难度"),
    (replace_line("audience", '["teachers"]'), 10, "audience"),
    (replace_line("options", '["只有一个"]'), 4, "选项应有 2–6 个"),
    (replace_line("options", '["甲", "乙", "丙", "丁", "戊", "己", "庚"]'), 4, "选项应有 2–6 个"),
    (replace_line("options", '["甲", "乙", "甲"]'), 4, "选项重复：甲"),
    (replace_line("options", '["甲", "' + "乙" * 101 + '"]'), 4, "超过 Telegram 上限 100"),
    (replace_line("answer", '"D"'), 5, "答案 D 超出选项范围"),
    (replace_line("answer", '"AA"'), 5, "无效"),
    (replace_line("answer", '"1"'), 5, "无效"),
    (replace_line("explanation", '"' + "长" * 201 + '"'), 6, "201 个字，超过上限 200"),
    (replace_line("stem", '"' + "问" * 301 + '"'), 3, "超过上限 300"),
    (replace_line("source", None), 1, "缺少法律依据（basis）或出处（source）"),
    (replace_line("source", '"x"\nhint = "多余"'), 8, "未知的字段“hint”"),
    (replace_line("id", '"rights-001"'), 13, "id“rights-001”重复"),
    (replace_line("id", '"有 空格"'), 2, "id 只能由"),
    (GOOD.replace('"中华人民共和国人民防空法第6条"', '"人防法第六款"'), 19, "无法识别的法律依据“人防法第六款”"),
    (GOOD.replace('answer = "AB"', 'answer = AB'), 16, "TOML 语法错误"),
    (GOOD.replace('[[question]]\nid = "rights-001"', '[[question]]\nid = "rights-001"\nid = "again"'), 14,
     "TOML 语法错误"),
    ('title = "题库"\n' + GOOD, 1, "未知的顶层项"),
])
def test_each_problem_is_located(tmp_path, monkeypatch, text, line, message):
    monkeypatch.chdir(tmp_path)
    load = load_bank([write(tmp_path, text)])
    assert [p for p in load.problems if message in p.message], load.problems
    problem = next(p for p in load.problems if message in p.message)
    assert problem.location == f"bank.toml:{line}"
    assert str(problem).startswith(f"bank.toml:{line}: ")
    if "TOML" not in message and "顶层" not in message:  # only the bad question is dropped
        assert len(load.questions) == 1


def test_ids_must_be_unique_across_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, GOOD, "a.toml")
    write(tmp_path, "# another file\n\n" + GOOD.split("\n\n")[1], "b.toml")
    load = load_bank([tmp_path])
    (problem,) = load.problems
    assert problem.location == "b.toml:4" and "已用于 a.toml:12" in problem.message
    assert [q.id for q in load.questions] == ["alarm-001", "rights-001"]


def test_files_that_cannot_be_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "gbk.toml").write_bytes(GOOD.encode("gb18030"))
    write(tmp_path, "# nothing yet\n", "empty.toml")
    load = load_bank([tmp_path / "gbk.toml", tmp_path / "empty.toml", tmp_path / "missing.toml"])
    assert [(p.location, p.message) for p in load.problems] == [
        ("gbk.toml:1", "文件不是 UTF-8 编码"), ("empty.toml:1", "文件里没有题目（[[question]]）"),
        ("missing.toml", "文件不存在")]


@pytest.mark.parametrize("text, expected", [
    ("《中华人民共和国人民防空法》第十四条", Basis("中华人民共和国人民防空法", 14)),
    ("《中华人民共和国人民防空法》第14条", Basis("中华人民共和国人民防空法", 14)),
    ("中华人民共和国国防法第二十条之一", Basis("中华人民共和国国防法", 20, "之一")),
    ("《重庆市人民防空条例》第二十二条第一款", Basis("重庆市人民防空条例", 22)),
    ("《河南省实施〈中华人民共和国人民防空法〉办法》第五条", Basis("河南省实施《中华人民共和国人民防空法》办法", 5)),
    ("人防法", None), ("《人防法》第条", None), ("第十四条", None),
])
def test_basis_forms(text, expected):
    assert parse_basis(text) == expected


def law(title, count, short=()):
    cn = "一二三四五六七八九十"
    arts = tuple(ParsedArticle(number=n, suffix="", label=f"第{cn[n - 1]}条", paragraphs=(Paragraph("条文。"),))
                 for n in range(1, count + 1))
    return ParsedLaw(title=title, articles=arts, version_date="2009-08-27", short_names=short, level="法律")


def test_basis_is_checked_against_current_articles(store, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store.load_law(law("中华人民共和国人民防空法", 6, ("人防法", "人民防空法")))
    store.load_law(law("中华人民共和国国防法", 3))
    newer = law("中华人民共和国国防法", 2)
    store.load_law(ParsedLaw(**{**newer.__dict__, "version_date": "2020-12-26"}))  # 第三条 repealed
    text = GOOD + textwrap.dedent("""
        [[question]]
        id = "bad-basis"
        stem = "？"
        options = ["是", "否"]
        answer = "A"
        explanation = "x"
        basis = ["《中华人民共和国人民防空法》第九条", "《人防法》第一条", "《中华人民共和国国防法》第三条",
                 "《中华人民共和国海商法》第一条", "《中华人民共和国国防法》第二条"]
        topic = "rights"
        difficulty = "easy"
        """)
    load = load_bank([write(tmp_path, text)])
    assert load.problems == []
    problems = validate_basis(load.questions, store)
    assert load.questions[2].location == "bank.toml:23"
    assert all(p.location == "bank.toml:23" for p in problems)
    messages = [p.message for p in problems]
    assert len(messages) == 4
    assert "《中华人民共和国人民防空法》现行文本没有第9条" in messages[0]
    assert "《人防法》不在法规库中，应写作完整名称《中华人民共和国人民防空法》" in messages[1]
    assert "《中华人民共和国国防法》现行文本没有第3条" in messages[2]
    assert "《中华人民共和国海商法》不在法规库中" in messages[3]


@pytest.mark.skipif(not any(BANK_DIR.glob("*.toml")), reason="no curated bank files yet")
def test_the_curated_bank_is_valid_against_the_core_corpus(core_store):
    load = load_bank()
    assert load.problems == [], "\n".join(map(str, load.problems))
    assert len(load.questions) >= 50
    assert validate_basis(load.questions, core_store) == []
    assert {q.topic for q in load.questions} >= {"alarm", "history", "shelter"}
