"""Campaigns end to end: staff create one from a message, a student joins and registers (a
restart in between), takes the scored round, gets the certificate photo, cannot take it twice;
answers after the window are refused; organisers rank and export; others are refused."""
from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.telegram import texts
from quizzes.engine import CampaignSpec
from tests.helpers import FakeBotApi, assert_all_ok, run
from tests.helpers.quiz_bot import STAFF, OffsetClock, answer, delivered, item_of, press_data, quiz_bot

STUDENT, CLASSMATE, CITIZEN = 2001, 2002, 1001
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
SH = ZoneInfo("Asia/Shanghai")




def local(ts: float) -> str:
    return datetime.fromtimestamp(ts, SH).strftime("%Y-%m-%d %H:%M")



async def db(app, sql: str, params=()):
    return await app.bot_data["services"].quiz(lambda ops: ops.engine.conn.execute(sql, params).fetchall())


def test_join_register_scored_round_certificate_and_one_attempt(home, embedder) -> None:
    clock = OffsetClock()

    async def main() -> None:
        async with FakeBotApi() as api:
            staff, student, classmate = api.user(STAFF), api.user(STUDENT), api.user(CLASSMATE)
            now = clock()
            command = (f"/newcampaign cqu2027 | 重庆大学“6·5”防空知识竞赛 | {local(now - 3600)} | "
                       f"{local(now + 86400)} | 题数 10 | 每题 30 秒 | 及格 6 | 必填 学院 学号 | 选填 班级 | "
                       "主办 重庆大学武装部")
            async with quiz_bot(api, home, embedder=embedder, clock=clock):
                created = await staff.send_text(command)
                assert "已创建活动 <b>CQU2027</b>" in created.params["text"] and "/join CQU2027" in created.text
                assert "学院、学号、班级（选填）" in created.text or "学院、班级（选填）、学号" in created.text
                assert (await student.send_text("/join")).text.startswith("用法")
                assert "没有找到" in (await student.send_text("/join NOPE")).text
                prompt = await student.send_text("/join cqu2027")
                assert "（1/5）" in prompt.text and "姓名" in prompt.text
                assert "（2/5）" in (await student.send_text("张三")).text
            async with quiz_bot(api, home, embedder=embedder, clock=clock) as app:  # the draft survived
                assert "学院" in (await student.send_text("重庆大学")).text
                optional = await student.send_text("国防教育学院")
                assert "班级" in optional.text and optional.button_texts == ["跳过"]
                number = await student.press(optional, "跳过")
                assert "学号" in number.text
                assert "只能包含" in (await student.send_text("20 27/001")).text
                menu = await student.send_text("2027001")
                assert "报名成功" in menu.text and "张三，重庆大学，国防教育学院" in menu.text
                assert menu.button_texts == ["📝 开始正式答题", "🏆 我的排名"]
                for path in (home / "quiz.db", home / "quiz.db-wal"):
                    if path.exists():
                        assert b"2027001" not in path.read_bytes()  # only a keyed hash is kept
                assert await db(app, "SELECT count(*) FROM registration_drafts") == [(0,)]

                # The same student number from another account: refused politely, asked again.
                await classmate.send_text("/join CQU2027")
                for text in ("李四", "重庆大学", "国防教育学院", "跳过"):
                    await classmate.send_text(text)
                refused = await classmate.send_text("2027001")
                assert "已经在本次活动中报过名" in refused.text
                assert "学号" in classmate._api.sent_messages(CLASSMATE)[-1]["text"]
                assert (await classmate.send_text("/cancel")).text == texts.QUIZ_JOIN_CANCELLED
                assert await db(app, "SELECT count(*) FROM registrations") == [(1,)]

                question = await student.press(menu, "📝 开始正式答题")
                assert "正式答题开始" in question.text and "第 1/10 题" in question.text
                for pos in range(10):
                    await delivered(app, question)
                    clock.advance(3)  # a human's pace: a flagged participant's certificate is held
                    await answer(student, app, question, right=pos != 3)
                    question = await student.wait_reply()
                result = question
                assert "正式答题结束" in result.text and "得分：9/10" in result.text and "恭喜通过" in result.text
                photo = await student.wait_reply()
                assert photo.method == "sendPhoto"
                code = (await db(app, "SELECT code FROM certificates"))[0][0]
                assert code in photo.message["caption"] and "张三" in photo.message["caption"]
                assert photo.message["photo"][0]["width"] >= 1000

                again = await student.press(menu, "📝 开始正式答题")
                assert "正式答题机会已经用完" in again.text
                assert await db(app, "SELECT count(*) FROM attempts WHERE kind='scored'") == [(1,)]
                rank = await student.send_text("/rank")
                assert "第 <b>1</b> 名（共 1 人）" in rank.params["text"] and "9/10" in rank.text
                assert "张*" in rank.text  # names are masked on the students' board
                again_join = await student.send_text("/join CQU2027")
                assert "报名信息：张三" in again_join.text
            assert_all_ok(api)

    run(main(), 180)


