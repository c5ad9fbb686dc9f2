"""Issue acceptance, end to end: a campaign created with ``lawbot campaign create`` is joined and
taken by simulated students through the real Application over a loopback Bot API server; the
CLI ranking and the CSV/XLSX exports match what they did, a second scored attempt is refused,
and the certificate a student received verifies with ``lawbot campaign verify``."""
from __future__ import annotations

import csv
import json
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from bot.cli import cli
from tests.helpers import FakeBotApi, run
from tests.helpers.quiz_bot import OffsetClock, answer, delivered, quiz_bot

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
SH = ZoneInfo("Asia/Shanghai")
# (telegram id, name, school, how many of the 5 questions they get wrong)
STUDENTS = ((4001, "王芳", "重庆大学", 0), (4002, "刘洋", "西南大学", 1), (4003, "陈晨", "重庆大学", 3))



def lawbot(home: Path, *args: str):
    result = CliRunner().invoke(cli, ["--home", str(home), *args], catch_exceptions=False)
    return result


def test_cli_campaign_joined_taken_ranked_exported_and_verified(home, tmp_path) -> None:
    clock = OffsetClock()
    now = clock()
    local = lambda ts: datetime.fromtimestamp(ts, SH).strftime("%Y-%m-%d %H:%M")  # noqa: E731
    created = lawbot(home, "campaign", "create", "--code", "acc2027", "--name", "验收测试竞赛",
                     "--start", local(now - 3600), "--end", local(now + 7200), "--count", "5",
                     "--seconds", "30", "--pass-mark", "4", "--tags", "alarm,history,shelter")
    assert created.exit_code == 0, created.output
    assert "ACC2027" in created.output
    certificates: dict[str, str] = {}

    async def main() -> None:
        async with FakeBotApi() as api, quiz_bot(api, home, clock=clock) as app:
            for uid, name, school, wrong in STUDENTS:
                user = api.user(uid)
                assert "姓名" in (await user.send_text("/join ACC2027")).text
                assert "学校" in (await user.send_text(name)).text
                menu = await user.send_text(school)
                assert "报名成功" in menu.text
                question = await user.press(menu, "📝 开始正式答题")
                for pos in range(5):
                    await delivered(app, question)
                    clock.advance(3)  # a human's pace: nobody is flagged
                    await answer(user, app, question, right=pos >= wrong)
                    question = await user.wait_reply()
                assert f"得分：{5 - wrong}/5" in question.text
                if wrong <= 1:  # pass mark 4
                    photo = await user.wait_reply()
                    assert photo.method == "sendPhoto"
                    certificates[name] = re.search(r"LB-[A-Z0-9]{4}-[A-Z0-9]{4}", photo.message["caption"])[0]
                again = await user.press(menu, "📝 开始正式答题")
                assert "正式答题机会已经用完" in again.text

    run(main(), 180)

    ranked = [json.loads(line) for line in lawbot(home, "campaign", "rank", "ACC2027", "--json").output.splitlines()]
    assert [(r["rank"], r["name"], r["score"], r["passed"]) for r in ranked] == [
        (1, "王芳", 5, True), (2, "刘洋", 4, True), (3, "陈晨", 2, False)]
    assert not any(r["flagged"] for r in ranked)
    assert {r["name"]: r["certificate"] for r in ranked if r["certificate"]} == certificates

    schools = [json.loads(line) for line in
               lawbot(home, "campaign", "rank", "ACC2027", "--schools", "--json").output.splitlines()]
    by_school = {s["school"]: s for s in schools}
    assert by_school["重庆大学"]["participants"] == 2 and by_school["西南大学"]["participants"] == 1
    assert abs(by_school["重庆大学"]["average_score"] - 3.5) < 1e-9

    out_csv, out_xlsx = tmp_path / "成绩.csv", tmp_path / "成绩.xlsx"
    assert lawbot(home, "campaign", "export", "ACC2027", str(out_csv)).exit_code == 0
    assert lawbot(home, "campaign", "export", "ACC2027", str(out_xlsx)).exit_code == 0
    rows = list(csv.reader(out_csv.read_text(encoding="utf-8-sig").splitlines()))
    header, body = rows[0], rows[1:]
    assert [(r[header.index("姓名")], r[header.index("得分")]) for r in body] == [("王芳", "5"), ("刘洋", "4"), ("陈晨", "2")]
    assert not any(str(uid) in out_csv.read_text(encoding="utf-8-sig") for uid, *_ in STUDENTS)  # no Telegram ids

    from openpyxl import load_workbook

    sheet = load_workbook(out_xlsx, read_only=True).worksheets[0]
    xrows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    xname, xscore = xrows[0].index("姓名"), xrows[0].index("得分")
    assert [(r[xname], int(r[xscore])) for r in xrows[1:] if r[xname]] == [("王芳", 5), ("刘洋", 4), ("陈晨", 2)]

    for name, code in certificates.items():
        verified = lawbot(home, "campaign", "verify", code)
        assert verified.exit_code == 0 and name in verified.output and "有效" in verified.output
    assert lawbot(home, "campaign", "verify", "LB-AAAA-BBBB").exit_code == 1
