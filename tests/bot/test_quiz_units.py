"""Quiz screens and parsing without a bot: /newcampaign syntax, registration answers, callback
data within 64 bytes, and every screen valid Telegram HTML within the length limits."""
from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app.campaigns import SpecError
from app.campaigns import parse_campaign_message as parse_campaign
from bot.telegram import callbacks as cb
from bot.telegram import quiz_render as qr
from bot.telegram.quiz import KeyedLocks
from bot.telegram.quiz_join import clean, fields_of, next_field
from quizzes.engine import Campaign, Item, RankRow, Review, RoundResult, SchoolRow
from quizzes.model import Basis, Question
from tests.helpers.fake_bot_api import parse_html, utf16_len

SH = ZoneInfo("Asia/Shanghai")


def campaign(**kw) -> Campaign:
    values = dict(id=3, code="CQU2027", name="重庆大学“6·5”<防空>知识竞赛", organiser="", starts_at=0.0,
                  ends_at=2e9, tags=(), question_count=10, seconds_per_question=30, scored_attempts=1,
                  practice_attempts=2, fields={"college": True, "student_no": False}, pass_mark=6, headcounts={})
    values.update(kw)
    return Campaign(**values)


def question(multiple: bool = False, long: bool = False) -> Question:
    options = tuple((f"选项{i} " + "很长的说明文字" * 6) if long else f"选项{i}<&>" for i in range(4))
    return Question(id="q-1", stem="防空警报有几种<信号>？" * (20 if long else 1), options=options,
                    correct=(0, 2) if multiple else (1,), explanation="解析 & 说明" * (20 if long else 1),
                    basis=(Basis("中华人民共和国人民防空法", 14),), review="较长的回顾" * 30)


def item(q: Question, position: int = 4) -> Item:
    return Item(attempt_id=987654321, position=position, total=10, question=q, order=(2, 0, 3, 1),
                sent_at=1000.0, deadline_at=1030.0, message_id=None, chat_id=None)


def valid(reply) -> str:
    text, _ = parse_html(reply.text)
    assert text.strip() and utf16_len(text) <= 4096
    for row in (reply.keyboard.inline_keyboard if reply.keyboard else ()):
        for b in row:
            assert len(b.callback_data.encode()) <= 64 and b.text
    return text


def test_new_campaign_syntax() -> None:
    spec = parse_campaign("cqu2027 | 重庆大学防空知识竞赛 | 2027-06-01 08:00 | 2027-06-05 22:00 | 题数 12 | "
                          "每题 20 秒 | 及格 8 | 正式 2 次 | 练习 3 次 | 必填 学院、学号 | 选填 班级 | 标签 警报 history | "
                          "主办 重庆大学武装部", "Asia/Shanghai", "telegram:9")
    assert (spec.code, spec.question_count, spec.seconds_per_question, spec.pass_mark) == ("CQU2027", 12, 20, 8)
    assert (spec.scored_attempts, spec.practice_attempts, spec.organiser) == (2, 3, "重庆大学武装部")
    assert spec.fields == {"college": True, "student_no": True, "class": False}
    assert spec.tags == ("alarm", "history") and spec.created_by == "telegram:9"
    assert spec.starts_at == datetime(2027, 6, 1, 8, 0, tzinfo=SH).timestamp()
    day = parse_campaign("A1 | 名称 | 2027-06-01 | 2027-06-05", "Asia/Shanghai")
    assert day.ends_at == datetime(2027, 6, 6, tzinfo=SH).timestamp()  # the whole last day
    assert (day.question_count, day.seconds_per_question, day.pass_mark) == (10, 30, 6)
    for bad, reason in (("只有名称", "至少需要"), ("A1 | 名称 | 明天 | 后天", "格式不对"),
                        ("A1 | 名称 | 2027-06-05 | 2027-06-01", "晚于"), ("A 1 | 名称 | 2027-06-01 | 2027-06-05", "代码"),
                        ("A1 | 名称 | 2027-06-01 | 2027-06-05 | 每题 3 秒", "每题"),
                        ("A1 | 名称 | 2027-06-01 | 2027-06-05 | 必填 手机号", "学院、班级、学号"),
                        ("A1 | 名称 | 2027-06-01 | 2027-06-05 | 奖品 一等奖", "看不懂"),
                        ("A1 | 名称 | 2027-06-01 | 2027-06-05 | 题数 5 | 及格 6", "及格")):
        with pytest.raises(SpecError, match=reason):
            parse_campaign(bad, "Asia/Shanghai")


def test_registration_fields_and_answers() -> None:
    c = campaign(fields={"student_no": True, "college": False})
    assert fields_of(c) == ["name", "school", "college", "student_no"]
    assert next_field(c, {"name": "张三", "school": "重庆大学", "college": ""}) == "student_no"
    assert clean("name", "  张　三 ") == ("张 三", None)
    assert clean("school", "重")[1] is not None
    assert clean("student_no", "2027 001") == ("2027001", None)
    assert clean("student_no", "2027/001")[1] is not None
    assert clean("name", "张\u0000三")[1] is not None


