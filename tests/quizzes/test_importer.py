"""Importing and exporting question spreadsheets: real CSV/XLSX files, the real core corpus in a
statute store (lookup only, no index), a real quiz.db."""
from __future__ import annotations

import csv
import io
import os
import zipfile
from dataclasses import replace

import pytest
from click.testing import CliRunner

from quizzes.errors import ImportFailed, QuizError
from quizzes.importer import (MAX_ROWS, export_questions, import_file, imported_id, parse_mapping,
                              read_questions)
from quizzes.model import Basis
from quizzes.question_store import QuestionStore
from tests.helpers.quizzes import load_core

HEADER = ["编号", "题目", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "详解", "依据", "来源", "主题",
          "难度", "对象"]
ROWS = [
    ["", "县级以上地方各级人民政府组织试鸣防空警报，应当在试鸣的几日以前发布公告？", "三日", "五日", "七日", "十日",
     "B", "人防法规定：在试鸣的五日以前发布公告。", "", "《中华人民共和国人民防空法》第三十五条", "", "防空警报",
     "容易", "公众、学生"],
    ["works-x1", "重庆设防城镇新建民用建筑，应修建防空地下室不足多少平方米的，按该面积安排？", "一百平方米",
     "二百平方米", "三百平方米", "", "b", "按二百平方米安排。", "详见重庆市人民防空条例第十八条。",
     "重庆人防条例第18条；人防法第二十二条", "", "人防工程建设", "medium", "student"],
    ["", "听到空袭警报后，下列做法正确的是？", "就近进入人防工程或地下室", "到楼顶观看", "迅速关闭火源、电源",
     "继续户外活动", "A、C", "应迅速关闭火源电源，就近隐蔽。", "", "", "各地防空警报试鸣公告", "alarm", "难", "staff"],
]


@pytest.fixture
def qstore(tmp_path):
    with QuestionStore(tmp_path / "quiz.db") as s:
        yield s


def write_csv(path, rows, encoding="utf-8", header=HEADER):
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path, rows, header=HEADER, above=()):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for line in above:
        ws.append(line)
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def plain(questions):
    return [replace(q, location="") for q in questions]


# ---- good files --------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_the_encodings_excel_writes(tmp_path, statutes, qstore, encoding):
    path = write_csv(tmp_path / "题库.csv", ROWS, encoding)
    result = import_file(path, qstore, statutes=statutes, created_by="test")
    assert len(result.added) == 3 and not result.updated
    q1, q2, q3 = result.questions
    assert q1.id == imported_id(q1.stem, q1.options) and q1.id.startswith("imp-")
    assert q1.options == ("三日", "五日", "七日", "十日") and q1.correct == (1,)
    assert q1.basis == (Basis("中华人民共和国人民防空法", 35),)
    assert (q1.topic, q1.difficulty, q1.audience) == ("alarm", "easy", ("public", "student"))
    assert q2.id == "works-x1" and q2.options == ("一百平方米", "二百平方米", "三百平方米") and q2.correct == (1,)
    assert q2.basis == (Basis("重庆市人民防空条例", 18), Basis("中华人民共和国人民防空法", 22))
    assert q2.review == "详见重庆市人民防空条例第十八条。"
    assert q3.correct == (0, 2) and q3.source and not q3.basis and q3.difficulty == "hard"
    assert q3.location == "题库.csv 第4行"
    stored = qstore.by_status("approved")
    assert plain(stored) == plain(result.questions)
    assert {q.origin for q in stored} == {"imported"} and qstore.count("pending") == 0


def test_xlsx_with_a_title_row_numbers_and_formulas(tmp_path, statutes, qstore):
    rows = [list(r) for r in ROWS]
    rows[1][0] = 101  # a numeric 编号 cell
    rows[2][7] = '="公式"'  # never evaluated: no cached value, so the explanation is missing
    path = write_xlsx(tmp_path / "题库.xlsx", rows, above=[["2030年“6·5”防空知识竞赛题库"]])
    with pytest.raises(ImportFailed) as err:
        import_file(path, qstore, statutes=statutes)
    assert [(p.location, p.message) for p in err.value.problems] == [("题库.xlsx 第5行", "缺少解析")]
    rows[2][7] = "应迅速关闭火源电源，就近隐蔽。"
    result = import_file(write_xlsx(path, rows, above=[["题库"]]), qstore, statutes=statutes)
    assert [q.id for q in result.questions][1] == "101"
    assert result.questions[0].location == "题库.xlsx 第3行"
    assert len(qstore.by_status("approved")) == 3


