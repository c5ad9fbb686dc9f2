"""Question views: how citizens ask for an article, indexed as extra search keys of that article.

A statute says 疏散 and 易燃易爆危险品; a citizen asks 打起仗来往哪撤 and 能放煤气罐吗. The views file
(``kb/data/views.jsonl``) holds, for articles of the core corpus, questions written the way
citizens, students and shop owners type them (never the article's own wording). The index embeds
each question and points it at its article, so retrieval can match a question to a similar
question as well as to the statute text (see :mod:`kb.retrieve`).

Each view names its article by law title and number and pins the article's text by a hash
prefix. When a law is amended and an article's text changes (or the article moves), the view no
longer matches and is left out of the index, so a view never points at an article it was not
written for; ``lawbot status`` reports how many views apply and how many are stale.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Iterable

from kb.store import sha256

if TYPE_CHECKING:
    from kb.model import Article
    from kb.store import Store

HASH_PREFIX = 12
MAX_QUESTION_CHARS = 200


@dataclass(frozen=True)
class QuestionView:
    law: str  # full title, as in the store
    article: int
    question: str
    text_sha: str  # first HASH_PREFIX hex digits of sha256(article text) the view was written for

    def fits(self, article: "Article") -> bool:
        return sha256(article.text)[:HASH_PREFIX] == self.text_sha


def parse_views(lines: Iterable[str], source: str = "views.jsonl") -> list[QuestionView]:
    """Parse JSONL lines ``{"law", "article", "question", "text_sha"}``; a bad line raises
    ``ValueError`` naming the line (the packaged file is checked by the tests)."""
    out: list[QuestionView] = []
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            view = QuestionView(str(d["law"]), int(d["article"]), str(d["question"]).strip(),
                                str(d["text_sha"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{source}:{lineno}: {exc}") from exc
        if not view.question or len(view.question) > MAX_QUESTION_CHARS:
            raise ValueError(f"{source}:{lineno}: question is empty or over {MAX_QUESTION_CHARS} characters")
        if len(view.text_sha) != HASH_PREFIX:
            raise ValueError(f"{source}:{lineno}: text_sha must be {HASH_PREFIX} hex digits")
        out.append(view)
    return out


def views_fingerprint(views: Iterable[QuestionView]) -> str:
    """A short hash of a set of views, kept in the index meta so that new views trigger a rebuild."""
    return sha256("\n".join(f"{v.law}\t{v.article}\t{v.text_sha}\t{v.question}" for v in views))[:16]


@lru_cache(maxsize=1)
def default_views() -> tuple[QuestionView, ...]:
    path = resources.files("kb").joinpath("data", "views.jsonl")
    if not path.is_file():
        return ()
    return tuple(parse_views(path.read_text(encoding="utf-8").splitlines()))


@dataclass(frozen=True)
class ResolvedViews:
    article_ids: tuple[int, ...]  # one per applied view
    questions: tuple[str, ...]
    stale: int  # the article exists but its text changed since the view was written
    unknown: int  # no such law or article in the store (not ingested, or renumbered away)


def resolve_views(store: "Store", views: Iterable[QuestionView]) -> ResolvedViews:
    """Match views to the store's current articles (one pass over them), keeping only those whose
    text still fits."""
    current = {(a.law_title, a.number): a for a in store.current_articles() if not a.suffix}
    ids: list[int] = []
    questions: list[str] = []
    stale = unknown = 0
    for v in views:
        art = current.get((v.law, v.article))
        if art is None:
            unknown += 1
        elif not v.fits(art):
            stale += 1
        else:
            ids.append(art.id)
            questions.append(v.question)
    return ResolvedViews(tuple(ids), tuple(questions), stale, unknown)
