"""Browsing the statutes: the laws loaded, one law's versions, chapters and articles, one article.

Read-only operations over the statute store, typed for every channel (the CLI's ``laws`` /
``versions`` / ``article``, the bot's /laws and /article screens, the web's pages). Lookups by
name accept every name people use (人防法, 《中华人民共和国人民防空法》) and raise
:class:`kb.errors.NotFoundError` with a Chinese message for an unknown law or article.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from kb.errors import NotFoundError
from kb.lookup import find_article, find_law
from kb.model import Article, Law
from kb.service import KnowledgeBase
from kb.store import Store


@dataclass(frozen=True)
class VersionInfo:
    """One stored text of a law: its date, whether it is in force, and where it came from."""

    id: int
    law_id: int
    version_date: str | None
    is_current: bool
    article_count: int
    source_name: str
    ingested_at: str
    superseded_at: str | None = None
    state: str = "active"  # active | replaced (by a correction) | rolled_back


@dataclass(frozen=True)
class Chapter:
    """Consecutive articles of one version under the same top-level heading ("" for none).
    ``index`` is its position in the version, a stable address while the version exists."""

    index: int
    name: str
    articles: tuple[Article, ...]


def chapters_of(articles: Sequence[Article]) -> list[Chapter]:
    """Consecutive articles grouped by their top-level chapter heading."""
    groups: list[tuple[str, list[Article]]] = []
    for a in articles:
        name = a.chapter.split(" / ")[0] if a.chapter else ""
        if not groups or groups[-1][0] != name:
            groups.append((name, []))
        groups[-1][1].append(a)
    return [Chapter(i, name, tuple(arts)) for i, (name, arts) in enumerate(groups)]


class Library:
    """Statute lookups for one thread (it owns the knowledge base's SQLite connection)."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb

    @property
    def store(self) -> Store:
        return self.kb.store

    @property
    def home_region(self) -> str:
        return self.kb.settings.home_region

    def close(self) -> None:
        self.kb.close()

    def counts(self) -> tuple[int, int]:
        """(laws loaded, current articles)."""
        return len(self.store.laws()), self.store.count_current_articles()

    def laws(self) -> list[Law]:
        return self.store.laws()

    def law(self, name: str) -> Law:
        """The law known by ``name``; raises NotFoundError."""
        return find_law(self.store, name, self.home_region)

    def versions(self, law: Law | str) -> list[VersionInfo]:
        """Every stored version of a law (oldest first); ``law`` may be a name."""
        found = self.law(law) if isinstance(law, str) else law
        return [VersionInfo(v["id"], found.id, v["version_date"], bool(v["is_current"]),
                            v["article_count"], v["source_name"] or "", v["ingested_at"] or "",
                            v.get("superseded_at"), v.get("state") or "active")
                for v in self.store.versions(found.id)]

    def article(self, law_name: str, number: str, version_date: str | None = None) -> Article:
        """One article (``人防法``, ``22`` or ``第二十二条``), current text unless a version date is
        given; raises NotFoundError."""
        if version_date is None:
            self.law(law_name)  # an unknown law gets its own message
        return find_article(self.store, law_name, number, version_date, self.home_region)

    def articles(self, ids: Sequence[int]) -> list[Article]:
        return self.store.articles_by_ids(list(ids))

    def version_articles(self, version_id: int) -> list[Article]:
        """Every article of one version, in order (empty if the version is gone)."""
        return self.store.law_articles(0, version_id=version_id)  # the law id is unused with a version

    def with_version(self, article_id: int) -> tuple[Article | None, list[Article]]:
        """An article by id and every article of its version (``(None, [])`` if gone)."""
        found = self.articles([article_id])
        return (found[0], self.version_articles(found[0].version_id)) if found else (None, [])

    def cited(self, basis: Iterable, limit: int = 3) -> list[tuple[Article, list[Article]]]:
        """The current articles a quiz question cites (objects with ``law``, ``article``,
        ``suffix``), each with its version's articles; citations no longer found are skipped."""
        found = []
        for b in list(basis)[:limit]:
            try:
                article = self.article(b.law, f"{b.article}{b.suffix}")
            except NotFoundError:
                continue
            found.append((article, self.version_articles(article.version_id)))
        return found

    def chapters(self, version_id: int) -> list[Chapter]:
        return chapters_of(self.version_articles(version_id))
