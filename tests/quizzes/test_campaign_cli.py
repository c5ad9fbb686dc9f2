"""The quiz and campaign commands end to end: validate, list, create → play → rank → export → verify."""
from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from bot.cli import cli
from kb.model import Paragraph, ParsedArticle, ParsedLaw
from kb.store import Store
from quizzes.bank import load_bank
from quizzes.engine import QuizEngine
from tests.helpers.quizzes import Clock, make_question, play, store_questions

ENV = {"LAWBOT_TIMEZONE": "Asia/Shanghai", "LAWBOT_HOME": ""}


def question_toml(i: int, topic: str = "alarm", basis: str = "《中华人民共和国人民防空法》第二条") -> str:
    return (f'[[question]]\nid = "{topic}-{i:03d}"\nstem = "第{i}题？"\noptions = ["甲{i}", "乙{i}", "丙{i}"]\n'
            f'answer = "{"ABC"[i % 3]}"\nexplanation = "解析。"\nbasis = ["{basis}"]\n'
            f'topic = "{topic}"\ndifficulty = "easy"\n\n')


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    home = tmp_path / "home"

    def invoke(*args):
        return CliRunner().invoke(cli, ["--home", str(home), *map(str, args)], env=ENV)

    invoke.home = home
    return invoke


@pytest.fixture
def bank_dir(tmp_path):
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "alarm.toml").write_text("".join(question_toml(i) for i in range(6)), encoding="utf-8")
    (folder / "history.toml").write_text("".join(question_toml(i, "history") for i in range(3)), encoding="utf-8")
    return folder


def with_law(home):
    s = Store(home / "lawbot.db")
    s.load_law(ParsedLaw(title="中华人民共和国人民防空法", version_date="2009-08-27", level="法律", articles=tuple(
        ParsedArticle(number=n, suffix="", label=f"第{'一二三'[n - 1]}条", paragraphs=(Paragraph("条文。"),))
        for n in (1, 2, 3))))
    s.close()


def test_validate_reports_problems_as_file_line(run, bank_dir):
    with_law(run.home)
    ok = run("quiz", "validate", bank_dir)
    assert ok.exit_code == 0 and "9 道题，全部通过校验" in ok.output
    (bank_dir / "bad.toml").write_text(question_toml(1, "works", "《中华人民共和国人民防空法》第九十九条")
                                       + question_toml(2, "weather"), encoding="utf-8")
    bad = run("quiz", "validate", bank_dir)
    assert bad.exit_code == 1
    lines = [line for line in bad.stdout.splitlines() if line.startswith("bank/bad.toml:")]
    assert len(lines) == 2
    assert lines[0].startswith("bank/bad.toml:18: ") and "未知的主题“weather”" in lines[0]
    assert lines[1].startswith("bank/bad.toml:1: ") and "现行文本没有第99条" in lines[1]
    assert "发现 2 处问题" in bad.stderr


def test_validate_needs_a_statute_store(run, bank_dir):
    result = run("quiz", "validate", bank_dir)
    assert result.exit_code == 1 and "还没有法规" in result.stderr and "ingest" in result.stderr
    assert "Traceback" not in result.output
    assert not (run.home / "lawbot.db").exists()


def test_list_json_lines(run, bank_dir):
    result = run("quiz", "list", "--json", "--bank", bank_dir, "--tag", "history")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["id"] for d in lines] == ["history-000", "history-001", "history-002"]
    assert lines[1] == {"id": "history-001", "question": "第1题？", "options": ["甲1", "乙1", "丙1"], "answer": "B",
                        "basis": [{"law": "中华人民共和国人民防空法", "article": 2}],
                        "tags": ["history", "easy", "public", "curated"]}


def test_list_includes_approved_database_questions(run, bank_dir):
    eng = QuizEngine(run.home / "quiz.db")
    store_questions(eng, [make_question(1, "works", id="imp-1", origin="imported"),
                          make_question(2, "works", id="gen-2", origin="generated", status="pending")])
    eng.close()
    approved = [json.loads(x)["id"] for x in run("quiz", "list", "--json", "--bank", bank_dir).stdout.splitlines()]
    assert "imp-1" in approved and "gen-2" not in approved and len(approved) == 10
    pending = run("quiz", "list", "--json", "--bank", bank_dir, "--status", "pending").stdout.splitlines()
    assert [json.loads(x)["id"] for x in pending] == ["gen-2"]


