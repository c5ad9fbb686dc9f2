"""Each Telegram update is handled once: a first handler group claims its ``update_id``.

Long polling and webhooks both put updates on the Application's queue, so one handler in the
lowest group covers both: it claims ``update_id`` in the shared :class:`app.inbox.Inbox` before
any other handler runs and stops a repeated delivery there (a restart before Telegram was told
the update was received, a webhook retry after a timeout). See ``app/inbox.py`` for the rules.
"""
from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from app.inbox import Inbox

log = logging.getLogger("bot.telegram")
GROUP = -100  # before the registration hooks (-1) and every ordinary handler (0)


def install(app: Application, inbox: Inbox) -> None:
    app.bot_data["inbox"] = inbox
    app.add_handler(TypeHandler(Update, once), group=GROUP)


def channel_of(app: Application) -> str:
    """Update ids are counted per bot: keyed by the bot's id (the token's public part)."""
    return f"telegram:{app.bot.token.split(':')[0]}"


async def once(update: Update, context) -> None:
    inbox: Inbox = context.application.bot_data["inbox"]
    seen = await asyncio.to_thread(inbox.claim, channel_of(context.application), str(update.update_id))
    if seen is not None:
        log.info("update %s delivered again; already handled, skipped", update.update_id)
        raise ApplicationHandlerStop
