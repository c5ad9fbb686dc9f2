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
MAX_RELATED = 3
_SENTENCE = re.compile(r"[^。；！？\n]+[。；！？]?")


@dataclass(frozen=True)
class Quote:
    """One quoted article and the sentence in it that answers the question."""

    article: Article
    highlight: str = ""


@dataclass(frozen=True)
class Answer:
    kind: str  # statute | decline | empty
    question: str
    quotes: tuple[Quote, ...] = ()
    related: tuple[Article, ...] = ()
    message: str = ""
    help_line: str = ""
    disclaimer: str = ""
    confidence: float = 0.0

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
        return Answer(
            kind="decline", question=result.question, help_line=helpline, confidence=result.confidence,
            message="这个问题不在我能解答的范围内（我熟悉人民防空、国防动员、军事设施保护、国防教育、"
                    "兵役等方面的法规），没有找到能直接回答它的条文。")
    leads = list(result.references) or [result.hits[0].article]
    quotes = tuple(Quote(a, best_sentence(a, result.question)) for a in leads)
    shown = {a.id for a in leads}
    related = tuple(h.article for h in result.hits if h.article.id not in shown)[:MAX_RELATED]
    return Answer(kind="statute", question=result.question, quotes=quotes, related=related,
                  help_line=helpline, disclaimer=DISCLAIMER, confidence=result.confidence)
