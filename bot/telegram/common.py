"""Small helpers shared by the handlers: the services in ``bot_data``, staff checks, sending."""
from __future__ import annotations

import logging
from typing import Sequence

from telegram import CallbackQuery, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.telegram.limits import QuestionLimiter
from bot.telegram.render import Reply
from bot.telegram.workers import Services
from app.config import TelegramSettings
from kb.settings import Settings

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE


def services(context: Context) -> Services:
    return context.application.bot_data["services"]


def settings(context: Context) -> Settings:
    return context.application.bot_data["settings"]


def telegram_settings(context: Context) -> TelegramSettings:
    return context.application.bot_data["telegram"]


def limiter(context: Context) -> QuestionLimiter:
    return context.application.bot_data["limiter"]


def is_staff(update: Update, context: Context) -> bool:
    user = update.effective_user
    return user is not None and user.id in telegram_settings(context).staff_ids


def user_ref(update: Update) -> str:
    """The only personal datum logged: the numeric Telegram id."""
    return str(update.effective_user.id) if update.effective_user else ""


async def send(context: Context, chat_id: int, replies: Sequence[Reply], **kwargs) -> Message | None:
    last = None
    for r in replies:
        last = await context.bot.send_message(chat_id, r.text, parse_mode=ParseMode.HTML,
                                              reply_markup=r.keyboard, **kwargs)
    return last


async def reply(update: Update, context: Context, replies: Sequence[Reply] | str) -> Message | None:
    if isinstance(replies, str):
        replies = [Reply(replies)]
    return await send(context, update.effective_chat.id, replies)


async def show(query: CallbackQuery, context: Context, replies: Sequence[Reply]) -> None:
    """Replace the pressed message with a screen (browsing); extra chunks follow as new messages."""
    message = query.message
    if not isinstance(message, Message) or not message.text:
        await send(context, query.from_user.id, replies)
        return
    first, rest = replies[0], replies[1:]
    try:
        await message.edit_text(first.text, parse_mode=ParseMode.HTML,
                                reply_markup=first.keyboard if not rest else None)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
    if rest:
        await send(context, message.chat_id, rest)


async def answer_query(query: CallbackQuery, text: str | None = None, alert: bool = False) -> None:
    """Stop the button's spinner; an old query Telegram no longer accepts is not an error."""
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as exc:
        log.info("callback query not answered: %s", exc)
