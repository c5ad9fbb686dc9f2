"""Citizens' screens: /start, /help, a question and its answer, and the answer's buttons."""
from __future__ import annotations

from telegram import Update

from bot.telegram import callbacks as cb
from bot.telegram import render, texts
from bot.telegram.common import (Context, answer_query, is_staff, limiter, reply, send, services,
                                 settings, user_ref)
from bot.telegram.limits import has_words, too_long
from bot.telegram.screens import chapters_of
from bot.telegram.staff import take_answer
from app.answering import MAX_QUESTION
from app.conversation import Conversation

CONVERSATION = "conversation"  # user_data key: the user's app.conversation.Conversation


async def start(update: Update, context: Context) -> None:
    laws, articles = await services(context).library(lambda ops: ops.counts())
    text = texts.start_text(laws, articles, settings(context).legal_hotline)
    await reply(update, context, text + (texts.STAFF_HELP if is_staff(update, context) else ""))


async def help_command(update: Update, context: Context) -> None:
    await reply(update, context, texts.HOW_TO_ASK + (texts.STAFF_HELP if is_staff(update, context) else ""))


async def question(update: Update, context: Context) -> None:
    """Any text that is not a command: a question for the core (or a staff member's FAQ answer)."""
    text = update.effective_message.text or ""
    if is_staff(update, context) and await take_answer(update, context, text):
        return
    if too_long(text):
        await reply(update, context, render.esc(texts.TOO_LONG.format(limit=MAX_QUESTION)))
        return
    if not has_words(text):
        await reply(update, context, texts.NOT_TEXT)
        return
    verdict = limiter(context).check(update.effective_user.id)
    if verdict != "ok":
        if verdict == "refuse":
            await reply(update, context, texts.SLOW_DOWN)
        return
    ref = user_ref(update)
    conversation = context.user_data.get(CONVERSATION) or Conversation()  # per user, in memory
    answered = await services(context).ask(text, ref, conversation.discussed)
    context.user_data[CONVERSATION] = conversation.after(answered.answer)
    await reply(update, context, render.answer_replies(answered))


async def other_message(update: Update, context: Context) -> None:
    await reply(update, context, texts.NON_TEXT_MESSAGE)


async def unknown_command(update: Update, context: Context) -> None:
    await reply(update, context, texts.UNKNOWN_COMMAND)


async def full_text(update: Update, context: Context) -> None:
    """查看全文: the whole article when the answer showed an excerpt, else its whole chapter."""
    query = update.callback_query
    article_id = int(cb.FULL.match(query.data).group(1))
    article, version = await services(context).library(lambda ops: ops.with_version(article_id))
    if article is None:
        await answer_query(query, texts.BUTTON_EXPIRED, alert=True)
        return
    await answer_query(query)
    if render.is_excerpted(article) or not article.chapter:
        replies = render.full_article_replies(article)
    else:
        chapter = next(c for c in chapters_of(version) if any(a.id == article_id for a in c.articles))
        replies = render.chapter_replies(chapter.articles, chapter.name, article.version_id)
    await send(context, update.effective_chat.id, replies)


async def related(update: Update, context: Context) -> None:
    query = update.callback_query
    ids = [int(i) for i in cb.RELATED.match(query.data).group(1).split(",")]
    articles = await services(context).library(lambda ops: ops.articles(ids))
    await answer_query(query)
    await send(context, update.effective_chat.id, render.related_replies(articles))


async def feedback(update: Update, context: Context) -> None:
    query = update.callback_query
    log_id, sign = cb.FEEDBACK.match(query.data).groups()
    ref, positive = user_ref(update), sign == "+"
    ok = await services(context).curation(lambda ops: ops.feedback(int(log_id), ref, positive))
    if not ok:
        await answer_query(query, texts.BUTTON_EXPIRED)
    elif positive:
        await answer_query(query, "感谢您的反馈！")
    else:
        await answer_query(query, "感谢反馈，我们会改进这类问题的解答。也可以换个说法再问一次。")
