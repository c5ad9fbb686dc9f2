"""Keeping the corpus current, as every channel calls it (CLI, bot, the web staff console).

One function per staff task, each taking the :class:`KnowledgeBase` (and the quiz settings where
quizzes are concerned) and the acting person (``cli:alice``, ``telegram:123``, ``web:li``), and
returning typed values; the channels only parse input and render output. The rules themselves
live in the core: versions, rollback, repeal and removal in :mod:`kb.store` / :mod:`kb.upkeep`,
question views in :mod:`kb.views`, what rests on an article in :mod:`kb.dependants`, FAQ pairs in
:mod:`kb.faq`, the question log in :mod:`kb.logbook`. Every change is audited by the core.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kb.upkeep import (Diff, VersionInfo, article_on, audit_entries, diff, iso_day, remove, repeal,  # noqa: F401
                       rollback, versions)

if TYPE_CHECKING:
    from kb.dependants import Flagged
    from kb.faq import FaqEntry
    from kb.logbook import UnansweredGroup
    from kb.service import KnowledgeBase
    from kb.views import QuestionView, ViewReview


# ---- question views ---------------------------------------------------------------------------

def views_to_review(kb: "KnowledgeBase") -> list["ViewReview"]:
    from kb.views import review_queue

    return review_queue(kb.store)


def accept_view(kb: "KnowledgeBase", view_id: int, actor: str, question: str | None = None) -> "QuestionView":
    from kb.views import accept_view as accept

    view = accept(kb.store, view_id, actor, question)
    kb.reindex(actor=actor)
    return view


def drop_view(kb: "KnowledgeBase", view_id: int, actor: str) -> bool:
    from kb.views import drop_view as drop

    changed = drop(kb.store, view_id, actor)
    if changed:
        kb.reindex(actor=actor)
    return changed


def add_view(kb: "KnowledgeBase", law_name: str, number: str, question: str, actor: str) -> "QuestionView":
    from kb.lookup import find_law, parse_article_number
    from kb.views import add_view as add

    law = find_law(kb.store, law_name, kb.settings.home_region)
    n, _ = parse_article_number(number)
    view = add(kb.store, law.title, n, question, actor)
    kb.reindex(actor=actor)
    return view


# ---- questions citizens asked --------------------------------------------------------------------

def to_review(kb: "KnowledgeBase", what: str = "unanswered", since_day: str | None = None,
              limit: int = 30) -> list["UnansweredGroup"]:
    """``unanswered``: declined or 👎 questions; ``feedback``: only those given 👎; grouped."""
    from kb.logbook import Logbook
    from kb.timefmt import utc_from_local_date

    since = utc_from_local_date(iso_day(since_day), kb.settings.timezone) if since_day else ""
    return Logbook(kb.store).unanswered(limit, since, thumbs_down_only=(what == "feedback"))


@dataclass(frozen=True)
class FaqMade:
    entry: "FaqEntry"
    resolved: int  # logged questions worded the same, now marked answered


def question_to_faq(kb: "KnowledgeBase", log_id: int, answer: str, actor: str, basis: str = "",
                    source: str = "", question: str | None = None) -> FaqMade:
    """Turn a logged question into an FAQ pair (statute basis or a named source)."""
    from kb.errors import NotFoundError
    from kb.faq import FaqBook
    from kb.logbook import Logbook

    log = Logbook(kb.store)
    entry = log.entry(log_id)
    if entry is None:
        raise NotFoundError(f"没有编号为 {log_id} 的问题记录。")
    pair = FaqBook(kb.store, kb.settings.home_region).add(question or entry["question"], answer, basis,
                                                          created_by=actor, source=source)
    return FaqMade(pair, log.resolve(log_id, pair.id))


# ---- what rests on an article -----------------------------------------------------------------

def _quiz_questions(settings) -> dict:
    from quizzes.bank import load_bank

    questions = {q.id: q for q in load_bank().questions}
    if settings.quiz_db_path.exists():
        from quizzes.engine import QuizEngine

        with QuizEngine.from_settings(settings) as eng:
            questions.update({q.id: q for q in eng.questions(status="all") if q.id not in questions})
    return questions


def dependants_to_review(kb: "KnowledgeBase") -> list["Flagged"]:
    """Quiz questions (bank files and stored ones) and FAQ pairs whose cited article changed."""
    from kb.faq import FaqBook
    from quizzes.bank import flagged_questions

    quiz = [f for _, f in flagged_questions(_quiz_questions(kb.settings).values(), kb.store)]
    return quiz + FaqBook(kb.store, kb.settings.home_region).flagged()


def approve_dependant(kb: "KnowledgeBase", ref: str, actor: str) -> None:
    """Re-approve ``quiz:ID`` or ``faq:ID`` for the current text of the articles it cites."""
    from kb.dependants import pin
    from kb.errors import NotFoundError
    from kb.faq import FaqBook
    from quizzes.bank import basis_refs

    kind, _, ident = ref.partition(":")
    if kind == "faq" and ident.isdigit():
        FaqBook(kb.store, kb.settings.home_region).approve(int(ident), actor)
        return
    questions = _quiz_questions(kb.settings) if kind == "quiz" else {}
    if ident not in questions:
        raise NotFoundError(f"“{ref}”无效：应写作 quiz:题目编号 或 faq:问答编号，且须存在。")
    pin(kb.store, "quiz", ident, basis_refs(questions[ident]), actor)
