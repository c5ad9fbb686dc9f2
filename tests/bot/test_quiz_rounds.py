"""Quiz rounds end to end: the real Application ⇄ loopback Bot API, a real quiz.db and the curated
bank; the core corpus (copied) answers 了解更多. Practice scoring and review, late and repeated
answers, deadline timers, and a restart in the middle of a round."""
from __future__ import annotations

import asyncio
import re

import pytest

from bot.telegram import texts
from tests.helpers import FakeBotApi, assert_all_ok, run
from tests.helpers.quiz_bot import (OffsetClock, answer, delivered, ids_of, item_of, press_data, quiz_bot,
                                    wrong_choice)

CITIZEN = 1001
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")





async def db(app, sql: str, params=()):
    return await app.bot_data["services"].quiz(lambda ops: ops.engine.conn.execute(sql, params).fetchall())


def test_practice_round_feedback_review_and_more(home, embedder) -> None:
    wrong_at = {1, 4, 7}

    async def main() -> None:
        async with FakeBotApi() as api, quiz_bot(api, home, embedder=embedder) as app:
            user = api.user(CITIZEN)
            question = await user.send_text("/quiz")
            assert "防空知识练习：共 10 题" in question.text and "第 1/10 题" in question.text
            assert all(len(b["callback_data"].encode()) <= 64 for row in question.buttons for b in row)
            stems, feedbacks = [], []
            for pos in range(10):
                assert f"第 {pos + 1}/10 题" in question.text
                feedback, item = await answer(user, app, question, right=pos not in wrong_at)
                stems.append(item.question.stem)
                feedbacks.append(feedback)
                assert ("回答错误" if pos in wrong_at else "回答正确") in feedback.text
                assert "正确答案：" in feedback.text
                assert all(item.question.options[i] in feedback.text for i in item.question.correct)
                if item.question.basis:
                    assert feedback.button_texts == ["📖 了解更多"]
                question = await user.wait_reply()
            result = question
            assert "练习结束" in result.text and "得分：7/10" in result.text
            assert "错题回顾（3 题）" in result.text
            for pos in range(10):
                assert (stems[pos] in result.text) == (pos in wrong_at), pos
            toasts = [c.params.get("text") for c in api.calls("answerCallbackQuery")]
            assert toasts.count(texts.QUIZ_WRONG) == 3 and toasts.count(texts.QUIZ_RIGHT) >= 7

            with_basis = next(f for f in feedbacks if f.button_texts == ["📖 了解更多"])
            article = await user.press(with_basis, "📖 了解更多")
            item = await item_of_feedback(app, with_basis)
            basis = item.question.basis[0]
            assert f"《{basis.law}》" in article.text and "<blockquote>" in article.params["text"]
            rows = await db(app, "SELECT count(*), sum(correct) FROM answers")
            assert rows == [(10, 7)]
            assert_all_ok(api)

    run(main(), 120)


async def item_of_feedback(app, feedback):
    att, pos = (int(x) for x in re.match(r"^qm:(\d+):(\d+)$", feedback.buttons[0][0]["callback_data"]).groups())
    return await app.bot_data["services"].quiz(lambda ops: ops.engine.item(att, pos))


def test_repeated_and_late_answers_are_refused_without_changing_the_score(home, embedder) -> None:
    clock = OffsetClock()

    async def main() -> None:
        async with FakeBotApi() as api, quiz_bot(api, home, embedder=embedder, clock=clock) as app:
            user = api.user(CITIZEN)
            first = await user.send_text("/quiz")
            feedback, item = await answer(user, app, first, right=True)
            second = await user.wait_reply()
            # A double tap: the same button again, from the message as it was before the edit.
            data = f"qa:{item.attempt_id}:0:{1 << item.correct_shown[0]}"
            alert = await press_data(api, user, first, data)
            assert alert["text"] == texts.QUIZ_DUPLICATE and alert["show_alert"] is True
            wrong = f"qa:{item.attempt_id}:0:{1 << wrong_choice(item)[0]}"
            assert (await press_data(api, user, first, wrong))["text"] == texts.QUIZ_DUPLICATE
            assert await db(app, "SELECT position, outcome, correct FROM answers") == [(0, "answered", 1)]

            # Too late: past the deadline (which runs from delivery) and the grace second.
            await delivered(app, second)
            clock.advance(35)
            late_item = await item_of(app, second)
            right_late = f"qa:{late_item.attempt_id}:1:{1 << late_item.correct_shown[0]}"
            late = await press_data(api, user, second, right_late)
            assert late["text"] == texts.QUIZ_LATE and late["show_alert"] is True
            third = await api.wait_for(lambda: next((m for m in api.sent_messages(CITIZEN)
                                                     if "第 3/10 题" in m["text"]), None))
            timed_out = next(m for m in api.sent_messages(CITIZEN) if m["message_id"] == second.message_id)
            assert "超时" in timed_out["text"] and "正确答案" in timed_out["text"]
            assert await db(app, "SELECT position, outcome, correct FROM answers ORDER BY position") == [
                (0, "answered", 1), (1, "timeout", 0)]
            # Pressing the late one again changes nothing either.
            again = await press_data(api, user, second, right_late)
            assert again["text"] in (texts.QUIZ_LATE, texts.QUIZ_DUPLICATE)
            assert await db(app, "SELECT count(*), sum(correct) FROM answers") == [(2, 1)]
            # 了解更多 before answering is not allowed (the forged button of the current item).
            att, pos = ids_of(third)
            assert (await press_data(api, user, third, f"qm:{att}:{pos}"))["text"] == texts.QUIZ_MORE_AFTER
            # /cancel ends a practice round; its buttons then say so.
            assert (await user.send_text("/cancel")).text == texts.QUIZ_PRACTICE_CANCELLED
            item3 = await item_of(app, third)
            closed = await press_data(api, user, third, f"qa:{att}:{pos}:{1 << item3.correct_shown[0]}")
            assert closed["text"] == texts.QUIZ_CLOSED
            assert_all_ok(api)

    run(main(), 90)


