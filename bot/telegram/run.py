"""Starting the bot for real: logging that never shows the token, then polling or a webhook.

``lawbot bot run`` calls :func:`run_bot`. Long polling is the default; ``--webhook URL`` makes
PTB listen on ``listen:port`` at the URL's path and check Telegram's secret-token header.
"""
from __future__ import annotations

import logging
import os
import re
import secrets
from dataclasses import dataclass
from urllib.parse import quote, urlparse

from telegram import Update

from bot.telegram.app import build_application
from bot.telegram.workers import Services
from app.config import TelegramSettings
from kb.errors import ConfigError
from kb.settings import Settings

log = logging.getLogger("bot.telegram")
REDACTED = "[REDACTED]"
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class RedactToken(logging.Filter):
    """Replace the bot token (also URL-encoded) in every record, its arguments and traceback."""

    def __init__(self, token: str):
        super().__init__()
        self.secrets = tuple({token, quote(token, safe="")} - {""})

    def _clean(self, text: str) -> str:
        for s in self.secrets:
            text = text.replace(s, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        cleaned = self._clean(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        return True


def prepare_process() -> None:
    """One inference thread per model unless told otherwise (``OMP_NUM_THREADS``).

    Answers come from one worker thread beside the event loop; OpenMP teams spinning against
    the loop on a small host made each query 3–10× slower (bench/bench_bot.py: 2 cores, 20 users:
    core time per question p50 152 ms → 50 ms, 9.8 → 36 messages/s). Must run before the model's
    engine is loaded, since the OpenMP runtime reads the variable once.
    """
    os.environ.setdefault("OMP_NUM_THREADS", "1")


# Loggers whose INFO lines are not for operators: httpx logs full request URLs (the token
# included); faiss.loader logs every instruction set it probes, with a ModuleNotFoundError for each
# one this build lacks (avx512, avx2), which reads like a failure and is not one. Their warnings and
# errors (e.g. faiss failing to load at all) still show.
QUIET_LOGGERS = ("httpx", "httpcore", "faiss.loader")


def configure_logging(token: str, level: int = logging.INFO) -> None:
    """INFO logs on stderr, without the :data:`QUIET_LOGGERS`' INFO chatter."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    redact = RedactToken(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)


@dataclass(frozen=True)
class Webhook:
    url: str
    listen: str = "0.0.0.0"
    port: int = 8443
    secret: str | None = None

    def options(self) -> dict:
        """Keyword arguments for ``run_webhook`` / ``Updater.start_webhook``."""
        secret = self.secret or secrets.token_urlsafe(32)
        if not _SECRET.match(secret):
            raise ConfigError("webhook 密钥只能包含字母、数字、下划线和连字符（1–256 个字符）。")
        parsed = urlparse(self.url)
        if parsed.scheme != "https" or not parsed.netloc:
            raise ConfigError("webhook 地址必须是 https:// 开头的完整网址。")
        return {"listen": self.listen, "port": self.port, "url_path": parsed.path.lstrip("/"),
                "webhook_url": self.url, "secret_token": secret}


def run_bot(settings: Settings, token: str, webhook: Webhook | None = None,
            telegram: TelegramSettings | None = None) -> None:
    """Run until interrupted (SIGINT/SIGTERM); the core's worker threads are closed on exit."""
    prepare_process()
    configure_logging(token)
    telegram = telegram or TelegramSettings()
    services = Services(settings)
    try:
        app = build_application(settings, services, token, telegram=telegram)
        log.info("starting the Telegram bot (%s, %d staff)", "webhook" if webhook else "long polling",
                 len(telegram.staff_ids))
        if webhook:
            app.run_webhook(allowed_updates=Update.ALL_TYPES, **webhook.options())
        else:
            app.run_polling(allowed_updates=Update.ALL_TYPES)
    finally:
        services.close()
        log.info("bot stopped")
