"""6·5 reminders end to end: /subscribe and /unsubscribe, then the broadcast when it is due,
stopped mid-way (the bot is shut down while sending) and resumed by the next start: every
subscriber gets exactly one reminder; one who blocked the bot is unsubscribed; 429 is waited out."""
from __future__ import annotations

import asyncio
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.telegram import texts
from tests.helpers import FakeBotApi, run
from tests.helpers.quiz_bot import quiz_bot

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
MARK = "三种警报信号怎么分辨"



def due_now(minutes_ago: int = 1) -> str:
    """A reminder_at that fell a minute ago, local time (so the real clock finds it due)."""
    at = datetime.fromtimestamp(time.time() - 60 * minutes_ago, ZoneInfo("Asia/Shanghai"))
    return at.strftime("%m-%d %H:%M")


def not_due() -> str:
    at = datetime.fromtimestamp(time.time() + 12 * 3600, ZoneInfo("Asia/Shanghai"))
    return at.strftime("%m-%d %H:%M")


def reminders_to(api: FakeBotApi, chat_id: int) -> int:
    return sum(1 for c in api.calls("sendMessage")
               if c.ok and c.params.get("chat_id") == chat_id and MARK in c.params.get("text", ""))


async def quiz_db(app, sql: str):
    return await app.bot_data["services"].quiz(lambda ops: ops.reminders.conn.execute(sql).fetchall())


def test_broadcast_resumes_after_a_stop_and_sends_each_reminder_once(home) -> None:
    users = list(range(5001, 5041))  # 40 subscribers
    blocked = users[7]

    async def main() -> None:
        async with FakeBotApi() as api:
            async with quiz_bot(api, home, reminder_at=not_due()):
                first = await api.user(users[0]).send_text("/subscribe")
                assert "已订阅" in first.text and "下次提醒" in first.text and "北京时间" in first.text
                again = await api.user(users[0]).send_text("/subscribe")
                assert "已经订阅" in again.text
                for uid in users[1:]:
                    await api.user(uid).send_text("/subscribe")
                leaver = api.user(6000)
                await leaver.send_text("/subscribe")
                assert (await leaver.send_text("/unsubscribe")).text == texts.UNSUBSCRIBED
                assert (await leaver.send_text("/unsubscribe")).text == texts.NOT_SUBSCRIBED
            api.user(blocked).blocked = True
            assert sum(reminders_to(api, u) for u in users) == 0

            # Due now: the loop starts at once. Stop the bot after a dozen deliveries.
            api.fail_next("sendMessage", n=1, retry_after=1)  # flood control on the way
            async with quiz_bot(api, home, reminder_at=due_now(), broadcast_per_second=10) as app:
                await api.wait_for(lambda: sum(reminders_to(api, u) for u in users) >= 12, timeout=30)
            sent_before = sum(reminders_to(api, u) for u in users)
            assert 12 <= sent_before < len(users) - 1, sent_before

            async with quiz_bot(api, home, reminder_at=due_now(), broadcast_per_second=50) as app:
                await api.wait_for(lambda: sum(reminders_to(api, u) for u in users) == len(users) - 1,
                                   timeout=30)
                await asyncio.sleep(0.3)
                statuses = dict(await quiz_db(app, "SELECT status, count(*) FROM deliveries GROUP BY status"))
                assert statuses == {"sent": len(users) - 1, "failed": 1}
                assert await quiz_db(app, "SELECT count(*) FROM broadcasts WHERE finished_at IS NOT NULL") == [(1,)]
                active = await quiz_db(app, f"SELECT active FROM subscribers WHERE chat_id={blocked}")
                assert active == [(0,)]  # blocked the bot: unsubscribed
                assert await quiz_db(app, "SELECT count(*) FROM deliveries WHERE chat_id=6000") == [(0,)]

            # A third start on the same day sends nothing more.
            async with quiz_bot(api, home, reminder_at=due_now()):
                await asyncio.sleep(1.0)
            assert [reminders_to(api, u) for u in users] == [0 if u == blocked else 1 for u in users]
            assert reminders_to(api, 6000) == 0
            text = next(c.params["text"] for c in api.calls("sendMessage") if MARK in c.params.get("text", ""))
            for signal in ("预先警报：鸣 36 秒、停 24 秒，反复 3 遍，时间 3 分钟",
                           "空袭警报：鸣 6 秒、停 6 秒，反复 15 遍，时间 3 分钟", "解除警报：连续鸣放 3 分钟"):
                assert signal in text.replace("<b>", "").replace("</b>", "")
            assert [c.status for c in api.calls("sendMessage") if c.status == 429] == [429]

    run(main(), 120)
