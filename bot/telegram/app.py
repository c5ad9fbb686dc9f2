"""``build_application(settings, services, token, telegram=…)``: a pure factory from settings
(the core's and the Telegram deployment's) to a PTB app.

It wires handlers, the rate limiter, HTML defaults and the error handler, and registers the
command menus at start-up (``post_init``), where it also resumes quiz rounds a restart
interrupted and starts the 6·5 reminder loop; ``post_stop`` / ``post_shutdown`` cancel both.
It starts nothing and opens no connection; ``run`` does. Tests build the same Application
against the loopback fake Bot API.
"""
from __future__ import annotations

import asyncio
import logging

from telegram import BotCommand, BotCommandScopeChat, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (AIORateLimiter, Application, ApplicationBuilder, BaseRateLimiter,
                          CallbackQueryHandler, CommandHandler, Defaults, MessageHandler, filters)

from app.inbox import Inbox
from bot.telegram import browse, callbacks as cb, citizens, quiz, quiz_join, quiz_staff, reminders, staff, texts
from bot.telegram import inbox as update_inbox
from bot.telegram.errors import on_error
from bot.telegram.limits import QuestionLimiter
from bot.telegram.workers import Services
from app.config import TelegramSettings
from kb.settings import Settings

log = logging.getLogger(__name__)
CONCURRENT_UPDATES = 64  # one slow question must not hold up everyone else
MAX_RETRIES = 3  # on 429 Too Many Requests, wait retry_after and try again


def file_url_for(base_url: str) -> str:
    """Bot API file-download base for an API base: ``…/bot`` → ``…/file/bot``."""
    base = base_url.rstrip("/")
    return base[:-len("/bot")] + "/file/bot" if base.endswith("/bot") else base + "/file/bot"


def build_application(settings: Settings, services: Services, token: str, *,
                      telegram: TelegramSettings | None = None,
                      rate_limiter: BaseRateLimiter | None = None) -> Application:
    telegram = telegram or TelegramSettings()
    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(telegram.api_base_url)
        .base_file_url(file_url_for(telegram.api_base_url))
        .rate_limiter(rate_limiter or AIORateLimiter(max_retries=MAX_RETRIES))
        .concurrent_updates(CONCURRENT_UPDATES)
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_stop)
        .build()
    )
    app.bot_data.update(services=services, settings=settings, telegram=telegram,
                        limiter=QuestionLimiter(telegram.questions_per_minute),
                        quiz=quiz.QuizRunner(app.bot, services), drafts=quiz_join.DraftCache(),
                        reminders=reminders.ReminderLoop(app.bot, services, settings, telegram))
    update_inbox.install(app, Inbox.for_home(settings.home))  # each update handled once
    add_handlers(app)
    app.add_error_handler(on_error)
    return app


def add_handlers(app: Application) -> None:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE  # edits are not re-answered
    # Group -1 runs first and stops the update when it took it: a registration answer, /cancel
    # of a registration or practice round, a campaign deep link (/start CODE).
    app.add_handler(CommandHandler("start", quiz_join.join_deep_link, has_args=True), group=-1)
    app.add_handler(CommandHandler("cancel", quiz.cancel_hook), group=-1)
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, quiz_join.registration_text),
                    group=-1)
    for name, handler in (("start", citizens.start), ("help", citizens.help_command),
                          ("laws", browse.laws_command), ("article", browse.article_command),
                          ("unanswered", staff.unanswered), ("faq", staff.faq),
                          ("stats", staff.stats), ("cancel", staff.cancel),
                          ("quiz", quiz.quiz_command), ("join", quiz_join.join), ("rank", quiz_join.rank),
                          ("subscribe", reminders.subscribe), ("unsubscribe", reminders.unsubscribe),
                          ("campaigns", quiz_staff.campaigns), ("ranking", quiz_staff.ranking),
                          ("export", quiz_staff.export), ("newcampaign", quiz_staff.new_campaign)):
        app.add_handler(CommandHandler(name, handler))
    app.add_handler(MessageHandler(private & filters.COMMAND, citizens.unknown_command))
    app.add_handler(MessageHandler(private & filters.Document.ALL, staff.document))
    app.add_handler(MessageHandler(private & filters.TEXT, citizens.question))
    app.add_handler(MessageHandler(private & ~filters.StatusUpdate.ALL, citizens.other_message))
    for pattern, handler in ((cb.FULL, citizens.full_text), (cb.RELATED, citizens.related),
                             (cb.FEEDBACK, citizens.feedback), (cb.LAWS, browse.laws_page),
                             (cb.VERSION, browse.version), (cb.CHAPTER, browse.chapter),
                             (cb.ARTICLE, browse.article), (cb.UPLOAD, staff.upload_decision),
                             (cb.ANSWER, staff.start_answer), (cb.FAQ_REMOVE, staff.faq_remove),
                             (cb.QUIZ_ANSWER, quiz.answer), (cb.QUIZ_TOGGLE, quiz.toggle),
                             (cb.QUIZ_MORE, quiz.more), (cb.QUIZ_MENU, quiz_join.menu),
                             (cb.QUIZ_SKIP, quiz_join.skip)):
        app.add_handler(CallbackQueryHandler(handler, pattern=pattern))
    app.add_handler(CallbackQueryHandler(expired_button))


async def expired_button(update: Update, context) -> None:
    await update.callback_query.answer(texts.BUTTON_EXPIRED, show_alert=True)


async def post_init(app: Application) -> None:
    """Command menus (Chinese), staged uploads made confirmable again, the model warmed up,
    interrupted quiz rounds resumed and the 6·5 reminder loop started (both in the background)."""
    services: Services = app.bot_data["services"]
    telegram: TelegramSettings = app.bot_data["telegram"]
    await app.bot.set_my_commands([BotCommand(c, d) for c, d in texts.COMMANDS])
    for staff_id in telegram.staff_ids:
        try:
            await app.bot.set_my_commands([BotCommand(c, d) for c, d in texts.STAFF_COMMANDS],
                                          scope=BotCommandScopeChat(staff_id))
        except TelegramError as exc:  # the staff member has not opened a chat with the bot yet
            log.warning("staff command menu not set for %s: %s", staff_id, exc)
    recovered = await services.admin(lambda ops: ops.recover())
    if recovered:
        log.info("%d interrupted upload(s) can be confirmed again", recovered)
    warm_up = asyncio.get_running_loop().create_task(services.warm_up())
    warm_up.add_done_callback(_log_failure)
    app.bot_data["warm_up"] = warm_up  # keep a reference until done
    runner: quiz.QuizRunner = app.bot_data["quiz"]
    runner.spawn(runner.resume_all()).add_done_callback(_log_failure)
    app.bot_data["reminders"].start()


async def post_stop(app: Application) -> None:
    """Quiz timers and the reminder loop end with the bot (rounds stay open in quiz.db and are
    resumed at the next start; a reminder in flight is recorded first). Safe to call twice."""
    await app.bot_data["reminders"].stop()
    await app.bot_data["quiz"].close()
    app.bot_data["inbox"].close()


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("%s failed", task.get_name(), exc_info=task.exception())
