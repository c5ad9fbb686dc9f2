"""Keeping the corpus current: the staff operations every channel calls, by law name.

The CLI, the bot and the web console call these functions with a :class:`KnowledgeBase` and the
acting person (``cli:alice``, ``telegram:123``); each resolves the law by any of its names, makes
the change through the store (one transaction, audited there), and rebuilds the search index when
what citizens can find has changed. Times come back in UTC; channels show them with
:func:`kb.timefmt.local_time` in ``Settings.timezone``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kb import audit
from kb.errors import CorpusChangeError, NotFoundError
from kb.lookup import find_law, parse_article_number
from kb.model import Article, ArticleChange, Law
from kb.timefmt import parse_date

if TYPE_CHECKING:
    from kb.service import KnowledgeBase


@dataclass(frozen=True)
class VersionInfo:
    id: int
    version_date: str | None
    effective_date: str | None
    state: str  # current | history | replaced | rolled_back
    article_count: int
    source_name: str
    ingested_at: str  # UTC
    superseded_at: str | None


@dataclass(frozen=True)
class Diff:
    law: Law
    old: VersionInfo
    new: VersionInfo
    changes: tuple[ArticleChange, ...]


def iso_day(text: str) -> str:
    try:
        return parse_date(text).isoformat()
    except ValueError:
        raise CorpusChangeError(f"“{text}”不是有效的日期（例如 2020-01-01）。") from None


def versions(kb: "KnowledgeBase", law_name: str) -> tuple[Law, list[VersionInfo]]:
    law = find_law(kb.store, law_name, kb.settings.home_region)
    out = []
    for v in kb.store.versions(law.id):
        state = "current" if v["is_current"] else ("history" if v["state"] == "active" else v["state"])
        out.append(VersionInfo(v["id"], v["version_date"], v["effective_date"], state, v["article_count"],
                               v["source_name"], v["ingested_at"], v["superseded_at"]))
    return law, out


def _pick(infos: list[VersionInfo], day: str | None, default: VersionInfo | None, law: Law) -> VersionInfo:
    if day is None:
        if default is None:
            raise CorpusChangeError(f"《{law.title}》只有一个版本，没有可比较的早先版本。")
        return default
    found = [v for v in infos if v.version_date == day and v.state in ("current", "history")]
    if not found:
        dates = "、".join(v.version_date or "未注明日期" for v in infos if v.state in ("current", "history"))
        raise NotFoundError(f"《{law.title}》没有 {day} 的版本（已有：{dates}）。")
    return found[-1]


def diff(kb: "KnowledgeBase", law_name: str, from_date: str | None = None,
         to_date: str | None = None) -> Diff:
    """Article-level old → new text; by default the previous version against the current one."""
    law, infos = versions(kb, law_name)
    valid = [v for v in infos if v.state in ("current", "history")]
    current = next((v for v in valid if v.state == "current"), None)
    new = _pick(infos, iso_day(to_date) if to_date else None, current, law)
    older = [v for v in valid if (v.version_date or "", v.id) < (new.version_date or "", new.id)]
    old = _pick(infos, iso_day(from_date) if from_date else None, older[-1] if older else None, law)
    return Diff(law, old, new, tuple(kb.store.article_changes(old.id, new.id)))


def article_on(kb: "KnowledgeBase", law_name: str, number: str, day: str) -> Article:
    """The article as in force on ``day`` (the version whose effective date is the latest on or
    before it)."""
    law = find_law(kb.store, law_name, kb.settings.home_region)
    day = iso_day(day)
    n, suffix = parse_article_number(number)
    version_id = kb.store.version_on(law.id, day)
    if version_id is None:
        raise NotFoundError(f"{day} 时《{law.title}》尚未施行（库中最早的版本晚于这一天）。")
    art = kb.store.article(law.id, n, suffix, version_id)
    if art is None:
        raise NotFoundError(f"{day} 施行的《{law.title}》文本中没有第{n}条{suffix}。")
    return art


def rollback(kb: "KnowledgeBase", law_name: str, actor: str,
             expect: str | None = None) -> tuple[str | None, str | None]:
    """Withdraw the current version (``expect``: its date as the caller saw it, so a request
    delivered twice rolls back once)."""
    law = find_law(kb.store, law_name, kb.settings.home_region)
    result = kb.store.rollback(law.id, actor, expect)
    kb.reindex(actor=actor)
    return result


def repeal(kb: "KnowledgeBase", law_name: str, day: str, actor: str) -> tuple[Law, bool]:
    law = find_law(kb.store, law_name, kb.settings.home_region)
    changed = kb.store.repeal(law.id, iso_day(day), actor)
    if changed:
        kb.reindex(actor=actor)
    return law, changed


def remove(kb: "KnowledgeBase", law_name: str, actor: str) -> dict:
    law = find_law(kb.store, law_name, kb.settings.home_region)
    snapshot = kb.store.remove(law.id, actor)
    kb.reindex(actor=actor)
    return snapshot


def audit_entries(kb: "KnowledgeBase", since_day: str | None = None, law_name: str | None = None,
                  limit: int = 100) -> list[audit.AuditEntry]:
    from kb.timefmt import utc_from_local_date

    since = utc_from_local_date(iso_day(since_day), kb.settings.timezone) if since_day else None
    title = find_law(kb.store, law_name, kb.settings.home_region).title if law_name else None
    return audit.entries(kb.store.db, since, title, limit)
