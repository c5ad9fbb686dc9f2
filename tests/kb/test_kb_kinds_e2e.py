"""The failure kinds of issue #12 with the real e5 model over the real core corpus: references typed
carelessly, articles that do not exist, a bare article number, advice requests, near misses and
their referrals, the home region's article quoted beside the national one."""
from __future__ import annotations

import pytest

from bot.render_text import render_answer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def assistant(core_kb):
    from kb.assistant import Assistant

    return Assistant(core_kb)


def lead(answer) -> tuple[str, int]:
    return answer.lead.article.law_title, answer.lead.article.number


@pytest.mark.parametrize("question, law, number", [
    ("国防法12条", "中华人民共和国国防法", 12),
    ("《国防法》12", "中华人民共和国国防法", 12),
    ("人民防空法第卅条", "中华人民共和国人民防空法", 30),
    ("国动法 第 8 条", "中华人民共和国国防动员法", 8),
    ("兵役法第二十条第一款", "中华人民共和国兵役法", 20),
])
def test_careless_references_are_looked_up(assistant, question, law, number):
    answer = assistant.answer(question, log=False)
    assert answer.kind == "statute" and lead(answer) == (law, number)


def test_an_article_the_law_does_not_have_is_declined_with_its_length(assistant):
    answer = assistant.answer("人民防空法第九十条", log=False)
    assert answer.kind == "decline" and not answer.quotes
    assert "《中华人民共和国人民防空法》共五十三条，没有第九十条" in answer.message
    result, answerable = assistant.decide("人民防空法第九十条")
    assert not answerable and result.reason == "no_such_article"


def test_a_bare_article_number_asks_which_law(assistant):
    answer = assistant.answer("第15条", log=False)
    assert answer.kind == "decline" and "哪部法规的第十五条" in answer.message


def test_advice_is_declined_quoting_the_rule_and_referring_to_legal_help(assistant):
    answer = assistant.answer("我在防空洞里放了煤气罐被罚款了，能告赢吗", log=False)
    assert answer.kind == "advice" and "12348" in answer.help_line
    assert answer.quotes, "the rule the question turns on is quoted"
    assert "人民防空" in answer.quotes[0].article.law_title or "人防" in answer.quotes[0].article.law_title
    _, answerable = assistant.decide("我在防空洞里放了煤气罐被罚款了，能告赢吗")
    assert not answerable  # the batch contract counts it as declined
    assert "依据《" in render_answer(answer)


@pytest.mark.parametrize("question, needle", [
    ("人防办电话是多少", "区县人防办"),
    ("解放碑附近哪个地铁站能当防空洞", "区县人防办"),
    ("明天重庆会下雨吗", "12121"),
])
def test_near_misses_are_declined_with_the_right_referral(assistant, question, needle):
    answer = assistant.answer(question, log=False)
    assert answer.kind == "decline" and needle in answer.help_line and "12348" not in answer.help_line


@pytest.mark.parametrize("question, needle", [
    ("人防工程的防护门今年换新要好多钱", "区县人防办"),  # a current price
    ("九龙坡人防办几点下班", "区县人防办"),  # office hours
    ("当兵每个月能拿好多工资", "征兵办公室"),  # a figure no statute states
    ("出车祸对方全责一直不赔钱怎么起诉", "12348"),  # off the domain altogether
])
def test_learned_decision_declines_questions_no_article_answers(assistant, question, needle):
    """Written after the decision was fitted (not in any set it was fitted on)."""
    answer = assistant.answer(question, log=False)
    assert answer.kind == "decline" and not answer.quotes and needle in answer.help_line


@pytest.mark.parametrize("question", ["防空洞能租来开店吗", "在军事禁区拍照会被罚吗", "不交易地建设费会怎样"])
def test_learned_decision_still_answers_everyday_questions(assistant, question):
    assert assistant.answer(question, log=False).kind == "statute"


def test_district_named_leads_with_the_chongqing_article(assistant):
    answer = assistant.answer("渝中区防空警报每年哪天响", log=False)
    assert answer.kind == "statute" and lead(answer) == ("重庆市人民防空条例", 29)


def test_no_place_named_quotes_national_and_home_region_articles(assistant):
    answer = assistant.answer("开发商新盖的楼不修防空地下室会被怎么处罚", log=False)
    regions = [q.article.region for q in answer.quotes]
    assert regions[:2] == ["全国", "重庆市"], [q.article.citation for q in answer.quotes]
    assert "重庆市人民防空条例" in render_answer(answer).split("相关条文")[0]


@pytest.mark.parametrize("question, national, local", [
    ("防空洞里能不能堆放油漆", 27, 27),
    ("开发商不建防空地下室怎么处罚", 48, 41),
])
def test_no_place_named_quotes_the_chongqing_article_implementing_the_national_one(assistant, question, national,
                                                                                  local):
    answer = assistant.answer(question, log=False)
    cited = [(q.article.law_title, q.article.number) for q in answer.quotes]
    assert cited[:2] == [("中华人民共和国人民防空法", national), ("重庆市人民防空条例", local)], cited


def test_learned_ranker_puts_the_answering_article_first_more_often(core_kb):
    """The ranker against the hand-set fusion over the same candidates, on the development set
    (in its training data: this guards the packaged weights; bench/fit_ranker.py prints the
    leave-one-set-out numbers, hit@1 +0.05 to +0.12 per set when fitted)."""
    from dataclasses import replace

    from kb.evaluate import read_labelled
    from tests.helpers.paths import REPO

    r = core_kb.retriever()
    items = [q for q in read_labelled(REPO / "tests" / "data" / "dev.jsonl") if q.gold and q.style == "colloquial"]

    def hit1() -> float:
        firsts = [r.search(q.question).hits[0].article for q in items]
        return sum((a.law_title, a.number) in set(q.gold) for a, q in zip(firsts, items)) / len(items)

    learned = hit1()
    saved = r.params
    try:
        r.params = replace(saved, ranker=False)
        hand = hit1()
    finally:
        r.params = saved
    assert learned >= hand + 0.03, (learned, hand)  # 0.716 vs 0.670 when fitted


def test_conversation_follow_ups_refer_to_the_last_answer(assistant):
    from app.answering import Answering
    from app.conversation import Conversation

    answering, conv = Answering(assistant.kb), Conversation()

    def ask(text):
        nonlocal conv
        reply, conv = conv.ask(answering, text)
        return reply.answer

    assert lead(ask("人防法第二十四条")) == ("中华人民共和国人民防空法", 24)
    assert lead(ask("那第二十五条呢？")) == ("中华人民共和国人民防空法", 25)
    ask("能在防空洞里存放汽油吗")
    fourth = ask("罚多少？")
    assert fourth.kind == "statute" and ("法律责任" in fourth.lead.article.chapter or "罚" in fourth.lead.article.text)
    # a bare article number after a decline still means the law discussed before
    ask("明天重庆会下雨吗")
    again = ask("第15条")
    assert again.kind == "statute" and again.lead.article.number == 15


def test_terminal_chat_follows_the_conversation(core_home):
    from click.testing import CliRunner

    from bot.cli import cli

    out = CliRunner().invoke(cli, ["--home", str(core_home), "chat"],
                             input="人防法第二十四条\n那第二十五条呢？\n退出\n").output
    assert "《中华人民共和国人民防空法》第二十五条" in out
