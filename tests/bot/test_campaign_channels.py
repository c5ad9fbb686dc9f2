"""One scored attempt per (campaign, 学号) across channels and devices: a student registered
through the real Telegram bot (over the loopback Bot API) cannot register again on the web with
the same student number — so cannot take a second scored round there — and a student who
registered and started on the web cannot register again through Telegram. Both refusals are
polite Chinese messages and change nothing in quiz.db."""
from __future__ import annotations

import re
import sqlite3
import time
from urllib.parse import unquote

import pytest

from quizzes.engine import CampaignSpec, QuizEngine
from quizzes.bank import load_bank
from tests.helpers import FakeBotApi, assert_all_ok, run
from tests.helpers.quiz_bot import quiz_bot
from tests.web.conftest import csrf_of, make_client

CODE = "CHAN2030"
TELEGRAM_STUDENT = 3001
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def make_campaign(home) -> None:
    now = time.time()
    with QuizEngine(home / "quiz.db", load_bank().questions) as eng:
        eng.create_campaign(CampaignSpec(
            code=CODE, name="重庆大学“6·5”防空知识竞赛", starts_at=now - 60, ends_at=now + 3600,
            question_count=3, seconds_per_question=60, pass_mark=2, fields={"student_no": True},
            headcounts={"重庆大学": 100, "西南大学": 50}, scored_attempts=1, hold_flagged=False))


def counts(home) -> tuple[int, int]:
    conn = sqlite3.connect(home / "quiz.db")
    try:
        return (conn.execute("SELECT COUNT(*) FROM registrations").fetchone()[0],
                conn.execute("SELECT COUNT(*) FROM attempts WHERE kind='scored'").fetchone()[0])
    finally:
        conn.close()


def web_register(client, student_no: str, name: str = "张三") -> str:
    """Register in this browser; the note the landing page (or the form) was sent back with."""
    page = client.get(f"/c/{CODE}/register")
    r = client.post(f"/c/{CODE}/register", data={"csrf": csrf_of(page.text), "name": name, "school": "重庆大学",
                                                  "student_no": student_no}, follow_redirects=False)
    assert r.status_code == 303
    return unquote(r.headers["location"])


def web_start(client) -> str:
    page = client.get(f"/c/{CODE}")
    r = client.post(f"/c/{CODE}/start", data={"csrf": csrf_of(page.text), "kind": "scored"}, follow_redirects=False)
    assert r.status_code == 303
    return unquote(r.headers["location"])


async def telegram_join(api, student_no: str) -> str:
    """/join and answer the registration questions (姓名, 学校, 学号); the bot's last reply."""
    student = api.user(TELEGRAM_STUDENT)
    reply = await student.send_text(f"/join {CODE}")
    assert "姓名" in reply.text
    assert "学校" in (await student.send_text("张三")).text
    assert "学号" in (await student.send_text("重庆大学")).text
    return (await student.send_text(student_no)).text


def test_registered_on_telegram_cannot_take_a_second_scored_round_on_the_web(home, embedder):
    make_campaign(home)

    async def main() -> None:
        async with FakeBotApi() as api, quiz_bot(api, home, embedder=embedder):
            assert "报名成功" in await telegram_join(api, "2030001")
            assert_all_ok(api)

    run(main(), 60)
    assert counts(home) == (1, 0)
    for browser in range(2):  # a phone and a laptop: two web identities, one student number
        with make_client(home) as client:
            note = web_register(client, "2030001")
            assert "/register" in note and "已经在本次活动中报过名" in note
            assert "请先报名" in web_start(client)  # so no scored round on the web either
    assert counts(home) == (1, 0)
    with make_client(home) as client:  # another student number is welcome
        assert "报名成功" in web_register(client, "2030002", name="李四")
        assert re.search(r"/play/\d+$", web_start(client))
    assert counts(home) == (2, 1)


def test_registered_and_started_on_the_web_cannot_register_again_on_telegram(home, embedder):
    make_campaign(home)
    with make_client(home) as client:
        assert "报名成功" in web_register(client, "2030001")
        assert re.search(r"/play/\d+$", web_start(client))
    assert counts(home) == (1, 1)

    async def main() -> None:
        async with FakeBotApi() as api, quiz_bot(api, home, embedder=embedder):
            refused = await telegram_join(api, "2030001")
            assert "已经在本次活动中报过名" in refused
            assert_all_ok(api)

    run(main(), 60)
    assert counts(home) == (1, 1)