@pytest.mark.parametrize("answer", ["AC", "A,C", "A、C", "ac", "ＡＣ", "Ａ，Ｃ", "A C", "C A"])
def test_answer_spellings(tmp_path, statutes, answer):
    row = list(ROWS[2])
    row[6] = answer
    data = write_csv(tmp_path / "a.csv", [row]).read_bytes()
    assert read_questions(data, "a.csv", statutes=statutes)[0].correct == (0, 2)


def test_column_mapping_and_english_headers(tmp_path, statutes):
    header = ["No.", "试题内容", "A", "B", "C", "正确答案", "explanation", "依据条文", "difficulty"]
    row = ["", "人民防空经费由谁负担？", "国家", "社会", "国家和社会共同", "C", "人防法第四条。", "人防法第4条", "easy"]
    data = write_csv(tmp_path / "m.csv", [row], header=header).read_bytes()
    mapping = parse_mapping("题目=试题内容，答案=正确答案,依据=依据条文")
    assert mapping == {"stem": "试题内容", "answer": "正确答案", "basis": "依据条文"}
    (q,) = read_questions(data, "m.csv", statutes=statutes, mapping=mapping)
    assert q.options == ("国家", "社会", "国家和社会共同") and q.correct == (2,)
    assert q.basis == (Basis("中华人民共和国人民防空法", 4),) and q.difficulty == "easy"
    with pytest.raises(ImportFailed, match="找不到表头"):
        read_questions(data, "m.csv", statutes=statutes)  # 试题内容 is not a known header
    with pytest.raises(ImportFailed, match="找不到列：不存在的列"):
        read_questions(data, "m.csv", statutes=statutes, mapping={**mapping, "解析": "不存在的列"})
    with pytest.raises(QuizError):
        parse_mapping("题号码=试题内容")


@pytest.mark.parametrize("cell", [
    "A. 国家\nB. 社会\nC. 国家和社会共同",
    "A、国家|B、社会|C、国家和社会共同",
    "（A）国家；（B）社会；（C）国家和社会共同",
    "国家\n社会\n国家和社会共同",
])
def test_options_in_one_column(tmp_path, statutes, cell):
    header = ["题目", "选项", "答案", "解析", "来源"]
    data = write_csv(tmp_path / "o.csv", [["人民防空经费由谁负担？", cell, "C", "共同负担。", "人防法"]],
                     header=header).read_bytes()
    (q,) = read_questions(data, "o.csv", statutes=statutes)
    assert q.options == ("国家", "社会", "国家和社会共同") and q.correct == (2,)
    mapped = write_csv(tmp_path / "p.csv", [["人民防空经费由谁负担？", cell, "C", "共同负担。", "人防法"]],
                       header=["题目", "全部选项", "答案", "解析", "来源"]).read_bytes()
    (q2,) = read_questions(mapped, "p.csv", statutes=statutes, mapping={"options": "全部选项"})
    assert q2.options == q.options


# ---- bad rows ----------------------------------------------------------------------------

def test_every_bad_row_is_reported_and_nothing_imported(tmp_path, statutes, qstore):
    cases = [
        ("缺少题目", {"题目": ""}),
        ("至少需要 2 个选项", {"选项B": "", "选项C": "", "选项D": ""}),
        ("选项B为空，但后面还有选项", {"选项B": ""}),
        ("答案“E”超出选项范围", {"答案": "E"}),
        ("答案写成“对/错”时，选项应为空", {"答案": "对"}),
        ("缺少答案", {"答案": ""}),
        ("缺少解析", {"解析": ""}),
        ("解析超过 200 字", {"解析": "很" * 201}),
        ("选项C超过 100 字", {"选项C": "长" * 101}),
        ("选项D与选项A相同", {"选项D": "三日"}),
        ("没有找到名为“火星法”的法规", {"依据": "火星法第一条"}),
        ("没有第999条", {"依据": "人防法第999条"}),
        ("依据“人防法”无法识别", {"依据": "人防法"}),
        ("请填写依据", {"依据": "", "来源": ""}),
        ("难度“超难”无法识别", {"难度": "超难"}),
        ("对象“老师”无法识别", {"对象": "老师"}),
        ("主题“天文”无法识别", {"主题": "天文"}),
        ("编号“x 1”无效", {"编号": "x 1"}),
    ]
    entries = []
    for i, (message, changes) in enumerate(cases):
        row = list(ROWS[0])
        row[1] += f"（{i}）"  # distinct questions
        for col, value in changes.items():
            row[HEADER.index(col)] = value
        entries.append((row, message))
    entries.insert(3, (list(ROWS[1]), None))  # good rows in between do not shift the numbers
    entries.append((list(ROWS[0]), None))
    entries.append((list(ROWS[0]), f"题目和选项与第{len(entries) + 1}行重复"))
    entries.append((list(ROWS[2]), None))
    path = write_xlsx(tmp_path / "题库.xlsx", [row for row, _ in entries])
    expected = {n: m for n, (_, m) in enumerate(entries, 2) if m}

    with pytest.raises(ImportFailed) as err:
        import_file(path, qstore, statutes=statutes)
    problems = err.value.problems
    for row_no, fragment in expected.items():
        assert any(p.location == f"题库.xlsx 第{row_no}行" and fragment in p.message for p in problems), \
            (row_no, fragment, [str(p) for p in problems])
    assert {p.location for p in problems} == {f"题库.xlsx 第{n}行" for n in expected}
    assert f"{len(expected)} 行有问题" in str(err.value) and "未导入任何题目" in str(err.value)
    assert qstore.by_status(None) == []


