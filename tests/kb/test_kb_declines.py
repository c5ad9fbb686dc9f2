"""Honest declines (issue #12): advice requests, near misses asking what no article states, the
referral each decline carries, and the answering sentence marked in a quoted article."""
from __future__ import annotations

import pytest

from kb import intents
from kb.answer import best_sentence
from kb.model import Article
from kb.referrals import referral, referral_topic

HOTLINE = "12348 公共法律服务热线"


@pytest.mark.parametrize("text", [
    "我被罚了能告赢吗", "帮我算算要赔多少", "胜算大吗", "开发商没建人防车库我去告他能赢吗",
    "我占了防空洞被罚5000块，你帮我看看合不合理", "人防办罚我两万，我要不要去复议",
    "你觉得我这种情况能拿到多少补偿", "我家的房子被征用了能赔多少",
    # telling someone what to do in their own case
    "我在营区外拍照被扣了手机 要不要请律师", "人防办让我签个腾退协议，我该不该签嘛",
    "我飞无人机被派出所罚了 你看我是认罚还是去告", "人防办罚我2万 你说我该怎么和他们谈",
    "我没去兵役登记现在要被罚 能不能少罚点", "我儿子拒服兵役被处罚了 现在想起诉 你看有戏没",
    "房东把防空洞租给我开店，现在要收回，我能要他赔多少钱", "帮我写一份投诉开发商占用防空地下室的投诉信",
    "开发商说我买的车位是人防的不能过户 我该起诉谁",
])
def test_advice_requests_are_recognised(text):
    assert intents.classify(text) == "advice"


@pytest.mark.parametrize("text", [
    "拒绝兵役登记会被罚吗", "防空警报响了我该怎么办", "人防工程被占用要赔多少", "占用防空洞能罚多少钱",
    "易地建设费拖着不交会咋样", "江津农村自己修房子要不要交人防费", "你说人防工程能开店吗",
    "人防工程拆了以后一直拖着不补建，会有什么处罚", "不服人防办的处罚可以起诉吗",
    "我要交多少易地建设费", "我们单位要建多少人防工程", "我家孩子要服多少年兵役",
])
def test_legal_questions_are_not_advice(text):
    assert intents.classify(text) is None


@pytest.mark.parametrize("question, kind", [
    ("人防办电话是多少", "contact"),
    ("人防办几点上班", "contact"),
    ("解放碑附近哪个地铁站能当防空洞", "place"),
    ("沙坪坝人防办地址是哪里", "place"),
    ("防空警报声音多大分贝", "number"),
    ("今年办人防审批手续要交多少钱", "number"),  # this year's figure: only the office has it
    ("重庆有多少个防空洞", "number"),
])
def test_near_misses_are_recognised(question, kind):
    texts = ["第十六条 ……投资在二百万元以上的防护工程……", "第二十九条 每年6月5日组织一次全市防空警报试鸣放。"]
    assert intents.unstated_specifics(question, texts) == kind


@pytest.mark.parametrize("question", ["重庆哪些地方是人防的重点区域", "多大年纪的人打仗时要出来干支前勤务",
                                      "人防工程分几类", "哪几个部门负责组建群众防空组织"])
def test_near_miss_rules_leave_answerable_questions_alone(question):
    assert intents.unstated_specifics(question, ["第四条 ……男十八周岁至六十周岁……"]) is None


@pytest.mark.parametrize("question, topic, needle", [
    ("防空警报声音多大分贝", "civil_defence", "区县人防办"),
    ("沙坪坝人防办地址是哪里", "civil_defence", "12345"),
    ("征兵体检要带什么材料", "enlistment", "征兵办公室"),
    ("义务兵每月津贴好多钱", "enlistment", "征兵办公室"),  # a soldier's pay: not a legal hotline matter
    ("明天重庆会下雨吗", "weather", "12121"),
    ("离婚财产怎么分", "legal", "12348"),
    ("邻居家着火了怎么办", "emergency", "119"),
])
def test_each_decline_gets_its_own_referral(question, topic, needle):
    assert referral_topic(question) == topic
    line = referral(question, HOTLINE)
    assert needle in line
    if topic == "weather":
        assert "12348" not in line  # never a legal hotline for the weather


def test_advice_always_goes_to_legal_help_and_small_talk_gets_no_hotline():
    assert "12348" in referral("征兵体检没过能告赢吗", HOTLINE, reason="advice")
    assert referral("渝中区哪家火锅好吃", HOTLINE) == ""


def art(text: str) -> Article:
    return Article(1, "x#1", 1, "中华人民共和国人民防空法", 1, None, 49, "", "第四十九条", "第六章 法律责任",
                   text, True, "全国")


def test_answering_sentence_follows_what_the_question_asks():
    a = art("第四十九条 有下列行为之一的，由人民防空主管部门给予警告，可以对个人并处五千元以下的罚款；\n"
            "（一）侵占人民防空工程的；\n（三）拆除人民防空工程设备设施的。")
    assert best_sentence(a, "拆了人防工程的设备要罚多少钱").startswith("有下列行为之一的")
    b = art("第三十五条 人民防空通信、警报设施必须保持良好使用状态。\n"
            "县级以上地方各级人民政府根据需要可以组织试鸣防空警报；并在试鸣的五日以前发布公告。")
    assert best_sentence(b, "试鸣警报要提前几天通知").startswith("县级以上地方各级人民政府")


def test_single_sentence_article_is_not_repeated_as_its_own_key_point():
    assert best_sentence(art("第二十二条 城市新建民用建筑，按照国家有关规定修建战时可用于防空的地下室。"),
                         "新楼盘要建防空地下室吗") == ""
