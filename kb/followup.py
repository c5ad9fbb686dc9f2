"""Follow-up questions in a conversation, resolved against what was just discussed.

After an answer quoting 人防法第二十四条, people write "那第二十五条呢？", "下一条呢", "罚多少？" or
"那重庆呢" — questions that name no law and make sense only with the previous turn. This pure
function turns such a message, given the previous turn (:class:`Discussed`), into a question the
core can answer on its own: a bare article number gets the law just discussed, 上一条/下一条 the
neighbouring article, and a short follow-up that names no law, article or domain subject is asked
together with the previous question. A message that stands on its own is returned unchanged.
Channels keep one :class:`Discussed` per user (see ``app.conversation``); nothing here keeps state.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from kb.decide import has_domain_marker
from kb.intents import is_chitchat
from kb.numerals import int_to_cn
from kb.query import CHONGQING_PLACES, LawCatalog, understand
from kb.regions import PROVINCES

MAX_FOLLOWUP = 14  # characters (punctuation aside) a follow-up without subject may have
# Words that ask about an aspect of whatever was discussed (the penalty, who, when, where, how).
_ASPECT = re.compile(
    r"(那么|那|呢|吗|嘛|啊|呀|如果|要是|还有|另外|然后|再问|一下|请问|罚款|处罚|罚|赔偿|赔|多少钱|多少|几|钱|谁|"
    r"哪个部门|部门|管|负责|怎么办|怎么|咋办|如何|处理|后果|责任|会|要|能|可以|可不可以|不|是|的|了|有|没有|"
    r"什么|啥|时候|何时|哪里|哪儿|哪|里|条件|例外|程序|流程|规定|依据|标准|期限|多久|多长时间|天|年|月|"
    r"区|县|市|本地|我们这|我们|这边|这里|我|单位|个人|企业)")
_PUNCT = re.compile(r"[\s，。？！?!,.~～…、：:；;“”\"'（）()]+")
_BARE_NUMBER = re.compile(r"^(那|那么|那个)?第?([0-9]+|[零〇一二两三四五六七八九十百廿卅卌]+)条?(呢|是什么|说的什么|说啥|讲的啥|讲什么)?$")
_NEIGHBOUR = re.compile(r"^(那|那么|那个)?\s*(上一条|前一条|下一条|后一条)(呢|是什么|说的什么|说啥|讲的啥)?$")
# Openers that mark a message as continuing the previous one (那…呢, 还有…, 如果…).
_CONTINUES = re.compile(r"^(那|那么|那如果|如果|要是|还有|另外|再问|然后)|呢$")


@dataclass(frozen=True)
class Discussed:
    """What the previous answer was about: its lead article and the question that led there."""

    law_title: str
    article: int
    question: str


@dataclass(frozen=True)
class Resolved:
    question: str  # what to answer
    from_context: bool  # True when the previous turn was used


def resolve(question: str, previous: Discussed | None, catalog: LawCatalog, home_region: str = "重庆市") -> Resolved:
    """The question to answer for ``question`` given the previous turn (unchanged if it stands alone)."""
    text = question.strip()
    if previous is None or not text or is_chitchat(text):
        return Resolved(text, False)
    core = _PUNCT.sub("", text)
    m = _NEIGHBOUR.match(core)
    if m:
        step = -1 if m.group(2) in ("上一条", "前一条") else 1
        number = max(1, previous.article + step)
        return Resolved(f"《{previous.law_title}》第{int_to_cn(number)}条", True)
    m = _BARE_NUMBER.match(core)
    if m and (m.group(1) or "条" in core or "第" in core or m.group(3)):
        return Resolved(f"《{previous.law_title}》第{m.group(2)}条", True)
    info = understand(text, catalog, home_region)
    if info.law_ids:
        return Resolved(text, False)  # names its law: stands alone
    if info.refs:  # 那第二十五条呢 / 第25条讲的啥: the law just discussed
        return Resolved(f"《{previous.law_title}》{text}", True)
    if len(core) <= MAX_FOLLOWUP and not has_domain_marker(text) and _own_subject(core, bool(_CONTINUES.search(core))) is None:
        return Resolved(f"{previous.question} {text}", True)
    return Resolved(text, False)


def _own_subject(core: str, continues: bool) -> str | None:
    """What a short message names besides the aspect it asks about (罚多少 names nothing; 怎么做红烧肉
    names 做红烧肉): None when it brings no subject of its own, so it continues the previous one."""
    rest = _ASPECT.sub("", core)
    for place in (*CHONGQING_PLACES, *(r.short for r in PROVINCES)):
        rest = rest.replace(place, "")
    return None if len(rest) <= (3 if continues else 1) else rest
