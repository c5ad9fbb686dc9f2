"""The one error handler: log with context, tell the user politely, never stop polling.

Expected errors carry their own Chinese message (``KBError``, ``IngestError``, ``QuizError``) and
are shown as is; anything else is logged with a traceback and answered with a generic apology.
Errors while apologising are logged and swallowed.
"""
from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError

from bot.telegram import texts
from bot.telegram.common import Context
from bot.telegram.render import esc
from ingest.errors import IngestError
from kb.errors import KBError
from quizzes.errors import QuizError

log = logging.getLogger("bot.telegram")


def describe(update: object) -> str:
    """Which update failed, without message text or names: ids and the kind of update."""
    if not isinstance(update, Update):
        return "no update" if update is None else type(update).__name__
    kind = next((k for k in ("message", "edited_message", "callback_query", "poll_answer")
                 if getattr(update, k, None) is not None), "other")
    user = update.effective_user.id if update.effective_user else "-"
    data = f" data={update.callback_query.data!r}" if update.callback_query else ""
    return f"update {update.update_id} ({kind} from user {user}{data})"


async def on_error(update: object, context: Context) -> None:
    error = context.error
    if isinstance(error, Forbidden):
        log.info("%s: the user has blocked the bot", describe(update))
        return
    if update is None and isinstance(error, NetworkError):
        log.warning("network problem while polling (PTB retries): %s", error)
        return
    expected = isinstance(error, (KBError, IngestError, QuizError))
    if expected:
        log.warning("%s: %s", describe(update), error)
    else:
        log.error("unhandled error in %s", describe(update), exc_info=error)
    if not isinstance(update, Update):
        return
    message = esc(str(error)) if expected else texts.ERROR
    try:
        if update.callback_query:
            await update.callback_query.answer()
    except Exception:  # noqa: BLE001 - an old query; the apology below still goes out
        pass
    try:
        if update.effective_chat:
            await context.bot.send_message(update.effective_chat.id, message, parse_mode="HTML")
    except Exception as exc:  # noqa: BLE001 - never let the error handler fail
        log.warning("could not send the error reply for %s: %s", describe(update), exc)