def test_the_organisers_example_message(tmp_path, statutes, qstore):
    rows = [list(ROWS[0]) for _ in range(6)]
    for i, row in enumerate(rows):
        row[1] += f"（{i}）"
    rows[5][6] = "E"
    with pytest.raises(ImportFailed) as err:
        import_file(write_xlsx(tmp_path / "题库.xlsx", rows), qstore, statutes=statutes)
    (p,) = err.value.problems
    assert f"{p.location}：{p.message}".startswith("题库.xlsx 第7行：答案“E”超出选项范围")


def test_missing_columns_are_named(tmp_path, statutes):
    data = write_csv(tmp_path / "c.csv", [["题目一", "A"]], header=["题目", "答案"]).read_bytes()
    with pytest.raises(ImportFailed, match="缺少必需的列：选项A"):
        read_questions(data, "c.csv", statutes=statutes)


# ---- idempotence -------------------------------------------------------------------------

def test_reimporting_the_same_file_changes_nothing(tmp_path, statutes, qstore):
    path = write_csv(tmp_path / "题库.csv", ROWS, "utf-8-sig")
    first = import_file(path, qstore, statutes=statutes)
    snapshot = qstore.conn.execute("SELECT id, status, data, created_at FROM questions ORDER BY id").fetchall()
    again = import_file(path, qstore, statutes=statutes)
    assert not again.added and not again.updated and len(again.unchanged) == 3
    assert qstore.conn.execute("SELECT id, status, data, created_at FROM questions ORDER BY id").fetchall() \
        == snapshot
    assert [q.id for q in again.questions] == [q.id for q in first.questions]
    rows = [list(r) for r in ROWS]
    rows[0][7] = "改过的解析。"
    changed = import_file(write_csv(path, rows), qstore, statutes=statutes)
    assert changed.updated == (first.questions[0].id,) and len(changed.unchanged) == 2
    assert qstore.get(first.questions[0].id).explanation == "改过的解析。"


# ---- hostile files -----------------------------------------------------------------------

def refused(tmp_path, name, data, statutes, qstore, fragment):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ImportFailed) as err:
        import_file(path, qstore, statutes=statutes)
    assert fragment in str(err.value), str(err.value)
    assert qstore.by_status(None) == []
    return err.value


def test_random_bytes_named_xlsx(tmp_path, statutes, qstore):
    refused(tmp_path, "题库.xlsx", os.urandom(4096), statutes, qstore, "不是有效的 Excel")
    refused(tmp_path, "题库.xlsx", b"PK\x03\x04" + os.urandom(4096), statutes, qstore, "不是有效的 Excel")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w/>")
    refused(tmp_path, "题库.xlsx", buf.getvalue(), statutes, qstore, "不是有效的 Excel")


def test_zip_bomb(tmp_path, statutes, qstore):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (40 * 1024 * 1024))
    assert len(buf.getvalue()) < 1024 * 1024
    refused(tmp_path, "题库.xlsx", buf.getvalue(), statutes, qstore, "压缩比异常")


def test_entity_declarations_are_refused(tmp_path, statutes, qstore):
    good = write_xlsx(tmp_path / "ok.xlsx", ROWS[:1]).read_bytes()
    src, buf = zipfile.ZipFile(io.BytesIO(good)), io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + data
            out.writestr(info, data)
    refused(tmp_path, "题库.xlsx", buf.getvalue(), statutes, qstore, "不安全")