def test_campaign_create_play_rank_export_verify(run, bank_dir, tmp_path):
    heads = tmp_path / "heads.csv"
    heads.write_text("学校,人数\n重庆大学,100\n西南大学,40\n", encoding="utf-8-sig")
    created = run("campaign", "create", "--code", "cqu2099", "--name", "重庆大学防空知识竞赛",
                  "--start", "2099-06-01 08:00", "--end", "2099-06-05 22:00", "--count", "5", "--seconds", "20",
                  "--tags", "alarm", "--pass-mark", "3", "--fields", "college,class?", "--headcounts", heads,
                  "--bank", bank_dir)
    assert created.exit_code == 0, created.output
    assert "CQU2099" in created.stdout and "2099-06-01 08:00 至 2099-06-05 22:00" in created.stdout
    assert run("campaign", "create", "--code", "CQU2099", "--name", "x", "--start", "2099-06-01 08:00",
               "--end", "2099-06-02 08:00", "--bank", bank_dir).exit_code == 1

    clock = Clock()
    eng = QuizEngine(run.home / "quiz.db", load_bank([bank_dir]).questions, clock=clock)
    c = eng.campaign("CQU2099")
    assert c.starts_at == 4083955200  # 2099-06-01 08:00 +08:00
    clock.now = c.starts_at + 60
    for user, name, school, wrong, think in [("1", "张三", "重庆大学", (), 3), ("2", "李四", "西南大学", (0, 1, 2), 3),
                                             ("3", "王五", "重庆大学", (4,), 0.2)]:
        eng.register(c.id, user, name=name, school=school, college="土木学院")
        result = play(eng, eng.start_scored(c.id, user, int(user)), clock, wrong=wrong, think=think)
        assert all(it.question.topic == "alarm" for it in (eng.item(result.attempt_id, p) for p in range(5)))
    cert = eng.ranking(c.id)[0].certificate_code
    eng.close()

    text = run("campaign", "rank", "cqu2099")
    assert text.exit_code == 0
    assert [line.split()[1] for line in text.stdout.splitlines()] == ["张三", "王五", "李四"]
    rows = [json.loads(x) for x in run("campaign", "rank", "CQU2099", "--json", "--limit", "2").stdout.splitlines()]
    assert [(r["rank"], r["name"], r["score"], r["passed"], r["flagged"]) for r in rows] == [
        (1, "张三", 5, True, False), (2, "王五", 4, True, True)]
    assert rows[0]["elapsed_s"] == 15.0 and rows[0]["certificate"] == cert and "user_ref" not in rows[0]
    schools = [json.loads(x) for x in run("campaign", "rank", "CQU2099", "--schools", "--json").stdout.splitlines()]
    assert [(s["school"], s["participants"], s["average_score"], s["participation_rate"]) for s in schools] == [
        ("重庆大学", 2, 4.5, 0.02), ("西南大学", 1, 2.0, 0.025)]

    out = tmp_path / "results.csv"
    exported = run("campaign", "export", "CQU2099", out)
    assert exported.exit_code == 0 and "3 条成绩" in exported.stdout
    table = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert [(r["姓名"], r["学院"], r["得分"], r["是否合格"], r["异常标记"]) for r in table] == [
        ("张三", "土木学院", "5", "是", ""), ("王五", "土木学院", "4", "是", "答题过快"), ("李四", "土木学院", "2", "否", "")]
    assert table[0]["完成时间"].startswith("2099-06-01 08:")
    assert run("campaign", "export", "CQU2099", tmp_path / "results.xlsx").exit_code == 0

    verified = run("campaign", "verify", cert.lower())
    assert verified.exit_code == 0 and "有效" in verified.stdout and "张三（重庆大学）" in verified.stdout
    assert run("campaign", "verify", "LB-2345-6789").exit_code == 1
    flagged = run("campaign", "flagged", "CQU2099")
    assert "王五" in flagged.stdout and "张三" not in flagged.stdout
    shown = run("campaign", "show", "CQU2099").stdout
    assert "报名 3 人" in shown and "合格 2 人" in shown and "异常标记 1 人" in shown
    assert "CQU2099" in run("campaign", "list").stdout

    eng = QuizEngine(run.home / "quiz.db")
    eng.conn.execute("UPDATE certificates SET score = score - 1 WHERE code = ?", (cert,))
    eng.close()
    forged = run("campaign", "verify", cert)
    assert forged.exit_code == 1 and "可能被改动" in forged.stderr


def test_expected_errors_are_one_line(run):
    for args in (["campaign", "show", "NOPE"], ["campaign", "rank", "NOPE"], ["campaign", "export", "NOPE", "x.csv"]):
        result = run(*args)
        assert result.exit_code == 1 and result.stderr.startswith("错误：没有找到活动")
        assert "Traceback" not in result.output and len(result.stderr.splitlines()) == 1


def test_create_says_how_students_join_and_warns_of_a_small_pool(run, bank_dir, tmp_path):
    qr = tmp_path / "join.png"
    created = run("campaign", "create", "--code", "SWU2099", "--name", "西南大学防空知识竞赛",
                  "--start", "2099-06-01 08:00", "--end", "2099-06-05 22:00", "--count", "5", "--tags", "alarm",
                  "--pass-mark", "3", "--bank", bank_dir, "--base-url", "https://quiz.example.cn/", "--qr", qr)
    assert created.exit_code == 0, created.output
    assert "https://quiz.example.cn/c/SWU2099" in created.stdout
    assert qr.read_bytes().startswith(b"\x89PNG")
    assert "只有 6 道" in created.stderr and "至少 25 道" in created.stderr  # 6 alarm questions, 5 per round
    plain = run("campaign", "create", "--code", "SWU2098", "--name", "x", "--start", "2099-06-01 08:00",
                "--end", "2099-06-05 22:00", "--count", "1", "--pass-mark", "1", "--bank", bank_dir)
    assert plain.exit_code == 0 and "/c/SWU2098" in plain.stdout and "注意" not in plain.stderr
