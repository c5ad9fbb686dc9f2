"""Deployment settings of the web channel, built once at the edge (CLI, environment) and passed down.

The secret that signs cookies comes from ``LAWBOT_WEB_SECRET`` or, when unset, from
``<home>/web_secret`` (created once with mode 0600), so every worker process serving one home
signs and verifies with the same key. Nothing here runs at import time.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, replace
from pathlib import Path

from kb.settings import Settings

SECRET_FILE = "web_secret"
SESSION_HOURS = 12


@dataclass(frozen=True)
class WebSettings:
    """How the web app behaves in one deployment.

    ``embed_origins``: origins allowed to frame the embeddable widget (``/embed``), as a CSP
    ``frame-ancestors`` source list; every other page refuses to be framed by another site.
    ``asks_per_minute``: questions one client (address) may ask per minute (0 = unlimited);
    by default the same per-user limit the Telegram bot applies (``LAWBOT_QUESTIONS_PER_MINUTE``).
    """

    secret: bytes
    embed_origins: str = "*"
    asks_per_minute: int = 10
    session_hours: int = SESSION_HOURS
    secure_cookies: bool | None = None  # None: Secure when the request came over https

    def with_(self, **changes) -> "WebSettings":
        return replace(self, **changes)


def load_secret(home: Path, env: dict | None = None) -> bytes:
    """The cookie-signing key: $LAWBOT_WEB_SECRET, else ``<home>/web_secret`` (made on first use)."""
    env = os.environ if env is None else env
    given = env.get("LAWBOT_WEB_SECRET", "").strip()
    if given:
        return given.encode()
    path = Path(home) / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip().encode()
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(32))
    return path.read_text(encoding="ascii").strip().encode()


def load_web_settings(settings: Settings, env: dict | None = None, **overrides) -> WebSettings:
    """Web settings from ``LAWBOT_WEB_*`` variables and the core settings, then ``overrides``."""
    env = os.environ if env is None else env
    values = {
        "secret": load_secret(settings.home, env),
        "embed_origins": env.get("LAWBOT_WEB_EMBED_ORIGINS", "*").strip() or "*",
        "asks_per_minute": settings.questions_per_minute,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return WebSettings(**values)
