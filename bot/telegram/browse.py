"""Browsing the law: /laws → chapters → articles, and /article 人防法 22 (edits in place)."""
from __future__ import annotations

import re

from telegram import Update

from bot.telegram import callbacks as cb
from bot.telegram import render, screens, texts
from bot.telegram.common import Context, answer_query, reply, send, services, show
from kb.errors import NotFoundError

_REFERENCE = re.compile(
    r"^(?P<law>.+?)\s*(?P<number>第?\s*[0-9０-９零〇一二两三四五六七八九十百千]+\s*条?(?:之[一二三四五六七八九十]+)?)$")


async def laws_command(update: Update, context: Context) -> None:
    laws = await services(context).library(lambda ops: ops.laws())
    await reply(update, context, screens.laws_screen(laws, 0))


async def article_command(update: Update, context: Context) -> None:
    m = _REFERENCE.match(" ".join(context.args or []).strip())
    if not m:
        await reply(update, context, texts.ARTICLE_USAGE)
        return
    law, number = m.group("law").strip(), m.group("number")
    try:
        article = await services(context).library(lambda ops: ops.article(law, number))
    except NotFoundError as exc:
        message = str(exc)
        if "lawbot" in message:  # the core's CLI hint; point to /laws instead
            message = texts.LAW_NOT_FOUND.format(name=law)
        await reply(update, context, render.esc(message))
        return
    versions = await services(context).library(lambda ops: ops.version_articles(article.version_id))
    await reply(update, context, screens.article_screen(versions, article.id))


async def laws_page(update: Update, context: Context) -> None:
    query = update.callback_query
    page = int(cb.LAWS.match(query.data).group(1))
    laws = await services(context).library(lambda ops: ops.laws())
    await answer_query(query)
    await show(query, context, screens.laws_screen(laws, page))


async def version(update: Update, context: Context) -> None:
    query = update.callback_query
    version_id = int(cb.VERSION.match(query.data).group(1))
    articles = await services(context).library(lambda ops: ops.version_articles(version_id))
    if not articles:
        await answer_query(query, texts.BUTTON_EXPIRED, alert=True)
        return
    await answer_query(query)
    await show(query, context, screens.law_screen(articles))


async def chapter(update: Update, context: Context) -> None:
    query = update.callback_query
    version_id, index, page = map(int, cb.CHAPTER.match(query.data).groups())
    articles = await services(context).library(lambda ops: ops.version_articles(version_id))
    if not articles:
        await answer_query(query, texts.BUTTON_EXPIRED, alert=True)
        return
    await answer_query(query)
    await show(query, context, screens.chapter_screen(articles, index, page))


async def article(update: Update, context: Context) -> None:
    query = update.callback_query
    mode, article_id = cb.ARTICLE.match(query.data).groups()
    article_id = int(article_id)
    found, articles = await services(context).library(lambda ops: ops.with_version(article_id))
    if found is None:
        await answer_query(query, texts.BUTTON_EXPIRED, alert=True)
        return
    await answer_query(query)
    screen = screens.article_screen(articles, article_id)
    if mode == "s":  # from an answer or a list that should stay as it is
        await send(context, update.effective_chat.id, screen)
    else:
        await show(query, context, screen)
