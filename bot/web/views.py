"""Presentation values for pages and the JSON API, built from the application layer's typed
results (pure functions, no I/O).

One place turns an answer into what both the chat page and ``/api/ask`` show: quoted articles
split around the answering sentence (so templates can mark it while escaping everything),
permanent links, related articles, the disclaimer, the referral and the FAQ basis line.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Sequence

from kb.model import Article

QUOTE_LIMIT = 1200  # longer articles are excerpted in answers; the article page shows them whole


def short_title(title: str) -> str:
    return title.removeprefix("中华人民共和国")


_RESERVED = {"%": "%25", "/": "%2F", "?": "%3F", "#": "%23", " ": "%20", "\\": "%5C"}


def path_part(text: str) -> str:
    """A path segment kept readable (Chinese stays Chinese; browsers encode it when sending),
    with only the characters that would change the URL's structure escaped."""
    return "".join(_RESERVED.get(ch, ch) for ch in text)


def article_path(article: Article, short: str | None = None) -> str:
    """``/law/<law>/<n>`` (plus ``?v=<date>`` for a historical text), relative to the app root.
    The number keeps its 之一 suffix: ``/law/人防法/22之一``."""
    path = f"/law/{path_part(short or article.law_title)}/{path_part(str(article.number) + article.suffix)}"
    if not article.is_current and article.version_date:
        path += f"?v={article.version_date}"
    return path


@dataclass(frozen=True)
class ArticleView:
    id: int
    law: str
    label: str
    number: int
    suffix: str
    chapter: str
    version_date: str | None
    is_current: bool
    text: str
    before: str = ""  # text split around the answering sentence (all three escaped by templates)
    highlight: str = ""
    after: str = ""
    excerpted: bool = False
    path: str = ""
    point: str = ""  # the answering sentence when the excerpt cut it off

    @property
    def citation(self) -> str:
        return f"《{self.law}》{self.label}"


def article_view(article: Article, highlight: str = "", limit: int | None = None) -> ArticleView:
    text = article.text
    excerpted = bool(limit and len(text) > limit)
    shown = text[:limit] + "……" if excerpted else text
    before, mark, after, point = shown, "", "", ""
    if highlight and highlight != text and highlight in shown:
        before, after = shown.split(highlight, 1)
        mark = highlight
    elif highlight and highlight != text:
        point = highlight
    return ArticleView(article.id, article.law_title, article.label, article.number, article.suffix,
                       article.chapter, article.version_date, article.is_current, text,
                       before, mark, after, excerpted, article_path(article), point)


@dataclass(frozen=True)
class AnswerView:
    """One reply as shown: ``kind`` statute | faq | decline | chitchat | advice | military | invalid."""

    kind: str
    question: str
    quotes: tuple[ArticleView, ...] = ()
    highlights: tuple[str, ...] = ()  # the answering sentence of each quote, whole
    related: tuple[ArticleView, ...] = ()
    message: str = ""
    basis_line: str = ""
    basis: tuple[ArticleView, ...] = ()
    disclaimer: str = ""
    help_line: str = ""
    log_id: int | None = None
    context_law: str = ""  # the law just shown, for follow-up questions
    context_article: str = ""
    context_question: str = ""  # the question (as resolved) that led to it (罚多少？ continues it)

    @property
    def answered(self) -> bool:
        return self.kind in ("statute", "faq")

    def as_json(self) -> dict:
        data = asdict(self)
        for key in ("quotes", "related", "basis"):
            data[key] = [_article_json(a) for a in data[key]]
        data["answered"] = self.answered
        data["context"] = {"law": self.context_law, "article": self.context_article,
                           "question": self.context_question}
        data.pop("context_law"), data.pop("context_article"), data.pop("context_question")
        return data


def _article_json(a: dict) -> dict:
    out = {k: a[k] for k in ("id", "law", "label", "number", "suffix", "chapter", "version_date",
                             "is_current", "text", "excerpted", "path")}
    out["citation"] = f"《{a['law']}》{a['label']}"
    out["highlight"] = a["highlight"] or a["point"]
    return out


def answer_view(reply, disclaimer_faq: str) -> AnswerView:
    """An :class:`app.answering.Reply` as shown on the page and in the API."""
    answer = reply.answer
    quotes = tuple(article_view(q.article, q.highlight, QUOTE_LIMIT) for q in answer.quotes)
    basis = tuple(article_view(a) for a in reply.basis)
    lead = (answer.quotes[0].article if answer.quotes else (reply.basis[0] if reply.basis else None))
    disclaimer = answer.disclaimer
    if answer.kind == "faq" and answer.faq is not None:  # a pair resting on a named source claims no statute
        disclaimer = answer.faq.disclaimer(disclaimer_faq)
    return AnswerView(
        kind=answer.kind, question=answer.question, quotes=quotes,
        highlights=tuple(q.highlight for q in answer.quotes),
        related=tuple(article_view(a, limit=QUOTE_LIMIT) for a in answer.related),
        message=answer.message, basis_line=reply.basis_line(), basis=basis, disclaimer=disclaimer,
        help_line=answer.help_line, log_id=answer.log_id,
        context_law=lead.law_title if lead else "", context_article=(
            f"{lead.number}{lead.suffix}" if lead else ""),
        context_question=answer.question if lead and answer.kind == "statute" else "")


@dataclass(frozen=True)
class ChapterView:
    index: int
    name: str
    articles: tuple[ArticleView, ...]


def chapter_views(chapters: Sequence) -> list[ChapterView]:
    return [ChapterView(c.index, c.name, tuple(article_view(a) for a in c.articles)) for c in chapters]


def gist(article: ArticleView, n: int = 28) -> str:
    body = article.text[len(article.label):].strip() if article.text.startswith(article.label) else article.text
    body = body.replace("\n", " ")
    return body if len(body) <= n else body[:n] + "…"
