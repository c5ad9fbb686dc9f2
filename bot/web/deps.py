"""Request helpers shared by every router: who the client is, page rendering with the common
variables, CSRF checks, the staff guard and polite errors.

Routers added later (campaign pages …) use the same pieces: ``Depends(staff_user)`` for staff
pages and API calls, :func:`render` for pages on ``base.html``, :func:`check_csrf` in forms.
"""
from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse

from bot.web.accounts import StaffSession
from bot.web.context import ctx, path_for
from bot.web.security import CSRF_FIELD, CSRF_HEADER


class NotLoggedIn(Exception):
    """A staff page or staff API call without a valid session (redirect / 401)."""


class Refused(Exception):
    """A request refused with a polite Chinese message (``status``: 400, 403, 404, 413, 429 …)."""

    def __init__(self, message: str, status: int = 400, retry_after: int | None = None):
        super().__init__(message)
        self.message, self.status, self.retry_after = message, status, retry_after


def wants_json(request: Request) -> bool:
    path = request.url.path
    root = request.scope.get("root_path", "") or ""
    if root and path.startswith(root):
        path = path[len(root):]
    return path.startswith("/api/") or path == "/openapi.json"


def client_id(request: Request) -> str:
    """The citizen's anonymous id (signed cookie, or the signed id the page sent along)."""
    return request.state.client


def client_address(request: Request) -> str:
    """The client's address as the proxy reported it (uvicorn --forwarded-allow-ips)."""
    return request.client.host if request.client else "unknown"


def current_staff(request: Request) -> StaffSession | None:
    if "staff_session" in request.state._state:
        return request.state.staff_session
    c = ctx(request)
    session_id = c.cookies.load(request.cookies.get(c.cookies.NAME))
    found = c.accounts.session(session_id) if session_id else None
    request.state.staff_session = found
    return found


def staff_user(request: Request) -> StaffSession:
    """Dependency for staff pages and staff API calls: the session, or NotLoggedIn."""
    found = current_staff(request)
    if found is None:
        raise NotLoggedIn()
    return found


def csrf_token(request: Request) -> str:
    """The token this page's forms carry: the staff session's, else the citizen's."""
    staff = current_staff(request)
    return staff.csrf if staff else ctx(request).clients.csrf(client_id(request))


async def form(request: Request):
    """The request's form. A URL-encoded body (every campaign answer) is parsed here with the
    standard library, several times faster than the general multipart parser, and kept where
    ``request.form()`` finds it, so CSRF check and route parse it once. Field limits as
    Starlette's (1,000 fields); the body size is capped by ``security.BodyLimit``."""
    from urllib.parse import parse_qsl

    from starlette.datastructures import FormData

    if getattr(request, "_form", None) is None and request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"):
        body = await request.body()
        try:
            fields = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=1000)
        except ValueError:
            raise Refused("提交的内容格式不对，请检查后重试。", 400) from None
        request._form = FormData(fields)
    return await request.form()


async def check_csrf(request: Request) -> None:
    """Refuse a state-changing request whose token (form field or header) does not match."""
    token = request.headers.get(CSRF_HEADER)
    if token is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
            token = (await form(request)).get(CSRF_FIELD)
    staff = current_staff(request)
    import hmac

    if staff is not None and token and hmac.compare_digest(staff.csrf, str(token)):
        return
    if ctx(request).clients.csrf_ok(client_id(request), str(token) if token else None):
        return
    raise Refused("页面已过期，请刷新页面后再试。", 403)


def render(request: Request, template: str, status: int = 200, headers: dict | None = None,
           **values) -> HTMLResponse:
    c = ctx(request)
    values.setdefault("staff", current_staff(request))
    values.setdefault("csrf", csrf_token(request))
    values.setdefault("client_token", c.clients.sign(client_id(request)))
    values.setdefault("hotline", c.settings.legal_hotline)
    values.setdefault("office_contact", c.settings.office_contact)
    return c.templates.TemplateResponse(request, template, values, status_code=status, headers=headers)


def refusal_response(request: Request, message: str, status: int, retry_after: int | None = None):
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    if wants_json(request):
        return JSONResponse({"error": message, "status": status}, status_code=status, headers=headers)
    if request.headers.get("x-requested-with") == "fetch":
        return render(request, "_notice.html", status, headers, message=message)
    return render(request, "error.html", status, headers, message=message)


def login_redirect(request: Request):
    from fastapi.responses import RedirectResponse
    from urllib.parse import quote

    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{path_for(request, 'staff_login')}?next={quote(target)}", status_code=303)
