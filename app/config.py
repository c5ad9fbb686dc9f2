"""Settings built once at an entry point (the ``lawbot`` CLI, a web server) and passed down.

Two kinds: the core's :class:`kb.settings.Settings` (data directory, embedder, home region,
contacts, time zone) and the deployment's channel settings — :class:`TelegramSettings` now, web
settings beside it later. This module is the only place that reads ``LAWBOT_*`` (and
``TELEGRAM_*``) variables; ``kb``, ``ingest`` and ``quizzes`` never read the environment.
Every variable is documented in the README.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

from kb.errors import ConfigError
from kb.settings import (DEFAULT_EMBEDDER, DEFAULT_HOME_REGION, DEFAULT_TIMEZONE,
                         Settings)

__all__ = ["Settings", "TelegramSettings", "WebSettings", "Deployment", "load_settings", "load_telegram_settings",
           "load_web_settings", "load_deployment", "default_home", "parse_staff_ids", "DEFAULT_TELEGRAM_API"]

DEFAULT_TELEGRAM_API = "https://api.telegram.org/bot"


@dataclass(frozen=True)
class TelegramSettings:
    """The Telegram deployment: allow-listed staff ids, the Bot API endpoint, the per-user flood
    limit, and the yearly 6·5 reminder ("MM-DD HH:MM" local time) sent at most
    ``broadcast_per_second`` messages per second (Telegram allows ~30)."""

    staff_ids: tuple[int, ...] = ()
    api_base_url: str = DEFAULT_TELEGRAM_API
    questions_per_minute: int = 10
    reminder_at: str = "06-05 09:00"
    broadcast_per_second: int = 20

    def with_(self, **changes) -> "TelegramSettings":
        return replace(self, **changes)


@dataclass(frozen=True)
class WebSettings:
    """The web deployment (``bot/web/``): the key that signs its cookies; the origins allowed to frame
    the embeddable widget (``/embed``, a CSP ``frame-ancestors`` source list; every other page
    refuses framing); questions one client address may ask per minute (the same
    ``LAWBOT_QUESTIONS_PER_MINUTE`` as the bot's per-user limit; 0 = none); how long a staff
    login lasts; Secure cookies (None: when the request came over https)."""

    secret: bytes
    embed_origins: str = "*"
    asks_per_minute: int = 10
    session_hours: int = 12
    secure_cookies: bool | None = None

    def with_(self, **changes) -> "WebSettings":
        return replace(self, **changes)


@dataclass(frozen=True)
class Deployment:
    """Everything one process needs: the core's settings and each channel's."""

    core: Settings
    telegram: TelegramSettings = field(default_factory=TelegramSettings)


def default_home(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "lawbot"


def load_settings(home: str | os.PathLike | None = None, env: Mapping[str, str] | None = None,
                  **overrides) -> Settings:
    """The core's settings from explicit values, then ``LAWBOT_*`` variables, then defaults."""
    env = os.environ if env is None else env
    values = {
        "home": Path(home or env.get("LAWBOT_HOME") or default_home(env)).expanduser(),
        "embedder": env.get("LAWBOT_EMBEDDER") or DEFAULT_EMBEDDER,
        "home_region": env.get("LAWBOT_HOME_REGION") or DEFAULT_HOME_REGION,
        "office_contact": env.get("LAWBOT_OFFICE_CONTACT", ""),
        "timezone": env.get("LAWBOT_TIMEZONE") or DEFAULT_TIMEZONE,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)


def load_telegram_settings(env: Mapping[str, str] | None = None, **overrides) -> TelegramSettings:
    """The bot's settings from ``LAWBOT_STAFF_IDS``, ``TELEGRAM_API_BASE_URL``,
    ``LAWBOT_QUESTIONS_PER_MINUTE``, ``LAWBOT_REMINDER_AT``, ``LAWBOT_BROADCAST_PER_SECOND``."""
    env = os.environ if env is None else env
    values = {
        "staff_ids": parse_staff_ids(env.get("LAWBOT_STAFF_IDS", "")),
        "api_base_url": env.get("TELEGRAM_API_BASE_URL") or DEFAULT_TELEGRAM_API,
        "questions_per_minute": _int(env, "LAWBOT_QUESTIONS_PER_MINUTE", 10),
        "reminder_at": env.get("LAWBOT_REMINDER_AT") or "06-05 09:00",
        "broadcast_per_second": _int(env, "LAWBOT_BROADCAST_PER_SECOND", 20),
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return TelegramSettings(**values)


WEB_SECRET_FILE = "web_secret"


def load_web_settings(home: str | os.PathLike, env: Mapping[str, str] | None = None, **overrides) -> WebSettings:
    """The web's settings from ``LAWBOT_WEB_SECRET`` (else ``<home>/web_secret``, created once with
    mode 0600 so every worker process of one home signs alike), ``LAWBOT_WEB_EMBED_ORIGINS`` and
    ``LAWBOT_QUESTIONS_PER_MINUTE``."""
    env = os.environ if env is None else env
    values = {
        "secret": (env.get("LAWBOT_WEB_SECRET") or "").strip().encode() or _web_secret(Path(home)),
        "embed_origins": (env.get("LAWBOT_WEB_EMBED_ORIGINS") or "").strip() or "*",
        "asks_per_minute": _int(env, "LAWBOT_QUESTIONS_PER_MINUTE", 10),
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return WebSettings(**values)


def _web_secret(home: Path) -> bytes:
    import secrets

    path = home / WEB_SECRET_FILE
    try:
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip().encode()
    except OSError as exc:  # a read-only home without a key: refuse rather than sign with nothing
        raise ConfigError(f"无法在 {home} 建立网页签名密钥（{exc.strerror}）：请设置 LAWBOT_WEB_SECRET。") from None
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(32))
    return path.read_text(encoding="ascii").strip().encode()


def load_deployment(home: str | os.PathLike | None = None, env: Mapping[str, str] | None = None,
                    **overrides) -> Deployment:
    return Deployment(load_settings(home, env, **overrides), load_telegram_settings(env))


def parse_staff_ids(text: str) -> tuple[int, ...]:
    """``"1, 2,3"`` → ``(1, 2, 3)``: numeric Telegram user ids of staff (never names)."""
    ids = []
    for part in (p.strip() for p in (text or "").replace("，", ",").split(",")):
        if not part:
            continue
        if not part.lstrip("-").isdigit():
            raise ConfigError(f"工作人员 ID 必须是数字 Telegram 用户 ID（以逗号分隔），“{part}”无效。")
        ids.append(int(part))
    return tuple(dict.fromkeys(ids))


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"环境变量 {name} 必须是整数。") from None
