"""One local-time parser and one set of campaign rules for the CLI, the bot and the web."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from app.campaigns import SpecError, campaign_spec, parse_campaign_message, parse_fields, parse_local_time
from quizzes.engine import QuizEngine
from quizzes.errors import QuizError
from quizzes.rules import check_spec
from tests.helpers.quizzes import make_question

SH = ZoneInfo("Asia/Shanghai")
TZ = "Asia/Shanghai"


def test_local_times_in_every_form():
    at = datetime(2027, 6, 1, 8, 0, tzinfo=SH).timestamp()
    for text in ("2027-06-01 08:00", "2027-06-01T08:00", "2027/06/01 08:00", " 2027-06-01  08:00:00 "):
        assert parse_local_time(text, TZ) == at
    assert parse_local_time("2027-06-01", TZ) == datetime(2027, 6, 1, tzinfo=SH).timestamp()
    assert parse_local_time("2027-06-05", TZ, end=True) == datetime(2027, 6, 6, tzinfo=SH).timestamp()
    with pytest.raises(SpecError, match="格式不对"):
        parse_local_time("明天", TZ)


def test_a_bare_end_date_closes_at_the_same_moment_from_the_cli_and_the_bot(tmp_path):
    """Before: ``--end 2099-06-05`` closed at 06-05 00:00 from the CLI, 06-06 00:00 from /newcampaign."""
    from bot.cli import cli

    home = tmp_path / "home"
    out = CliRunner().invoke(cli, ["--home", str(home), "campaign", "create", "--code", "END1", "--name", "结束日",
                                   "--start", "2099-06-01", "--end", "2099-06-05"],
                             env={"LAWBOT_TIMEZONE": TZ, "LAWBOT_HOME": ""})
    assert out.exit_code == 0, out.output
    with QuizEngine(home / "quiz.db") as eng:
        stored = eng.campaign("END1")
    bot = parse_campaign_message("END1 | 结束日 | 2099-06-01 | 2099-06-05", TZ)
    assert stored.ends_at == bot.ends_at == datetime(2099, 6, 6, tzinfo=SH).timestamp()
    assert stored.starts_at == bot.starts_at


def test_the_same_limits_in_every_channel():
    spec = campaign_spec(code="cqu-2027", name="重庆大学", start="2099-06-01 08:00", end="2099-06-05", tz=TZ,
                         created_by="web", tags="警报 history", fields="学院,student_no?")
    assert spec.code == "cqu-2027" and spec.tags == ("alarm", "history")
    assert spec.fields == {"college": True, "student_no": False}
    assert check_spec(spec, 0.0) == ("CQU-2027", "重庆大学")
    long_code = "A" * 25  # accepted by the engine, and now by /newcampaign too
    assert parse_campaign_message(f"{long_code} | 名称 | 2099-06-01 | 2099-06-05", TZ).code == long_code
    for bad in ("X Y | 名称 | 2099-06-01 | 2099-06-05", "A1 | " + "长" * 61 + " | 2099-06-01 | 2099-06-05"):
        with pytest.raises(SpecError):
            parse_campaign_message(bad, TZ)
    with pytest.raises(QuizError, match="报名项"):
        parse_fields("phone")


def test_the_engine_enforces_the_same_rules(tmp_path):
    eng = QuizEngine(tmp_path / "quiz.db", [make_question(i) for i in range(12)], clock=lambda: 0.0)
    with eng:
        spec = campaign_spec(code="A1", name="名称", start="2099-06-01", end="2099-06-05", tz=TZ,
                             created_by="t", seconds_per_question=700)
        with pytest.raises(QuizError, match="限时"):
            eng.create_campaign(spec)
        with pytest.raises(SpecError, match="每题"):
            parse_campaign_message("A1 | 名称 | 2099-06-01 | 2099-06-05 | 每题 700 秒", TZ)
