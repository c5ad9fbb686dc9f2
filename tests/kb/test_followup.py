"""Follow-ups in a conversation (issue #12, kind 7): resolved against the article just discussed."""
from __future__ import annotations

import pytest

from app.conversation import Conversation
from kb.answer import Answer, Quote
from kb.followup import Discussed, resolve
from kb.model import Article
from tests.kb.test_kb_query import CATALOG

RF = "中华人民共和国人民防空法"
PREV = Discussed(RF, 24, "人防法第二十四条")


@pytest.mark.parametrize("question, expected", [
    ("那第二十五条呢？", f"《{RF}》第二十五条"),
    ("第二十五条第二款规定了什么", f"《{RF}》第二十五条第二款规定了什么"),
    ("第25条讲的啥", f"《{RF}》第25条"),
    ("那25条呢", f"《{RF}》第25条"),
    ("下一条呢", f"《{RF}》第二十五条"),
    ("上一条", f"《{RF}》第二十三条"),
    ("罚多少？", "人防法第二十四条 罚多少？"),
    ("那重庆呢", "人防法第二十四条 那重庆呢"),
])
def test_follow_ups_use_what_was_just_discussed(question, expected):
    r = resolve(question, PREV, CATALOG)
    assert r.question == expected and r.from_context
    # and the reference resolves to the law just discussed
    refs = __import__("kb.query", fromlist=["understand"]).understand(r.question, CATALOG).refs
    if "条" in expected and "罚" not in expected and "重庆" not in expected:
        assert refs and refs[0].law_id == 1


@pytest.mark.parametrize("question", [
    "国防动员法第十条",  # names its own law
    "开发商不修防空地下室会被怎么处罚",  # a whole new question
    "谢谢",  # small talk
])
def test_questions_that_stand_alone_are_left_alone(question):
    r = resolve(question, PREV, CATALOG)
    assert r.question == question and not r.from_context


def test_without_a_previous_turn_nothing_changes():
    assert resolve("那第二十五条呢？", None, CATALOG).question == "那第二十五条呢？"


def answer(kind: str, number: int = 26) -> Answer:
    art = Article(1, "x", 1, RF, 1, None, number, "", f"第{number}条", "", "……", True, "全国")
    return Answer(kind, "防空洞能出租吗", quotes=(Quote(art),) if kind == "statute" else ())


def test_conversation_moves_with_statute_answers_only():
    conv = Conversation().after(answer("statute"))
    assert conv.discussed == Discussed(RF, 26, "防空洞能出租吗")
    assert conv.after(answer("decline")) == conv  # a decline keeps the subject
    assert conv.after(answer("statute", 27)).discussed.article == 27


@pytest.mark.parametrize("question", ["怎么做红烧肉", "离婚怎么分财产", "明天下雨吗"])
def test_a_short_new_subject_is_not_taken_for_a_follow_up(question):
    assert resolve(question, PREV, CATALOG).question == question
