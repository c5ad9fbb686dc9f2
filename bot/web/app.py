"""The ASGI application factory: one FastAPI app serving pages, static files and the JSON API.

``create_app(settings)`` is pure (nothing loads until a request needs it); ``lawbot web run``
serves it with uvicorn (:mod:`bot.web.run`). Swagger's page is not served (it loads from a CDN);
``/openapi.json`` is, and ``/api/docs`` lists the API from it using only local assets.
"""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import Iterable, Sequence

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from kb.errors import KBError, NotFoundError
from kb.settings import Settings
from app.config import WebSettings, load_web_settings
from bot.web.context import STATIC, TEMPLATES, WebContext
from bot.web.security import (CLIENT_COOKIE, CLIENT_HEADER, BodyLimit, ClientIds, SecurityHeaders,
                          SessionCookies)

log = logging.getLogger("web")
LOGIN_ATTEMPTS_PER_MINUTE = 10
MAX_BODY = 64 * 1024  # any form or JSON body but a law upload
# Campaign pages first: a 6·5 round is by far the busiest traffic, and a request is matched
# against the routers in this order (their paths, /c/… and /verify/…, overlap no other router's).
ROUTERS = ("bot.web.routes.campaigns", "bot.web.routes.citizens", "bot.web.routes.laws", "bot.web.routes.basics",
           "bot.web.routes.api", "bot.web.routes.staff", "bot.web.routes.staff_corpus", "bot.web.routes.staff_review",
           "bot.web.routes.widget", "bot.web.routes.staff_campaigns")
STATUS_TEXT = {400: "请求有误，请检查后重试。", 401: "请先登录。", 403: "没有权限访问这个页面。",
               404: "没有找到这个页面。", 405: "不支持这种访问方式。", 413: "提交的内容太大。",
               422: "提交的内容格式不对，请检查后重试。", 429: "您操作有点频繁，请稍等一分钟再试。感谢理解！",
               500: "抱歉，服务出了点问题，请稍后再试。"}


def cookie_value(header: str, name: str) -> str | None:
    """One cookie's value from a Cookie header (``a=1; b=2``), or None. A plain split, not
    ``http.cookies.SimpleCookie``, whose parsing cost a tenth of a campaign answer's CPU; the
    values read here are signed tokens (no quoting), and anything odd is simply not found."""
    for part in header.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key == name:
            return value.strip().strip('"') or None
    return None


class ClientCookie:
    """Pure ASGI middleware: every request gets ``request.state.client`` (an anonymous signed id
    from the cookie, the page's header, or a new one whose cookie is set on the response)."""

    def __init__(self, app, clients: ClientIds):
        self.app, self.clients = app, clients

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or ())
        client = self.clients.read(cookie_value(headers.get(b"cookie", b"").decode("latin-1"), CLIENT_COOKIE))
        if client is None:
            client = self.clients.read(headers.get(CLIENT_HEADER.encode(), b"").decode("latin-1"))
        new_cookie = None
        if client is None:
            client, new_cookie = self.clients.new()
        scope.setdefault("state", {})["client"] = client

        async def send_with_cookie(message):
            if new_cookie and message["type"] == "http.response.start":
                path = (scope.get("root_path") or "").rstrip("/") or "/"
                secure = "; Secure" if scope.get("scheme") == "https" else ""
                value = (f"{CLIENT_COOKIE}={new_cookie}; Path={path}; Max-Age=31536000; HttpOnly;"
                         f" SameSite=Lax{secure}")
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"set-cookie", value.encode("latin-1"))]}
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def web_message(message: str) -> str:
    """The core's Chinese message without its hints for the terminal (``lawbot …`` commands)."""
    kept = [part for part in message.split("。") if part and "lawbot" not in part]
    text = "。".join(kept) + "。" if kept else "没有找到您要的内容。"
    return text + ("可在“法规”页浏览已收录的法规。" if len(kept) < len([p for p in message.split("。") if p]) else "")


def _install_errors(app: FastAPI) -> None:
    from bot.web.deps import NotLoggedIn, Refused, login_redirect, refusal_response, wants_json

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused):
        return refusal_response(request, exc.message, exc.status, exc.retry_after)

    @app.exception_handler(NotLoggedIn)
    async def not_logged_in(request: Request, exc: NotLoggedIn):
        if wants_json(request) or request.method != "GET":
            return refusal_response(request, "请先登录工作人员账号。", 401)
        return login_redirect(request)

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError):
        return refusal_response(request, web_message(str(exc)), 404)

    @app.exception_handler(KBError)
    async def kb_error(request: Request, exc: KBError):
        return refusal_response(request, str(exc), 400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = STATUS_TEXT.get(exc.status_code, STATUS_TEXT[400])
        return refusal_response(request, message, exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        return refusal_response(request, STATUS_TEXT[422], 422)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return refusal_response(request, STATUS_TEXT[500], 500)


def _max_upload() -> int:
    from app.loading import MAX_UPLOAD_BYTES

    return MAX_UPLOAD_BYTES


def _no_telemetry() -> dict:
    """FastAPI's native OpenTelemetry switched off where the installed FastAPI has it: nothing
    here exports traces, and checking for a provider costs every request several environment
    look-ups."""
    import inspect

    if "telemetry" not in inspect.signature(FastAPI.__init__).parameters:
        return {}
    return {"telemetry": {"tracing": False, "metrics": False, "logs": False}}


def create_app(settings: Settings, web: WebSettings | None = None, services=None, *,
               embedder=None, extra_routers: Sequence[APIRouter] = (),
               routers: Iterable[str] = ROUTERS) -> FastAPI:
    """The web app for one data directory. ``services``: the application-layer workers (default
    :class:`bot.web.services.WebServices` over ``settings``, sharing ``embedder`` if given)."""
    from bot.web.accounts import Accounts
    from bot.web.ratelimit import RateLimiter
    from bot.web.templating import build_templates

    web = web or load_web_settings(settings.home)
    if services is None:
        from bot.web.services import WebServices

        services = WebServices(settings, embedder)
    context = WebContext(settings, web, services, Accounts(settings.home / "web.db"), ClientIds(web.secret),
                         SessionCookies(web.secret), RateLimiter(web.asks_per_minute), build_templates(TEMPLATES),
                         RateLimiter(LOGIN_ATTEMPTS_PER_MINUTE))
    from app.inbox import Inbox

    context.idempotency = Inbox.for_home(settings.home)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        close = getattr(context.services, "close", None)
        if close:
            close()
        worker = getattr(app.state, "campaign_worker", None)  # web.routes.campaigns
        if worker is not None:
            worker.close()
        context.accounts.close()
        context.idempotency.close()

    app = FastAPI(title="人民防空普法助手 API", version="1.0", docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json", lifespan=lifespan,
                  description="法规问答、检索与条文查询接口（JSON）。", **_no_telemetry())
    app.state.ctx = context
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    import importlib

    for name in routers:
        app.include_router(importlib.import_module(name).router)
    for router in extra_routers:
        app.include_router(router)
    _install_errors(app)
    app.add_middleware(ClientCookie, clients=context.clients)
    app.add_middleware(BodyLimit, limit=MAX_BODY, upload_limit=_max_upload() + MAX_BODY,
                       upload_paths=("/staff/upload", "/roster"))
    app.add_middleware(SecurityHeaders)
    return app
