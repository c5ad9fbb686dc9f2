"""Issue #14 item 5: a flagged participant's certificate is held for review; organisers release
or revoke it, and verification says so (engine and CLI, on a real quiz.db)."""
from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from quizzes.errors import NotFound, QuizError
from tests.helpers.quizzes import play, spec


def cli(home, *args):
    from bot.cli import cli as main

    return CliRunner().invoke(main, ["--home", str(home), *args])


@pytest.fixture
def rounds(engine, clock, db_path, tmp_path):
    """A campaign (hold_flagged by default) with a bot-fast passer and an honest passer."""
    assert db_path == tmp_path / "quiz.db"
    c = engine.create_campaign(spec())
    clock.now = c.starts_at + 10
    engine.register(c.id, "bot", name="快手", school="重庆大学")
    engine.register(c.id, "human", name="李四", school="重庆大学")
    fast = play(engine, engine.start_scored(c.id, "bot", 1), clock, think=0.06)  # 5 answers in 0.3 s
    honest = play(engine, engine.start_scored(c.id, "human", 2), clock, think=4)
    return c, fast, honest


def test_a_flagged_participants_certificate_is_held_not_issued(engine, rounds, tmp_path):
    c, fast, honest = rounds
    assert [r.name for r in engine.flagged(c.id)] == ["快手"]
    assert fast.passed and fast.certificate_code is None and fast.certificate_status == "held"
    held = engine.held_certificates(c.id)
    assert [h.name for h in held] == ["快手"] and held[0].status == "held"
    assert engine.verify(held[0].code).status == "held"
    assert honest.certificate_code and honest.certificate_status == "valid"
    assert engine.verify(honest.certificate_code).status == "valid"
    result = cli(tmp_path, "campaign", "verify", held[0].code)
    assert result.exit_code == 1 and "等待主办方复核" in result.output and "有效：" not in result.output
    result = cli(tmp_path, "campaign", "verify", honest.certificate_code)
    assert result.exit_code == 0 and "有效" in result.output


def test_release_then_revoke_with_a_reason(engine, rounds, tmp_path):
    c, fast, honest = rounds
    code = engine.held_certificates(c.id)[0].code
    result = cli(tmp_path, "campaign", "held", c.code)
    assert result.exit_code == 0 and code in result.output and "快手" in result.output
    result = cli(tmp_path, "campaign", "release", code.lower())
    assert result.exit_code == 0 and "已发放" in result.output, result.output
    assert engine.verify(code).status == "valid" and engine.finish(fast.attempt_id).certificate_code == code
    assert "未做改动" in cli(tmp_path, "campaign", "release", code).output  # idempotent
    result = cli(tmp_path, "campaign", "revoke", code, "--reason", "复核发现代答")
    assert result.exit_code == 0 and "已撤销" in result.output
    cert = engine.verify(code)
    assert (cert.status, cert.reason, cert.valid) == ("revoked", "复核发现代答", True)
    result = cli(tmp_path, "campaign", "verify", code)
    assert result.exit_code == 1 and "已被撤销：复核发现代答" in result.output
    assert "未做改动" in cli(tmp_path, "campaign", "revoke", code, "--reason", "再次").output
    assert engine.verify(code).reason == "复核发现代答"  # the first decision stands
    result = cli(tmp_path, "campaign", "release", code)
    assert result.exit_code == 1 and "已被撤销" in result.output and "Traceback" not in result.output
    out = tmp_path / "r.csv"
    engine.export(c.id, out)
    rows = {r[1]: r for r in csv.reader(out.read_text(encoding="utf-8-sig").splitlines())}
    assert rows["快手"][-1] == "已撤销" and rows["李四"][-1] == "有效"


def test_revoking_needs_a_reason_and_a_real_code(engine, rounds, tmp_path):
    c, fast, honest = rounds
    with pytest.raises(QuizError, match="原因"):
        engine.revoke(honest.certificate_code, " ")
    with pytest.raises(NotFound):
        engine.revoke("LB-2222-2222", "原因")
    assert engine.verify(honest.certificate_code).status == "valid"
    result = cli(tmp_path, "campaign", "revoke", "LB-2222-2222", "--reason", "原因")
    assert result.exit_code == 1 and "没有编号为" in result.output and "Traceback" not in result.output


def test_organisers_may_issue_flagged_certificates_at_once(engine, clock):
    c = engine.create_campaign(spec(code="OPEN2030", hold_flagged=False))
    assert engine.campaign(c.id).hold_flagged is False
    clock.now = c.starts_at + 10
    engine.register(c.id, "bot", name="快手", school="重庆大学")
    fast = play(engine, engine.start_scored(c.id, "bot", 1), clock, think=0.06)
    assert fast.certificate_status == "valid" and engine.verify(fast.certificate_code).status == "valid"
    assert [r.name for r in engine.flagged(c.id)] == ["快手"]  # still listed for review