def test_the_deadline_timer_closes_an_item_and_moves_on(home, embedder) -> None:
    """A campaign practice round of 5-second questions, left unanswered."""
    from quizzes.engine import CampaignSpec

    async def main() -> None:
        async with FakeBotApi() as api, quiz_bot(api, home, embedder=embedder) as app:
            services = app.bot_data["services"]
            now = services.clock()
            spec = CampaignSpec(code="FAST", name="快速练习", starts_at=now - 60, ends_at=now + 3600,
                                question_count=3, seconds_per_question=5, practice_attempts=2, pass_mark=2)
            campaign = await services.quiz(lambda ops: ops.create_campaign(spec))
            user = api.user(CITIZEN)
            await services.quiz(lambda ops: ops.engine.register(campaign.id, str(CITIZEN), name="张三", school="重庆大学"))
            menu = await user.send_text("/join FAST")
            question = await user.press(menu, "🔁 练习（2 次）")
            assert "限时 5 秒" in question.text
            nxt = await user.wait_reply(timeout=10)  # no answer: the timer moves on after ~6 s
            assert nxt.method == "editMessageText" and nxt.message_id == question.message_id
            assert "超时" in nxt.text
            second = await user.wait_reply(timeout=5)
            assert "第 2/3 题" in second.text
            await answer(user, app, second, right=True)
            third = await user.wait_reply()
            await answer(user, app, third, right=False)
            result = await user.wait_reply()
            assert "得分：1/3" in result.text and "未作答（超时）" in result.text
            assert await db(app, "SELECT outcome FROM answers ORDER BY position") == [
                ("timeout",), ("answered",), ("answered",)]
            assert_all_ok(api)

    run(main(), 60)


def test_a_restart_in_the_middle_of_a_round_resumes_it(home, embedder) -> None:
    clock = OffsetClock()

    async def main() -> None:
        async with FakeBotApi() as api:
            user = api.user(CITIZEN)
            async with quiz_bot(api, home, embedder=embedder, clock=clock) as app:
                question = await user.send_text("/quiz")
                for _ in range(3):
                    await answer(user, app, question, right=True)
                    question = await user.wait_reply()
                assert "第 4/10 题" in question.text
            # Down for a minute: the 4th question's deadline passed meanwhile.
            clock.advance(60)
            async with quiz_bot(api, home, embedder=embedder, clock=clock) as app:
                edited = await user.wait_reply()
                assert edited.message_id == question.message_id and "超时" in edited.text
                resumed = await user.wait_reply()
                assert texts.QUIZ_RESUMED in resumed.text and "第 5/10 题" in resumed.text
                await answer(user, app, resumed, right=True)
                question = await user.wait_reply()
                assert "第 6/10 题" in question.text
            # A quick restart: the 6th question is still open; its old buttons keep working.
            before = len(api.sent_messages(CITIZEN))
            async with quiz_bot(api, home, embedder=embedder, clock=clock) as app:
                await asyncio.sleep(0.5)
                assert len(api.sent_messages(CITIZEN)) == before  # nothing re-sent
                for _ in range(5):
                    await answer(user, app, question, right=False)
                    question = await user.wait_reply()
                result = question
                assert "练习结束" in result.text and "得分：4/10" in result.text
                rows = await db(app, "SELECT position, outcome FROM answers ORDER BY position")
                assert [r[0] for r in rows] == list(range(10))
                assert rows[3] == (3, "timeout")
                assert await db(app, "SELECT status FROM attempts") == [("finished",)]
                assert await db(app, "PRAGMA integrity_check") == [("ok",)]
            assert_all_ok(api)

    run(main(), 120)
