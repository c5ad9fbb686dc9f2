"""Each update is handled once (issue #14, item 1): the real Application over the loopback Bot API
gets an update again — during /join registration, a citizen's question, a webhook POST retried —
and answers it once. A small home with the hash embedder: retrieval is not the point here."""
from __future__ import annotations

import json
import socket
import sqlite3
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from app.inbox import Inbox
from kb.embed import HashEmbedder
from tests.helpers import FakeBotApi, run
from tests.helpers.quiz_bot import STAFF, quiz_bot

STUDENT, CITIZEN = 2001, 1001
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
SH = ZoneInfo("Asia/Shanghai")


def local(ts: float) -> str:
    return datetime.fromtimestamp(ts, SH).strftime("%Y-%m-%d %H:%M")


async def no_more_replies(api: FakeBotApi, chat_id: int, count: int, wait: float = 2.0) -> bool:
    """True if the chat still has ``count`` bot messages after ``wait`` seconds."""
    try:
        await api.wait_for(lambda: len(api.sent_messages(chat_id)) > count, timeout=wait)
    except TimeoutError:
        return True
    return False


def test_redelivered_registration_answer_is_not_taken_for_the_next_field(small_home_copy) -> None:
    async def main() -> None:
        async with FakeBotApi() as api:
            staff, student = api.user(STAFF), api.user(STUDENT)
            now = datetime.now().timestamp()
            async with quiz_bot(api, small_home_copy, embedder=HashEmbedder(), staff=(STAFF,)):
                created = await staff.send_text(f"/newcampaign CQ1 | 测试竞赛 | {local(now - 3600)} | "
                                                f"{local(now + 86400)} | 题数 5 | 每题 30 秒 | 及格 3")
                assert "已创建活动" in created.text, created.text
                assert "姓名" in (await student.send_text("/join CQ1")).text
                school_prompt = await student.send_text("张三")
                assert "学校" in school_prompt.text
                name_update = api.update_ids()[-1]
                before = len(api.sent_messages(STUDENT))
                await api.redeliver(name_update)  # Telegram sends 张三 again
                assert await no_more_replies(api, STUDENT, before)
                done = await student.send_text("重庆大学")
                assert "报名成功" in done.text and "张三，重庆大学" in done.text, done.text
        rows = sqlite3.connect(small_home_copy / "quiz.db").execute("SELECT name, school FROM registrations")
        assert rows.fetchall() == [("张三", "重庆大学")]

    run(main(), timeout=60)


def test_redelivered_question_gets_one_reply(small_home_copy) -> None:
    async def main() -> None:
        async with FakeBotApi() as api:
            citizen = api.user(CITIZEN)
            async with quiz_bot(api, small_home_copy, embedder=HashEmbedder()):
                answer = await citizen.send_text("人防法第二十二条说了什么？")
                assert "《中华人民共和国人民防空法》" in answer.text
                replies = len(api.sent_messages(CITIZEN))
                await api.redeliver(api.update_ids()[-1])
                assert await no_more_replies(api, CITIZEN, replies)
        logged = sqlite3.connect(small_home_copy / "lawbot.db").execute(
            "SELECT count(*) FROM question_log").fetchone()[0]
        assert logged == 1

    run(main(), timeout=60)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_webhook_retry_gets_one_reply(small_home_copy) -> None:
    async def main() -> None:
        async with FakeBotApi() as api:
            citizen = api.user(CITIZEN)
            port = free_port()
            async with quiz_bot(api, small_home_copy, embedder=HashEmbedder()) as app:
                await app.updater.stop()  # switch this running bot from polling to a webhook
                await app.updater.start_webhook(listen="127.0.0.1", port=port, url_path="hook",
                                                webhook_url="https://bot.example/hook", secret_token="s3cret")
                try:
                    update = {"update_id": 777001, "message": {
                        "message_id": 1, "date": 1, "chat": citizen.chat_dict(), "from": citizen.to_dict(),
                        "text": "/help"}}
                    update["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": 5}]
                    async with httpx.AsyncClient() as http:
                        for _ in range(2):  # Telegram retries a POST it saw no answer to in time
                            r = await http.post(f"http://127.0.0.1:{port}/hook", content=json.dumps(update),
                                                headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret",
                                                         "Content-Type": "application/json"})
                            assert r.status_code == 200
                    await api.wait_for(lambda: api.sent_messages(CITIZEN), timeout=10)
                    assert await no_more_replies(api, CITIZEN, 1)
                finally:
                    await app.updater.stop()
                    await app.updater.start_polling(timeout=5)  # quiz_bot stops it the usual way

    run(main(), timeout=60)


def test_inbox_claims_once_and_prunes(tmp_path) -> None:
    now = [1000.0]
    inbox = Inbox.for_home(tmp_path, keep_s=100, clock=lambda: now[0])
    assert inbox.claim("web", "k1") is None
    seen = inbox.claim("web", "k1")
    assert seen is not None and seen.received_at == 1000.0 and seen.response is None
    inbox.complete("web", "k1", '{"ok": true}')
    assert inbox.claim("web", "k1").response == '{"ok": true}'
    assert inbox.claim("telegram:1", "k1") is None  # keys are per channel
    now[0] += 101
    assert inbox.prune() == 2 and inbox.claim("web", "k1") is None
    inbox.close()
    assert inbox.claim("web", "k1") is not None  # reopened, still recorded


def test_concurrent_claims_have_one_winner(tmp_path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    # Several connections creating one new file at once is where SQLite answers "locked" without
    # waiting (switching to WAL); each round starts from a new file to meet that moment again.
    for round_ in range(40):
        home = tmp_path / str(round_)
        inboxes = [Inbox.for_home(home) for _ in range(4)]  # separate connections, one file
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda i: inboxes[i % 4].claim("web", f"key{i % 50}"), range(400)))
        assert sum(r is None for r in results) == 50, f"round {round_}"
