"""Chongqing speech and phone typos put into standard wording before the rules and retrieval."""
from __future__ import annotations

import pytest

from kb import intents
from kb.dialect import standardize


@pytest.mark.parametrize("text, expected", [
    ("国防动员 企业有啥子义务", "国防动员 企业有什么义务"),
    ("人防工程被占了咋个投诉", "人防工程被占了怎么投诉"),
    ("防空警报到底好多分贝", "防空警报到底多少分贝"),
    ("物业收停车费合法不？", "物业收停车费合法吗？"),
    ("防空动可以租出去开店不", "防空洞可以租出去开店吗"),
    ("小区防空洞哪个管", "小区防空洞谁管"),
])
def test_dialect_and_typos_standardised(text, expected):
    assert standardize(text) == expected


@pytest.mark.parametrize("text", ["防空洞能租来开店吗", "是不是要交钱", "好多人说防空洞能住人", "人防法第二十二条",
                                  "我不", "哪个部门负责人防工程"])
def test_standard_chinese_is_left_alone(text):
    assert standardize(text) == text


def test_dialect_near_miss_is_recognised_once_standardised():
    question = "防空洞里面夏天好多度"
    assert intents.unstated_specifics(question, ["……"]) is None  # as typed, the rule misses it
    assert intents.unstated_specifics(standardize(question), ["……"]) == "number"