def test_answers_after_the_campaign_window_are_refused(home, embedder) -> None:
    clock = OffsetClock()

    async def main() -> None:
        async with FakeBotApi() as api, quiz_bot(api, home, embedder=embedder, clock=clock) as app:
            services = app.bot_data["services"]
            now = clock()
            spec = CampaignSpec(code="SHORT", name="短时活动", starts_at=now - 60, ends_at=now + 120,
                                question_count=5, seconds_per_question=60, pass_mark=3)
            campaign = await services.quiz(lambda ops: ops.create_campaign(spec))
            await services.quiz(lambda ops: ops.engine.register(campaign.id, str(STUDENT), name="王五",
                                                                 school="西南大学"))
            student = api.user(STUDENT)
            menu = await student.send_text("/join SHORT")
            first = await student.press(menu, "📝 开始正式答题")
            await answer(student, app, first, right=True)
            second = await student.wait_reply()
            await delivered(app, second)  # its time runs from delivery; then jump past the window
            clock.advance(200)  # the campaign has ended
            item = await item_of(app, second)
            alert = await press_data(api, student, second, f"qa:{item.attempt_id}:1:{1 << item.correct_shown[0]}")
            assert alert["text"] == texts.QUIZ_CLOSED
            result = await student.wait_reply()
            assert "正式答题结束" in result.text and "得分：1/5" in result.text
            assert await db(app, "SELECT count(*), sum(outcome='answered') FROM answers") == [(5, 1)]
            assert await db(app, "SELECT status, score FROM attempts") == [("finished", 1)]
            closed = await student.press(menu, "📝 开始正式答题")
            assert "已于" in closed.text and "结束" in closed.text
            assert "已经结束" in (await api.user(CITIZEN).send_text("/join SHORT")).text
            assert_all_ok(api)

    run(main(), 90)


def test_staff_campaigns_ranking_export_and_refusals(home, embedder) -> None:
    from tests.helpers.quizzes import play

    clock = OffsetClock()

    async def main() -> None:
        async with FakeBotApi() as api, quiz_bot(api, home, embedder=embedder, clock=clock) as app:
            staff, citizen = api.user(STAFF), api.user(CITIZEN)
            bad = await staff.send_text("/newcampaign 只有名称")
            assert "至少需要" in bad.text
            bad_time = await staff.send_text("/newcampaign X1 | 活动 | 明天 | 后天")
            assert "格式不对" in bad_time.text
            services = app.bot_data["services"]
            now = clock()
            spec = CampaignSpec(code="EXP", name="导出测试", starts_at=now - 60, ends_at=now + 3600,
                                question_count=3, seconds_per_question=30, pass_mark=2,
                                headcounts={"重庆大学": 10})

            def seed(ops):  # three participants, through the engine (the bot path is tested above)
                eng = ops.engine
                c = eng.create_campaign(spec)
                for i, (name, school) in enumerate((("甲", "重庆大学"), ("乙", "重庆大学"), ("丙", "西南大学"))):
                    eng.register(c.id, str(3000 + i), name=name, school=school)
                    att = eng.start_scored(c.id, str(3000 + i), 3000 + i)
                    play(eng, att, type("C", (), {"advance": lambda self, s: None})(), wrong=range(i))
                return c

            await services.quiz(seed)
            listing = await staff.send_text("/campaigns")
            assert "EXP" in listing.text and "报名 3 人，完成正式答题 3 人，及格 2 人" in listing.text
            ranking = await staff.send_text("/ranking exp")
            assert "1. 甲（重庆大学）3/3" in ranking.text and "学校排名" in ranking.text
            assert "参与率 20%（2/10）" in ranking.text

            await staff.send_text("/export EXP")
            docs = await api.wait_for(lambda: len(api.calls("sendDocument")) == 2 and api.calls("sendDocument"))
            names = sorted(m["document"]["file_name"] for m in api.sent_messages(STAFF) if "document" in m)
            assert names == ["EXP-成绩.csv", "EXP-成绩.xlsx"]
            csv_file = next(f for f in api._files.values() if f.file_name == "EXP-成绩.csv")
            rows = list(csv.reader(io.StringIO(csv_file.data.decode("utf-8-sig"))))
            assert len(rows) == 4 and "甲" in rows[1]
            xlsx = next(f for f in api._files.values() if f.file_name == "EXP-成绩.xlsx")
            assert xlsx.data[:2] == b"PK"
            assert docs

            for command in ("/export EXP", "/ranking EXP", "/campaigns", "/newcampaign A | B | C | D"):
                assert (await citizen.send_text(command)).text == texts.STAFF_ONLY
            assert len(api.calls("sendDocument")) == 2
            assert_all_ok(api)

    run(main(), 90)
