"""Answering a citizen's question, the same way for every channel.

The core (:class:`kb.assistant.Assistant`) decides what to reply; this module adds what a channel
would otherwise look up on its own afterwards — the articles a curated FAQ pair cites — so the
CLI, the terminal chat, the Telegram bot and the web show the same reply. A :class:`Reply` wraps
the core's :class:`kb.answer.Answer` with those resolved articles and the one "法律依据" line.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from kb.answer import FAQ_DISCLAIMER, Answer
from kb.assistant import MAX_QUESTION, Assistant
from kb.errors import KBError, NotFoundError
from kb.lookup import find_law
from kb.model import Article
from kb.service import KnowledgeBase
from kb.store import Store

log = logging.getLogger(__name__)

__all__ = ["MAX_QUESTION", "Answering", "Reply", "faq_lines", "resolve_basis"]


@dataclass(frozen=True)
class Reply:
    """What to show for one question: the core's answer and, for an FAQ pair, its cited articles
    (as they stand in the store now; a basis no longer found is left out of ``basis``)."""

    answer: Answer
    basis: tuple[Article, ...] = ()

    @property
    def kind(self) -> str:
        return self.answer.kind

    @property
    def log_id(self) -> int | None:
        return self.answer.log_id

    def basis_line(self) -> str:
        """``法律依据：《…》第N条、…`` for an FAQ reply ("" otherwise); one wording for every channel."""
        if self.answer.kind != "faq" or self.answer.faq is None:
            return ""
        faq = self.answer.faq
        cited = "法律依据：" + "、".join(b.citation() for b in faq.basis) if faq.basis else ""
        return "\n".join(p for p in (cited, faq.source_line()) if p)  # a named source says it is no statute


def faq_lines(reply: Reply) -> tuple[str, str, str]:
    """An FAQ reply's three parts, worded once for every channel: the curated answer, the
    "法律依据" line and the disclaimer with where to get help."""
    answer = reply.answer
    disclaimer = answer.faq.disclaimer(FAQ_DISCLAIMER) if answer.faq is not None else FAQ_DISCLAIMER
    return answer.message, reply.basis_line(), disclaimer + answer.help_line


def resolve_basis(store: Store, answer: Answer, home_region: str) -> tuple[Article, ...]:
    """The current articles an FAQ answer cites (empty for any other kind of answer)."""
    if answer.kind != "faq" or answer.faq is None:
        return ()
    out: list[Article] = []
    for b in answer.faq.basis:
        try:
            law = find_law(store, b.law, home_region)
        except NotFoundError:
            continue
        art = store.article(law.id, b.article, b.suffix)
        if art is not None:
            out.append(art)
    return tuple(out)


class Answering:
    """The answering assistant over one knowledge base (one thread: it owns the SQLite connection)."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.assistant = Assistant(kb)

    @property
    def store(self) -> Store:
        return self.kb.store

    def close(self) -> None:
        self.kb.close()

    def warm_up(self) -> None:
        """Load the model and index before the first citizen waits for them."""
        try:
            self.kb.retriever()
            self.kb.embedder.embed_queries(["人民防空"])
        except KBError as exc:
            log.warning("warm-up skipped: %s", exc)

    def ask(self, text: str, channel: str = "cli", user_ref: str = "", log_question: bool = True,
            previous=None) -> Reply:
        """Answer ``text`` (logged for staff review unless ``log_question`` is False); ``previous``
        is what the conversation just discussed (see :mod:`app.conversation`)."""
        answer = self.assistant.answer(text, channel=channel, user_ref=user_ref, log=log_question,
                                       previous=previous)
        return Reply(answer, resolve_basis(self.store, answer, self.kb.settings.home_region))
