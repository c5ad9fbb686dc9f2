"""The answering core every channel uses: message in, typed :class:`Answer` out, logged.

Order: small talk and out-of-bounds requests by rule; a confident curated FAQ pair; otherwise
statute retrieval with the confidence decision; finally every citation the reply asserts is checked
against the store, and the question and decision are written to the log for staff review.
"""
from __future__ import annotations

from dataclasses import replace

from kb import intents
from kb.answer import (ADVICE_DECLINED, ADVICE_RULE, INTRODUCTION, MILITARY_DECLINED, NOT_COVERED, Answer, Quote,
                       best_sentence, compose, help_line)
from kb.citations import invalid_citations
from kb.dialect import prepare_question
from kb.faq import FaqBook
from kb.followup import Discussed, resolve
from kb.logbook import Logbook
from kb.normalize import MAX_QUESTION, normalize_question, question_problem
from kb.referrals import referral
from kb.retrieve import SearchResult
from kb.service import KnowledgeBase

__all__ = ["Assistant", "MAX_QUESTION"]


class Assistant:
    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.faq = FaqBook(kb.store, kb.settings.home_region, seed=True)
        self.log = Logbook(kb.store)

    def _help(self) -> str:
        return help_line(self.kb.settings.legal_hotline, self.kb.settings.office_contact)

    def answer(self, question: str, channel: str = "cli", user_ref: str = "", log: bool = True,
               previous: Discussed | None = None) -> Answer:
        """The reply to one message; ``previous`` is what the conversation just discussed (a
        follow-up such as 那第二十五条呢 / 罚多少？ is resolved against it, see kb.followup)."""
        answer, _ = self._answer(question, previous=previous)
        text = answer.question
        if log and answer.kind != "invalid" and not self.kb.store.read_only:  # read-only home: not logged
            arts = [{"law": q.article.law_title, "article": q.article.number, "label": q.article.label}
                    for q in answer.quotes]
            log_id = self.log.record(channel, user_ref, text, answer.kind, answer.confidence, arts,
                                     answer.faq.id if answer.faq else None)
            answer = replace(answer, log_id=log_id)
        return answer

    def decide(self, question: str, k: int = 10) -> tuple[SearchResult | None, bool]:
        """Retrieval result and whether the reply would quote a statute (nothing logged).

        This is the batch contract's ``answerable``: small talk, declined requests and curated
        FAQ replies quote no statute, so they count as not answerable.
        """
        answer, result = self._answer(question, k)
        if result is None and answer.kind != "invalid":
            result = self.kb.search(answer.question, k)
        return result, answer.kind == "statute"

    def problem(self, question: str) -> str | None:
        """Why a question cannot be answered as sent (empty, over-long), or None."""
        return question_problem(question)

    def _answer(self, question: str, k: int = 10,
                previous: Discussed | None = None) -> tuple[Answer, SearchResult | None]:
        problem = question_problem(question)
        if problem is not None:
            return Answer("invalid", normalize_question(question)[:50], message=problem), None
        text = prepare_question(question)  # once, before understanding and retrieval
        if previous is not None:
            text = resolve(text, previous, self.kb.retriever().catalog, self.kb.settings.home_region).question
        kind = intents.classify(text)
        if kind == "chitchat":
            return Answer("chitchat", text, message=INTRODUCTION), None
        if kind == "military":
            return Answer(kind, text, message=MILITARY_DECLINED, help_line=self._help()), None
        if kind == "advice":
            return self._advice(text, k)
        match = self.faq.match(text, self.kb.embedder)
        if match and not invalid_citations(match.entry.answer, self.kb.store, self.kb.settings.home_region):
            return Answer("faq", text, message=match.entry.answer, faq=match.entry, confidence=match.score,
                          help_line=self._help()), None
        result = self.kb.search(text, k)
        answer = compose(result, self.kb.settings.legal_hotline, self.kb.settings.office_contact,
                         self.kb.settings.home_region)
        return self._checked(answer), result

    def _advice(self, text: str, k: int) -> tuple[Answer, SearchResult | None]:
        """Individual advice is declined; the rule the question turns on is quoted when the
        corpus answers it confidently (the citizen still learns what the law says)."""
        settings = self.kb.settings
        line = referral(text, settings.legal_hotline, settings.office_contact, "advice")
        result = self.kb.search(text, k)
        quotes: tuple[Quote, ...] = ()
        if result.answerable and result.hits:
            lead = (list(result.references) or [result.hits[0].article])[0]
            if not invalid_citations(lead.citation, self.kb.store, settings.home_region):
                quotes = (Quote(lead, best_sentence(lead, text)),)
        message = ADVICE_DECLINED + (ADVICE_RULE if quotes else "")
        return Answer("advice", text, quotes=quotes, message=message, help_line=line), result

    def _checked(self, answer: Answer) -> Answer:
        """Drop any asserted citation that does not exist; decline if the lead one is gone."""
        store, region = self.kb.store, self.kb.settings.home_region
        quotes = tuple(q for q in answer.quotes if not invalid_citations(q.article.citation, store, region))
        related = tuple(a for a in answer.related if not invalid_citations(a.citation, store, region))
        if answer.kind == "statute" and not quotes:
            return Answer("decline", answer.question, message=NOT_COVERED, help_line=self._help())
        return replace(answer, quotes=quotes, related=related)
