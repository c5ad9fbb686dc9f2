"""Composing the reply: a typed :class:`Answer` that any channel (CLI, Telegram) renders.

Answers are extractive: the article text is quoted verbatim from the store, with the sentence
that best answers the question marked. Nothing here invents text about the law.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from kb.model import Article
from kb.retrieve import SearchResult
from kb.text import tokenize

DISCLAIMER = "以上为法律条文原文摘录，仅供参考，不构成法律意见。"
FAQ_DISCLAIMER = "以上解答由工作人员依据法律条文整理，仅供参考，不构成法律意见。"
MAX_RELATED = 3
SCOPE = "人民防空、国防动员、军事设施保护、国防教育、兵役等方面的法规"
NOT_COVERED = f"这个问题不在我能解答的范围内（我熟悉{SCOPE}），没有找到能直接回答它的条文。"
# Questions asking for a specific that statutes do not state (kb.intents.unstated_specifics).
UNSTATED = {
    "number": "法规条文里没有写明您问的这个具体数字（例如分数线、技术标准、统计数据），我无法根据条文回答。",
    "place": "法规条文不会写明具体的地点或地址，我无法根据条文回答。",
    "papers": "法规条文里没有规定具体的办事材料和流程，建议直接向办理该事项的机关咨询。",
}
INTRODUCTION = (f"您好！我是人民防空普法助手，可以帮您查找{SCOPE}的原文条款。"
                "请用日常语言提问，例如“防空洞能租来开店吗？”，或直接查条文，例如“人防法第二十二条”。")
ADVICE_DECLINED = ("抱歉，我只能提供法律条文原文供您参考，不能就个人的具体案件提供法律意见、代写文书或判断结果。"
                   "建议咨询律师或法律援助机构。")
MILITARY_DECLINED = ("抱歉，涉及具体军事设施的位置、部署等信息不便提供，也请勿打听、传播此类信息。"
                     "如想了解军事设施保护方面的法律规定，欢迎换个方式提问。")
_SENTENCE = re.compile(r"[^。；！？\n]+[。；！？]?")


@dataclass(frozen=True)
class Quote:
    """One quoted article and the sentence in it that answers the question."""

    article: Article
    highlight: str = ""


@dataclass(frozen=True)
class Answer:
    """What the assistant replies; channels only render it.

    ``kind``: statute (quotes articles) | faq (a curated pair) | decline (not covered) |
    chitchat (introduction) | advice / military (politely declined) | invalid (empty, too long).
    """

    kind: str
    question: str
    quotes: tuple[Quote, ...] = ()
    related: tuple[Article, ...] = ()
    message: str = ""
    help_line: str = ""
    disclaimer: str = ""
    confidence: float = 0.0
    faq: object | None = None  # kb.faq.FaqEntry for kind == "faq"
    log_id: int | None = None

    @property
    def answered(self) -> bool:
        return self.kind in ("statute", "faq")

    @property
    def lead(self) -> Quote | None:
        return self.quotes[0] if self.quotes else None


def best_sentence(article: Article, question: str) -> str:
    """The sentence of the article sharing most query terms (empty when nothing overlaps)."""
    terms = set(tokenize(question))
    body = article.text[len(article.label):].strip() if article.text.startswith(article.label) else article.text
    best, best_score = "", 0.0
    for m in _SENTENCE.finditer(body):
        sentence = m.group().strip()
        if len(sentence) < 4:
            continue
        toks = set(tokenize(sentence))
        score = sum(len(t) for t in terms & toks)
        if score > best_score:
            best, best_score = sentence, score
    return best


def help_line(hotline: str, office_contact: str) -> str:
    line = f"如需具体帮助，可拨打 {hotline}"
    if office_contact:
        line += f"，或联系{office_contact}"
    return line + "。"


def compose(result: SearchResult, hotline: str = "12348 公共法律服务热线", office_contact: str = "") -> Answer:
    """Turn a retrieval result into an answer (quotes for statutes, a polite decline otherwise)."""
    helpline = help_line(hotline, office_contact)
    if not result.answerable or not result.hits:
        return Answer(kind="decline", question=result.question, help_line=helpline,
                      confidence=result.confidence, message=UNSTATED.get(result.unstated, NOT_COVERED))
    leads = list(result.references) or [result.hits[0].article]
    quotes = tuple(Quote(a, best_sentence(a, result.question)) for a in leads)
    shown = {a.id for a in leads}
    related = tuple(h.article for h in result.hits if h.article.id not in shown)[:MAX_RELATED]
    return Answer(kind="statute", question=result.question, quotes=quotes, related=related,
                  help_line=helpline, disclaimer=DISCLAIMER, confidence=result.confidence)
