"""The staff console: log in and out, and the overview. Uploads, laws, the review queue, FAQ pairs
and the dashboard live in :mod:`bot.web.routes.staff_corpus` and :mod:`bot.web.routes.staff_review`.

Every page here but the login form depends on :func:`bot.web.deps.staff_user` (no session: a redirect
to the login page, or 401 for API calls) and every form is CSRF-checked.
"""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from bot.web.accounts import StaffSession
from bot.web.context import ctx, path_for
from bot.web.deps import Refused, check_csrf, client_address, current_staff, render, staff_user

log = logging.getLogger("web.staff")
router = APIRouter(prefix="/staff")


def _safe_next(request: Request, target: str | None) -> str:
    """Only a path on this site (never another host) is followed after logging in."""
    home = path_for(request, "staff_home")
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return home
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else home


@router.get("/login", name="staff_login")
async def login_form(request: Request, next: str = ""):
    if current_staff(request):
        return RedirectResponse(_safe_next(request, next), status_code=303)
    return render(request, "staff/login.html", next=next[:500], name="", error="")


@router.post("/login", dependencies=[Depends(check_csrf)])
async def login(request: Request):
    c = ctx(request)
    form = await request.form()
    name, password = str(form.get("name", ""))[:64].strip(), str(form.get("password", ""))
    target = _safe_next(request, str(form.get("next", ""))[:500])
    wait = c.login_limiter.allow(client_address(request))
    if wait:
        raise Refused("登录尝试次数过多，请一分钟后再试。", 429, int(wait))
    if not await run_in_threadpool(c.accounts.check, name, password):
        log.info("failed staff login from %s", client_address(request))
        return render(request, "staff/login.html", 401, next=target, name=name, error="用户名或密码不正确。")
    session_id, session = await run_in_threadpool(c.accounts.open_session, name, c.web.session_hours)
    log.info("staff %s logged in", name)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(c.cookies.NAME, c.cookies.dump(session_id), max_age=c.web.session_hours * 3600,
                        path=(request.scope.get("root_path") or "").rstrip("/") or "/", httponly=True,
                        samesite="lax", secure=_secure(request))
    return response


def _secure(request: Request) -> bool:
    forced = ctx(request).web.secure_cookies
    return forced if forced is not None else request.url.scheme == "https"


@router.post("/logout", name="staff_logout", dependencies=[Depends(check_csrf)])
async def logout(request: Request, staff: StaffSession = Depends(staff_user)):
    c = ctx(request)
    session_id = c.cookies.load(request.cookies.get(c.cookies.NAME))
    if session_id:
        await run_in_threadpool(c.accounts.close_session, session_id)
    log.info("staff %s logged out", staff.name)
    response = RedirectResponse(path_for(request, "staff_login"), status_code=303)
    response.delete_cookie(c.cookies.NAME, path=(request.scope.get("root_path") or "").rstrip("/") or "/")
    return response


@router.get("", name="staff_home")
async def home(request: Request, days: int = 30, staff: StaffSession = Depends(staff_user)):
    """The usage dashboard: questions per day, answered vs declined, top questions and articles,
    feedback (charts drawn by static/js/dashboard.js from the page's JSON block)."""
    from app.usage import top_questions
    from bot.web.routes.api import stats_json

    days = min(max(days, 1), 366)

    def load(cur):
        return cur.stats(days), top_questions(cur.store, days, 10)

    stats, top = await ctx(request).services.curation(load)
    return render(request, "staff/home.html", stats=stats, stats_json=stats_json(stats), top_questions=top,
                  days=days)