def test_callback_data_fits_and_round_trips() -> None:
    data = cb.quiz_answer(2 ** 40, 49, 0b111111)
    assert len(data.encode()) <= 64 and cb.QUIZ_ANSWER.match(data)
    assert cb.shown_of(cb.mask_of((0, 2, 5))) == (0, 2, 5) and cb.shown_of(0) == ()
    assert cb.QUIZ_TOGGLE.match(cb.quiz_toggle(1, 2, 3)) and cb.QUIZ_MORE.match(cb.quiz_more(1, 2))
    assert cb.QUIZ_MENU.match(cb.quiz_menu(7, "s")) and cb.QUIZ_SKIP.match(cb.quiz_skip(7, "student_no"))


@pytest.mark.parametrize("multiple", [False, True])
@pytest.mark.parametrize("long", [False, True])
def test_question_and_feedback_screens(multiple: bool, long: bool) -> None:
    it = item(question(multiple, long))
    shown = valid(qr.question_reply(it, note="机器人刚才重启过，继续答题：", mask=0b101 if multiple else 0))
    assert "第 5/10 题" in shown and "限时 30 秒" in shown and "A. 选项2" in shown
    buttons = [b for row in qr.question_reply(it).keyboard.inline_keyboard for b in row]
    if multiple:
        assert buttons[-1].text == "提交" and buttons[0].text.startswith("☐")
        picked = [b for row in qr.question_reply(it, mask=0b10).keyboard.inline_keyboard for b in row]
        assert [b.text[0] for b in picked[:4]] == ["☐", "☑", "☐", "☐"] and picked[-1].text == "提交（已选 B）"
        assert picked[1].callback_data == "qt:987654321:4:0" and picked[-1].callback_data == "qa:987654321:4:2"
    else:
        assert all(b.callback_data.startswith("qa:") for b in buttons)
        assert (buttons[0].text == "A") == long
    for outcome, chosen in (("correct", (3,)), ("wrong", (0,)), ("timeout", ())):
        fb = valid(qr.feedback_reply(it, outcome, chosen))
        assert "正确答案：" in fb and "依据：《中华人民共和国人民防空法》第14条" in fb
    # shown order (2, 0, 3, 1): option 1 (the right one) is shown as D
    assert "正确答案：D. 选项1" in valid(qr.feedback_reply(item(question()), "wrong", (0,)))


def test_result_standing_and_ranking_screens() -> None:
    q = question(long=True)
    wrong = tuple(Review(i, q, (0,) if i % 2 else (), False) for i in range(10))
    result = RoundResult(1, "scored", 3, 0, 10, 125_400, False, wrong)
    replies = qr.result_replies(result, campaign())
    texts = [valid(r) for r in replies]
    assert "得分：0/10" in texts[0] and "2 分 5 秒" in texts[0] and "未达到及格线（6 题）" in texts[0]
    assert "未作答（超时）" in "".join(texts) and len(replies) >= 2  # long reviews split between messages
    practice = qr.result_replies(RoundResult(2, "practice", None, 10, 10, 9_000, None, ()))
    assert "全部答对" in valid(practice[0]) + "".join(valid(r) for r in practice[1:])
    rows = [RankRow(i, i, "欧阳<修>" if i == 1 else "李四", "重庆大学", "", "", 10 - i, 10, 1000 * i, 0.0,
                    i < 5, i == 2, None) for i in range(1, 11)]
    board = valid(qr.standing_reply(campaign(), rows[1], 57, rows, True))
    assert "第 2 名（共 57 人）" in board and "欧*>" in board and "欧阳" not in board
    assert qr.masked("欧阳修") == "欧*修" and qr.masked("李四") == "李*" and qr.masked("A") == "A"
    schools = [SchoolRow(1, "重庆大学", 30, 8.5, 100, 0.3), SchoolRow(2, "西南<大学>", 3, 6.0, None, None)]
    staff = "".join(valid(r) for r in qr.staff_ranking_replies(campaign(), rows, 57, schools, "Asia/Shanghai"))
    assert "欧阳<修>" in staff and "参与率 30%（30/100）" in staff and "⚠️" in staff
    menu = valid(qr.menu_reply(campaign(), type("R", (), {"name": "张三", "school": "重大", "college": "",
                                                             "class_name": "1班"})(), "Asia/Shanghai", 1e9))
    assert "张三，重大，1班" in menu and "进行中" in menu
    prompt = qr.field_prompt(campaign(), "student_no", 4, 4)
    assert "选填" in valid(prompt) and prompt.keyboard.inline_keyboard[0][0].text == "跳过"
    assert qr.field_prompt(campaign(), "college", 3, 4).keyboard is None  # required here


def test_keyed_locks_serialise_per_key_and_forget_idle_keys() -> None:
    async def main() -> list:
        locks, seen = KeyedLocks(), []

        async def work(key: int, tag: str) -> None:
            async with locks.hold(key):
                seen.append(f"{tag}+")
                await asyncio.sleep(0.01)
                seen.append(f"{tag}-")

        await asyncio.gather(work(1, "a"), work(1, "b"), work(2, "c"))
        assert len(locks) == 0
        return seen

    seen = asyncio.run(main())
    a, b = seen.index("a+"), seen.index("b+")
    assert seen.index("a-") < b or seen.index("b-") < a  # never interleaved on one key
