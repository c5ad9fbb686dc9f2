"""The JSON API for portals and apps: ask, search, laws, articles, feedback, the alarm signals.

Requests that change state (``/api/ask`` logs the question, ``/api/feedback``) take JSON bodies
only (so a cross-site form cannot post them) and an optional ``Idempotency-Key`` header: a retry
with the same key returns the first result without a second effect. ``/api/ask`` and
``/api/search`` share the per-client question limit (429 with a Chinese ``error``). Staff calls
(``/api/staff/…``) need a logged-in session and its CSRF token; without one: 401.
"""
from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Depends, Header, Query, Request
from pydantic import BaseModel, Field

from app.alarms import SIGNALS, SOURCE
from kb.assistant import MAX_QUESTION
from bot.web.accounts import StaffSession
from bot.web.asking import SLOW_DOWN, ask, user_ref
from bot.web.context import ctx
from bot.web.deps import Refused, client_address, staff_user
from bot.web.idempotency import once
from bot.web.routes.laws import check_date, check_name, pick_version
from bot.web.views import article_view, chapter_views

router = APIRouter(prefix="/api", tags=["api"])
MAX_USER = 64


class Context(BaseModel):
    law: str = Field("", max_length=100, description="上一条回答所引的法规（用于“那第二十五条呢？”这样的追问）")
    article: str = Field("", max_length=20, description="上一条回答所引的条号")
    question: str = Field("", max_length=4 * MAX_QUESTION, description="上一条回答所答的问题（用于“罚多少？”这样的追问）")


class AskBody(BaseModel):
    question: str = Field(..., max_length=4 * MAX_QUESTION, description=f"问题（超过 {MAX_QUESTION} 字会被婉拒）")
    context: Context | None = None
    user: str = Field("", max_length=MAX_USER, description="调用方的匿名用户标识（可选，用于反馈去重）")


class FeedbackBody(BaseModel):
    log_id: int = Field(..., description="/api/ask 返回的 log_id")
    helpful: bool = Field(..., description="true 为 👍 有帮助，false 为 👎 没帮助")
    user: str = Field("", max_length=MAX_USER)


def _ref(request: Request, user: str) -> str:
    return f"web:api:{user}" if user else user_ref(request)


@router.post("/ask", summary="提问，得到引用法条原文的回答")
async def api_ask(request: Request, body: AskBody, idempotency_key: str | None = Header(None)):
    c = ctx(request)
    ref = _ref(request, body.user)

    async def work():
        context = body.context or Context()
        view = await ask(request, body.question, context.law, context.article, context.question)
        return view.as_json()

    return await once(c.idempotency, f"ask:{ref}", idempotency_key, work)


@router.get("/search", summary="检索条文（按相关度排序）")
async def api_search(request: Request, q: str = Query(..., max_length=MAX_QUESTION), k: int = Query(10, ge=1, le=50)):
    c = ctx(request)
    wait = c.limiter.allow(client_address(request))
    if wait:
        raise Refused(SLOW_DOWN, 429, int(wait))
    if not q.strip():
        raise Refused("请输入要检索的内容。", 400)
    result, answerable = await c.services.answering(lambda ops: ops.assistant.decide(q, k))
    hits = result.hits if result else ()
    return {"question": q, "answerable": answerable,
            "results": [{**_article(h.article), "score": round(float(h.score), 6)} for h in hits]}


def _article(article) -> dict:
    v = article_view(article)
    return {"id": v.id, "law": v.law, "article": v.number, "suffix": v.suffix, "label": v.label,
            "citation": v.citation, "chapter": v.chapter, "version_date": v.version_date,
            "is_current": v.is_current, "text": v.text, "path": v.path}


@router.get("/laws", summary="已收录的法规及其版本")
async def api_laws(request: Request):
    def load(lib):
        return [(law, lib.versions(law)) for law in lib.laws()]

    rows = await ctx(request).services.library(load)
    return {"laws": [{**asdict(law), "short_names": list(law.short_names),
                      "versions": [{"date": v.version_date, "is_current": v.is_current,
                                    "articles": v.article_count} for v in versions]}
                     for law, versions in rows]}


@router.get("/laws/{law}", summary="一部法规的章节与条文目录")
async def api_law(request: Request, law: str, v: str | None = None):
    name, v = check_name(law), check_date(v)

    def load(lib):
        found = lib.law(name)
        version = pick_version(lib.versions(found), v)
        return found, version, lib.chapters(version.id)

    found, version, chapters = await ctx(request).services.library(load)
    return {"law": found.title, "version_date": version.version_date, "is_current": version.is_current,
            "chapters": [{"name": ch.name, "articles": [{"article": a.number, "suffix": a.suffix,
                                                         "label": a.label, "path": a.path}
                                                        for a in ch.articles]}
                         for ch in chapter_views(chapters)]}


@router.get("/articles/{law}/{number}", summary="某一条的原文（v=YYYY-MM-DD 取历史版本）")
async def api_article(request: Request, law: str, number: str, v: str | None = None):
    name, v = check_name(law), check_date(v)
    if len(number) > 20:
        raise Refused("没有找到这一条。", 404)
    art = await ctx(request).services.library(lambda lib: lib.article(name, number, v))
    return _article(art)


@router.post("/feedback", summary="对回答点 👍 / 👎（同一用户再次提交以最后一次为准）")
async def api_feedback(request: Request, body: FeedbackBody, idempotency_key: str | None = Header(None)):
    c = ctx(request)
    ref = _ref(request, body.user)

    async def work():
        found = await c.services.curation(lambda cur: cur.feedback(body.log_id, ref, body.helpful))
        if not found:
            raise Refused("反馈的回答不存在。", 404)
        return {"ok": True, "log_id": body.log_id, "helpful": body.helpful}

    return await once(c.idempotency, f"feedback:{ref}", idempotency_key, work)


@router.get("/signals", summary="三种防空警报信号的鸣放规律与应对方法")
async def api_signals():
    return {"source": SOURCE, "signals": [{**asdict(s), "total_seconds": s.total_seconds} for s in SIGNALS]}


@router.get("/staff/stats", summary="使用统计（工作人员）")
async def api_stats(request: Request, days: int = Query(30, ge=1, le=366),
                    staff: StaffSession = Depends(staff_user)):
    stats = await ctx(request).services.curation(lambda cur: cur.stats(days))
    return stats_json(stats)


def stats_json(stats) -> dict:
    return {"days": [{"date": d, "questions": n, "answered": a} for d, n, a in stats.days],
            "total": stats.total, "answered": stats.answered, "answered_share": round(stats.answered_share, 4),
            "top_laws": [{"law": k, "count": n} for k, n in stats.top_laws],
            "top_articles": [{"article": k, "count": n} for k, n in stats.top_articles],
            "thumbs_up": stats.thumbs_up, "thumbs_down": stats.thumbs_down}


@router.get("/docs", name="api_docs", include_in_schema=False)
async def api_docs(request: Request):
    """The API described from its OpenAPI document, with local assets only (no Swagger CDN)."""
    from bot.web.deps import render

    schema = request.app.openapi()
    paths = [(p, [(m, op) for m, op in ops.items()]) for p, ops in schema.get("paths", {}).items()]
    return render(request, "api_docs.html", paths=paths)
