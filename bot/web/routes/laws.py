"""The law browser: laws → a law's versions and chapters → one article, with permanent links.

``/law/人防法/22`` is the current text of 人防法 第二十二条 (any name people use for the law works);
``/law/人防法/22?v=1996-10-29`` a historical version's text. Every link is shareable.
"""
from __future__ import annotations

import re

from fastapi import APIRouter, Request

from kb.errors import NotFoundError
from bot.web.context import ctx
from bot.web.deps import Refused, render
from bot.web.views import article_view, chapter_views, gist

router = APIRouter()
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_NAME = 100


def check_date(v: str | None) -> str | None:
    if v and not _DATE.match(v):
        raise Refused("版本日期的格式应为 YYYY-MM-DD，例如 2009-08-27。", 400)
    return v or None


def check_name(name: str) -> str:
    if not name.strip() or len(name) > MAX_NAME:
        raise Refused("没有找到这部法规。", 404)
    return name.strip()


def pick_version(versions, v: str | None):
    """The version dated ``v`` (the current one when ``v`` is None); NotFoundError otherwise."""
    for info in versions:
        if (v is None and info.is_current) or (v is not None and info.version_date == v):
            return info
    if v is None and versions:
        return versions[-1]
    raise NotFoundError(f"这部法规没有 {v} 的版本。")


@router.get("/laws", name="laws")
async def laws(request: Request):
    found = await ctx(request).services.library(lambda lib: lib.laws())
    return render(request, "laws.html", laws=found)


@router.get("/law/{law}", name="law")
async def law_page(request: Request, law: str, v: str | None = None):
    name, v = check_name(law), check_date(v)

    def load(lib):
        found = lib.law(name)
        versions = lib.versions(found)
        version = pick_version(versions, v)
        return found, versions, version, lib.chapters(version.id)

    found, versions, version, chapters = await ctx(request).services.library(load)
    return render(request, "law.html", law=found, versions=versions, version=version,
                  chapters=chapter_views(chapters), gist=gist)


@router.get("/law/{law}/{number}", name="article")
async def article_page(request: Request, law: str, number: str, v: str | None = None):
    name, v = check_name(law), check_date(v)
    if len(number) > 20:
        raise Refused("没有找到这一条。", 404)

    def load(lib):
        art = lib.article(name, number, v)
        others = lib.version_articles(art.version_id)
        versions = lib.versions(lib.law(art.law_title))
        return art, others, versions

    art, others, versions = await ctx(request).services.library(load)
    pos = next(i for i, a in enumerate(others) if a.id == art.id)
    prev_a = article_view(others[pos - 1]) if pos > 0 else None
    next_a = article_view(others[pos + 1]) if pos + 1 < len(others) else None
    return render(request, "article.html", a=article_view(art), prev=prev_a, next=next_a,
                  versions=versions, law_name=name)
