"""Rosters per school, student numbers kept only on opt-in, and purging a campaign's data."""
from __future__ import annotations

import csv
import sqlite3

import pytest
from click.testing import CliRunner

from quizzes.errors import ImportFailed, QuizError, RegistrationError
from quizzes.rosters import read_roster
from tests.helpers.quizzes import play, spec

FIELDS = {"college": False, "student_no": True}


def cli(home, *args):
    from bot.cli import cli as main

    return CliRunner().invoke(main, ["--home", str(home), *args])


def roster_csv(path, rows, encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["学号", "姓名"])
        writer.writerows(rows)
    return path


def test_reading_a_roster(tmp_path):
    data = roster_csv(tmp_path / "r.csv", [["2021 0001", "张 三"], ["20210002", "李四"]], "gb18030").read_bytes()
    assert [(e.student_no, e.name) for e in read_roster(data, "r.csv")] == [("20210001", "张三"), ("20210002", "李四")]
    bad = roster_csv(tmp_path / "b.csv", [["20210001", "张三"], ["20210001", "王五"], ["x", "赵六"],
                                          ["20210009", ""]]).read_bytes()
    with pytest.raises(ImportFailed) as err:
        read_roster(bad, "b.csv")
    assert [p.location for p in err.value.problems] == ["b.csv 第3行", "b.csv 第4行", "b.csv 第5行"]


def test_only_listed_students_register_and_take_the_scored_round(engine, clock, tmp_path):
    c = engine.create_campaign(spec(fields=FIELDS))
    clock.now = c.starts_at + 10
    engine.register(c.id, "early", name="早报名", school="重庆大学", student_no="99999")  # before the roster
    path = roster_csv(tmp_path / "cqu.csv", [["20210001", "张三"], ["20210002", "李四"]])
    result = cli(tmp_path, "campaign", "roster", c.code, str(path), "--school", "重庆大学")
    assert result.exit_code == 0 and "2 人" in result.output, result.output
    assert engine.rosters(c.id) == {"重庆大学": 2}
    with pytest.raises(RegistrationError, match="名单中没有"):
        engine.register(c.id, "u9", name="张三", school="重庆大学", student_no="20219999")
    with pytest.raises(RegistrationError, match="名单中没有"):
        engine.register(c.id, "u8", name="王五", school="重庆大学", student_no="20210001")  # wrong name
    engine.register(c.id, "u1", name="张三", school="重庆大学", student_no="2021 0001")
    engine.register(c.id, "w1", name="王五", school="西南大学", student_no="1234")  # no roster there
    assert play(engine, engine.start_scored(c.id, "u1", 1), clock).passed
    with pytest.raises(RegistrationError, match="名单中没有"):
        engine.start_scored(c.id, "early", 1)
    with pytest.raises(RegistrationError, match="学号已经"):
        engine.register(c.id, "u1-other-device", name="张三", school="重庆大学", student_no="20210001")


def test_a_roster_needs_a_campaign_that_asks_for_student_numbers(engine, clock, tmp_path):
    c = engine.create_campaign(spec())
    path = roster_csv(tmp_path / "cqu.csv", [["20210001", "张三"]])
    with pytest.raises(QuizError, match="学号"):
        engine.set_roster(c.id, "重庆大学", read_roster(path.read_bytes(), "cqu.csv"))
    result = cli(tmp_path, "campaign", "roster", c.code, str(path), "--school", "重庆大学")
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_student_numbers_are_exported_only_on_opt_in(engine, clock, tmp_path, db_path):
    kept = engine.create_campaign(spec(code="KEEP", fields=FIELDS, keep_student_no=True))
    hashed = engine.create_campaign(spec(code="HASH", fields=FIELDS))
    clock.now = kept.starts_at + 10
    for c in (kept, hashed):
        engine.register(c.id, "u", name="张三", school="重庆大学", student_no="20210001")
        play(engine, engine.start_scored(c.id, "u", 1), clock)
    for c, present in ((kept, True), (hashed, False)):
        out = tmp_path / f"{c.code}.csv"
        engine.export(c.id, out)
        text = out.read_text(encoding="utf-8-sig")
        assert ("学号" in text.splitlines()[0]) is present and ("20210001" in text) is present
    raw = sqlite3.connect(db_path).execute("SELECT campaign_id, student_no FROM registrations").fetchall()
    assert sorted(raw) == [(kept.id, "20210001"), (hashed.id, None)]


def test_purge_deletes_a_campaign_and_nothing_else(engine, clock, tmp_path, db_path):
    gone = engine.create_campaign(spec(code="GONE", fields=FIELDS, keep_student_no=True))
    kept = engine.create_campaign(spec(code="KEPT"))
    clock.now = gone.starts_at + 10
    engine.register(gone.id, "u", name="张三", school="重庆大学", student_no="20210001")
    engine.register(kept.id, "u", name="张三", school="重庆大学")
    code = play(engine, engine.start_scored(gone.id, "u", 1), clock).certificate_code
    other = play(engine, engine.start_scored(kept.id, "u", 1), clock).certificate_code
    refused = cli(tmp_path, "campaign", "purge", "GONE")
    assert refused.exit_code == 1 and "--yes" in refused.output
    assert engine.verify(code) is not None
    result = cli(tmp_path, "campaign", "purge", "GONE", "--yes")
    assert result.exit_code == 0 and "已删除活动 GONE" in result.output, result.output
    assert engine.verify(code) is None and engine.verify(other).status == "valid"
    conn = sqlite3.connect(db_path)
    for table in ("registrations", "attempts", "certificates", "campaign_tally", "question_tally", "rosters"):
        assert conn.execute(f"SELECT COUNT(*) FROM {table} WHERE campaign_id = ?", (gone.id,)).fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM answers a JOIN attempts t ON t.id = a.attempt_id").fetchone()[0] == 5
    for path in db_path.parent.glob("quiz.db*"):  # overwritten, not just unlinked (nor left in the WAL)
        assert b"20210001" not in path.read_bytes(), path
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert [c.code for c in engine.campaigns()] == ["KEPT"] and engine.check(kept.id) == []