def test_size_and_row_limits(tmp_path, statutes, qstore):
    big = tmp_path / "big.csv"
    with open(big, "wb") as fh:
        fh.truncate(11 * 1024 * 1024)
    with pytest.raises(ImportFailed, match="文件太大"):
        import_file(big, qstore, statutes=statutes)
    many = [[f"{i}", f"第{i}题？", "甲", "乙", "", "", "A", "解析", "", "", "来源", "", "", ""]
            for i in range(MAX_ROWS + 1)]
    refused(tmp_path, "many.csv", write_csv(tmp_path / "x.csv", many).read_bytes(), statutes, qstore, "行数太多")
    refused(tmp_path, "many.xlsx", write_xlsx(tmp_path / "x.xlsx", many).read_bytes(), statutes, qstore,
            "行数太多")


@pytest.mark.parametrize("name,data,fragment", [
    ("题库.csv", b"", "文件是空的"),
    ("题库.csv", b"\x00\x01\x02binary\x00" * 50, "不是文本文件"),
    ("题库.csv", b"\x81\x30\xff" * 100, "文字编码"),
    ("题库.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "另存为"),
    ("题库.pdf", b"%PDF-1.4", "只支持"),
    ("题库.csv", "问题,回答\n一,二\n".encode(), "找不到表头"),
])
def test_other_files_refused_politely(tmp_path, statutes, qstore, name, data, fragment):
    refused(tmp_path, name, data, statutes, qstore, fragment)


# ---- export ------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_reimports_to_identical_questions(tmp_path, statutes, qstore, suffix):
    rows = [list(r) for r in ROWS]
    rows[2][2] = "=就近进入人防工程"  # text that looks like a formula stays text
    first = import_file(write_csv(tmp_path / "in.csv", rows), qstore, statutes=statutes).questions
    out = tmp_path / f"out{suffix}"
    assert export_questions(qstore.by_status("approved"), out) == 3
    with QuestionStore(tmp_path / "other.db") as fresh:
        again = import_file(out, fresh, statutes=statutes).questions
        assert plain(again) == plain(first)
        assert plain(fresh.by_status("approved")) == plain(first)
    with pytest.raises(QuizError):
        export_questions(first, tmp_path / "out.txt")


# ---- CLI ---------------------------------------------------------------------------------

def test_cli_import_and_export(tmp_path):
    from bot.cli import cli

    home = tmp_path / "home"
    home.mkdir()
    load_core(home / "lawbot.db").close()
    runner = CliRunner()
    bad = [list(r) for r in ROWS]
    bad[1][6] = "E"
    result = runner.invoke(cli, ["--home", str(home), "quiz", "import", str(write_csv(tmp_path / "题库.csv", bad))])
    assert result.exit_code == 1
    assert "题库.csv 第3行：答案“E”超出选项范围" in result.output and "未导入任何题目" in result.output
    many = [list(ROWS[1]) for _ in range(60)]
    for i, row in enumerate(many):
        row[0], row[6] = f"bad-{i}", "E"
    result = runner.invoke(cli, ["--home", str(home), "quiz", "import", str(write_csv(tmp_path / "many.csv", many))])
    assert result.exit_code == 1 and "共 60 处" in result.output
    assert all(f"many.csv 第{n}行：答案“E”超出选项范围" in result.output for n in range(2, 62))  # every row
    taken = [list(r) for r in ROWS]
    taken[0][0] = "alarm-001"  # an id of the curated bank files
    result = runner.invoke(cli, ["--home", str(home), "quiz", "import", str(write_csv(tmp_path / "t.csv", taken))])
    assert result.exit_code == 1 and "t.csv 第2行：编号“alarm-001”已被内置题库使用" in result.output
    good = write_csv(tmp_path / "ok.csv", ROWS, header=[h if h != "题目" else "试题内容" for h in HEADER])
    result = runner.invoke(cli, ["--home", str(home), "quiz", "import", str(good), "--map", "题目=试题内容"])
    assert result.exit_code == 0, result.output
    assert "新增 3 道" in result.output
    result = runner.invoke(cli, ["--home", str(home), "quiz", "export", str(tmp_path / "all.xlsx")])
    assert result.exit_code == 0 and "已导出 3 道题" in result.output
    result = runner.invoke(cli, ["--home", str(home), "quiz", "import", str(tmp_path / "all.xlsx")])
    assert "未变 3 道" in result.output


# ---- true/false sheets, sheet-wide defaults, topics (issue 16) -----------------------------

@pytest.mark.parametrize("right, wrong", [("对", "错"), ("√", "×"), ("正确", "错误"), ("✓", "✗")])
def test_true_false_answers_as_organisers_write_them(tmp_path, statutes, right, wrong):
    header = ["题目", "答案", "解析", "依据"]
    rows = [["人民防空工程平时可以用于经营。", right, "平时利用不得影响防空效能。", "人防法第二十六条"],
            ["拆除人防工程不需要任何批准。", wrong, "应当报经人防主管部门批准。", "人防法第二十八条"]]
    q1, q2 = read_questions(write_csv(tmp_path / "tf.csv", rows, header=header).read_bytes(), "tf.csv",
                            statutes=statutes)
    assert q1.options == q2.options == ("正确", "错误")
    assert q1.correct == (0,) and q2.correct == (1,)


def test_true_false_answer_maps_onto_the_sheets_own_options(tmp_path, statutes):
    header = ["题目", "选项A", "选项B", "答案", "解析", "来源"]
    rows = [["防空警报试鸣时应保持镇静。", "错", "对", "√", "试鸣只是演练。", "试鸣公告"],
            ["防空警报试鸣时应保持镇静。", "三天", "五天", "对", "试鸣只是演练。", "试鸣公告"]]
    data = write_csv(tmp_path / "tf2.csv", rows, header=header).read_bytes()
    with pytest.raises(ImportFailed) as err:
        read_questions(data, "tf2.csv", statutes=statutes)
    assert [p.location for p in err.value.problems] == ["tf2.csv 第3行"]  # 对 with options 三天/五天
    (q,) = read_questions(write_csv(tmp_path / "tf3.csv", rows[:1], header=header).read_bytes(), "tf3.csv",
                          statutes=statutes)
    assert q.options == ("错", "对") and q.correct == (1,)


def test_sheet_wide_source_basis_and_tag(tmp_path, statutes, qstore):
    from quizzes.importer import ImportDefaults

    header = ["题目", "选项A", "选项B", "答案", "解析", "主题"]
    rows = [["人民防空经费由谁负担？", "国家和社会共同", "个人", "A", "人防法第四条。", ""],
            ["防空警报分几种？", "三种", "两种", "A", "预先、空袭、解除。", "历史"]]
    path = write_csv(tmp_path / "d.csv", rows, header=header)
    with pytest.raises(ImportFailed) as err:  # neither 依据 nor 来源, no default: refused
        import_file(path, qstore, statutes=statutes)
    assert all("请填写依据" in p.message for p in err.value.problems) and len(err.value.problems) == 2
    result = import_file(path, qstore, statutes=statutes, defaults=ImportDefaults(source="2027年防空知识手册"))
    assert [q.source for q in result.questions] == ["2027年防空知识手册"] * 2
    assert result.untagged == (result.questions[0].id,)  # reported, never silently unreachable
    result = import_file(path, qstore, statutes=statutes,
                         defaults=ImportDefaults(basis="人防法第四条", topic="防空警报"))
    assert result.questions[0].basis == (Basis("中华人民共和国人民防空法", 4),)
    assert [q.topic for q in result.questions] == ["alarm", "history"] and not result.untagged
    with pytest.raises(ImportFailed, match="整表默认值"):
        import_file(path, qstore, statutes=statutes, defaults=ImportDefaults(source="x", topic="天文"))


def test_cli_import_reports_questions_no_tagged_campaign_draws(tmp_path):
    from bot.cli import cli

    home = tmp_path / "home"
    home.mkdir()
    load_core(home / "lawbot.db").close()
    header = ["题目", "答案", "解析"]
    path = write_csv(tmp_path / "判断题.csv", [["人防工程平时可以用于经营。", "√", "人防法第二十六条。"]],
                     header=header)
    runner = CliRunner()
    result = runner.invoke(cli, ["--home", str(home), "quiz", "import", str(path), "--basis", "人防法第二十六条"])
    assert result.exit_code == 0, result.output
    assert "新增 1 道" in result.output and "1 道题没有主题" in result.output and "--tag" in result.output
    result = runner.invoke(cli, ["--home", str(home), "quiz", "import", str(path), "--basis", "人防法第二十六条",
                                 "--tag", "shelter"])
    assert result.exit_code == 0 and "没有主题" not in result.output and "更新 1 道" in result.output
