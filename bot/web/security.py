"""Security headers on every response, and the CSRF tokens of citizens' and staff forms.

Headers: a Content-Security-Policy that allows only the app's own scripts, styles, images and
media (no inline script, no CDN), ``X-Content-Type-Options: nosniff``, no framing by other sites
— except the embeddable widget page, whose route sets its own ``frame-ancestors`` from
:attr:`app.config.WebSettings.embed_origins` (the middleware never overwrites a header a route
set). Citizens have no login: a signed random client id in a cookie names them (rate limits,
feedback), and their forms carry an HMAC of that id as CSRF token. Staff forms carry the token
stored with their session (:mod:`bot.web.accounts`).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from itsdangerous import BadSignature, Signer

CLIENT_COOKIE = "lawbot_client"
CLIENT_HEADER = "x-lawbot-client"  # the signed id, sent by the page's script (framed pages lack cookies)
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "media-src 'self' blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}")
HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


def csp(frame_ancestors: str = "'none'") -> str:
    return CSP.format(ancestors=frame_ancestors)


def embed_headers(origins: str) -> dict[str, str]:
    """Headers of the one page other sites may frame (the widget)."""
    return {"content-security-policy": csp(origins or "*")}


class SecurityHeaders:
    """Pure ASGI middleware adding the security headers a route did not set itself."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                extra = list(HEADERS)
                if b"content-security-policy" not in present:
                    extra += [(b"content-security-policy", csp().encode()), (b"x-frame-options", b"DENY")]
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class ClientIds:
    """Signed anonymous client ids and their CSRF tokens (no server state)."""

    def __init__(self, secret: bytes):
        self._signer = Signer(secret, salt="lawbot.client")
        self._key = hashlib.sha256(b"lawbot.csrf:" + secret).digest()

    def new(self) -> tuple[str, str]:
        """(client id, cookie value)."""
        client = secrets.token_urlsafe(12)
        return client, self.sign(client)

    def sign(self, client: str) -> str:
        return self._signer.sign(client.encode()).decode()

    def read(self, cookie: str | None) -> str | None:
        return _unsign(self._signer, cookie)

    def csrf(self, client: str) -> str:
        return hmac.new(self._key, client.encode(), hashlib.sha256).hexdigest()[:32]

    def csrf_ok(self, client: str | None, token: str | None) -> bool:
        return bool(client and token) and hmac.compare_digest(self.csrf(client), token)


class SessionCookies:
    """The staff session cookie: a signed random session id (the server keeps its hash)."""

    NAME = "lawbot_staff"

    def __init__(self, secret: bytes):
        self._signer = Signer(secret, salt="lawbot.staff")

    def dump(self, session_id: str) -> str:
        return self._signer.sign(session_id.encode()).decode()

    def load(self, cookie: str | None) -> str | None:
        return _unsign(self._signer, cookie)


def _unsign(signer: Signer, cookie: str | None) -> str | None:
    """The value a signed cookie carries, or None when it is missing, over-long or forged."""
    if not cookie or len(cookie) > 200:
        return None
    try:
        return signer.unsign(cookie.encode()).decode()
    except BadSignature:
        return None


class BodyLimit:
    """Pure ASGI middleware refusing request bodies over a size (413 before the body is read,
    or as soon as a streamed body passes it). ``upload_paths``: path suffixes allowed
    ``upload_limit`` bytes (staff law uploads); everything else ``limit``."""

    def __init__(self, app, limit: int, upload_limit: int, upload_paths: tuple[str, ...] = ()):
        self.app, self.limit, self.upload_limit, self.upload_paths = app, limit, upload_limit, upload_paths

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        limit = self.upload_limit if path.endswith(self.upload_paths) else self.limit
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return await _too_large(send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise TooLarge()
            return message

        try:
            await self.app(scope, counted, send)
        except TooLarge:
            await _too_large(send)


class TooLarge(Exception):
    pass


async def _too_large(send) -> None:
    body = "提交的内容太大，请缩短后再试。".encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
