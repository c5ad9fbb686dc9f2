"""Chongqing speech and phone typing put into the standard wording the rules and the model know.

The office serves Chongqing: people write 啥子 for 什么, 咋个 for 怎么, 好多钱 for 多少钱, end a
question with 不 (合法不 = 合法吗), say 哪个管 for 谁管, and a phone keyboard turns 防空洞 into 防空动.
The intent rules, the near-miss checks and the embedding model were all written for the standard
forms, so :func:`standardize` rewrites these few, well-known forms once, in the core, after
:func:`kb.normalize.normalize_question` cleaned the text. It never touches article references or
law names, and it changes nothing in a question written in standard Chinese.
"""
from __future__ import annotations

import re

from kb.normalize import normalize_question

# 好多 asks "how much" before a unit (好多钱, 好多分贝); 好多人 / 好多年 / 好多次 mean "many" and stay.
_UNITS = r"(钱|块钱|块|元|度|分贝|米|公里|岁|周岁|平米|平方米|平方|小时|分钟)"
_RULES: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"啥子"), "什么"),
    (re.compile(r"咋个|咋子"), "怎么"),
    (re.compile(r"(?<=.)好多" + _UNITS), r"多少\1"),
    (re.compile(r"好久"), "多久"),
    (re.compile(r"莫得|没得"), "没有"),
    (re.compile(r"晓得"), "知道"),
    (re.compile(r"要得不"), "可以吗"),
    (re.compile(r"得不得"), "会不会"),
    # 哪个 means 谁 before a verb of duty: 哪个管 / 哪个负责 / 哪个出钱
    (re.compile(r"哪个(管|负责|来管|批|审批|出钱|出|赔|说了算)"), r"谁\1"),
    # a question closed by 不: 合法不？ 能退不 (not 是不是, 行不行, which read the same either way)
    (re.compile(r"(?<=[\u4e00-\u9fff])(?<![我你他她它也都还就])不\s*([？?。！!]*)$"), r"吗\1"),
)
# Phone-keyboard homophones of the domain's key words (the pinyin is typed right, the character not).
_TYPOS = {
    "防空动": "防空洞", "放空洞": "防空洞", "防控洞": "防空洞", "防空栋": "防空洞",
    "人访": "人防", "人房办": "人防办", "人防半": "人防办",
    "警抱": "警报", "敬报": "警报", "防空警抱": "防空警报",
    "兵疫": "兵役", "兵义": "兵役", "征冰": "征兵", "国访": "国防", "国仿": "国防",
    "掩避": "掩蔽", "易地建设废": "易地建设费",
}
_TYPO = re.compile("|".join(sorted(map(re.escape, _TYPOS), key=len, reverse=True)))


def standardize(text: str) -> str:
    """The question with dialect forms and domain typos in their standard wording."""
    out = _TYPO.sub(lambda m: _TYPOS[m.group()], text)
    for pattern, repl in _RULES:
        out = pattern.sub(repl, out)
    return out


def prepare_question(question: str) -> str:
    """A question as the assistant hands it to understanding and retrieval: normalised (width,
    spaces, markup), then Chongqing speech and phone typos standardised. Fitting scripts use it too,
    so models are fitted on what retrieval sees."""
    return standardize(normalize_question(question))
