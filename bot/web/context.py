"""Everything a request handler needs, built once per process by :func:`bot.web.app.create_app`:
settings, the application-layer workers, staff accounts, cookie signers, the rate limiter and
the templates. Routes reach it as ``request.app.state.ctx`` (see :func:`ctx`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from kb.settings import Settings
from bot.web.accounts import Accounts
from app.config import WebSettings
from bot.web.ratelimit import RateLimiter
from bot.web.security import ClientIds, SessionCookies

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


@dataclass
class WebContext:
    settings: Settings
    web: WebSettings
    services: object  # web.services.WebServices (or a test double with the same methods)
    accounts: Accounts
    clients: ClientIds
    cookies: SessionCookies
    limiter: RateLimiter
    templates: Jinja2Templates
    login_limiter: RateLimiter = None  # failed-login attempts per address
    idempotency: object = None  # app.inbox.Inbox: idempotency keys of state-changing requests
    tasks: set = field(default_factory=set)  # background jobs (confirmed uploads) still running


def ctx(request: Request) -> WebContext:
    return request.app.state.ctx


PATHS_KEPT = 4096  # remembered route paths per process (the nav links and static files of every page)


def path_for(request: Request, name: str, **params) -> str:
    """A route's path below the app's mount point (``--root-path`` behind a proxy). Remembered
    per app: the routes never change once it is built, and looking a name up walks every route
    (dozens per page otherwise)."""
    app = request.app
    key = (name, *sorted((k, str(v)) for k, v in params.items()))
    paths = app.__dict__.setdefault("_lawbot_paths", {})
    path = paths.get(key)
    if path is None:
        if len(paths) >= PATHS_KEPT:
            paths.clear()
        path = paths[key] = str(app.url_path_for(name, **dict(key[1:])))
    root = request.scope.get("root_path", "") or ""
    return path if not root or path.startswith(root + "/") else root.rstrip("/") + path


def static_url(request: Request, name: str) -> str:
    return path_for(request, "static", path=name)
