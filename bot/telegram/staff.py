"""Staff screens: law uploads (preview → 确认 / 取消), /unanswered → 答复 as FAQ, /faq, /stats.

Only allow-listed numeric Telegram ids get here; anyone else is refused before any file is
downloaded. Uploads are parsed, previewed and loaded on the admin worker (a separate knowledge
base), so citizens' answers keep flowing while the index is rebuilt.
"""
from __future__ import annotations

import functools
import logging
from pathlib import PurePath

from telegram import ForceReply, Update
from telegram.constants import ParseMode

from app.loading import upload_refusal
from bot.telegram import callbacks as cb
from bot.telegram import render, staff_screens, texts
from bot.telegram.common import (Context, answer_query, is_staff, reply, send, services, settings,
                                 show, user_ref)
from bot.telegram.render import Reply
from ingest.errors import IngestError
from kb.errors import VersionConflictError
from kb.faq import FaqError

log = logging.getLogger(__name__)
SEPARATORS = ("||", "｜｜")


def staff_only(handler):
    """Refuse non-staff before the handler runs (commands get a reply, buttons an alert)."""
    @functools.wraps(handler)
    async def guarded(update: Update, context: Context) -> None:
        if is_staff(update, context):
            return await handler(update, context)
        if update.callback_query:
            await answer_query(update.callback_query, texts.STAFF_ONLY, alert=True)
        else:
            await reply(update, context, texts.STAFF_ONLY)
    return guarded


async def document(update: Update, context: Context) -> None:
    if not is_staff(update, context):  # decided before any getFile call
        log.info("refused an upload from a non-staff user")
        await reply(update, context, texts.UPLOAD_REFUSED)
        return
    doc = update.effective_message.document
    name = PurePath(doc.file_name or "").name
    refusal = upload_refusal(name, doc.file_size)  # formats and limits: app.loading, for every channel
    if refusal:
        await reply(update, context, refusal)
        return
    data = bytes(await (await doc.get_file()).download_as_bytearray())
    ref = user_ref(update)
    try:
        staged = await services(context).admin(lambda ops: ops.stage(ref, name, data))
    except (IngestError, VersionConflictError) as exc:  # bad file, or a same-date edit
        await reply(update, context, render.esc(str(exc)))
        return
    log.info("staff %s staged upload %s (%s)", ref, staged.upload_id, staged.report.action)
    await reply(update, context, staff_screens.preview_replies(staged.report, name, staged.upload_id))


@staff_only
async def upload_decision(update: Update, context: Context) -> None:
    query = update.callback_query
    upload_id, choice = cb.UPLOAD.match(query.data).groups()
    upload_id = int(upload_id)
    if choice == "n":
        cancelled = await services(context).admin(lambda ops: ops.cancel(upload_id))
        await answer_query(query)
        text = "已取消导入，未做任何改动。" if cancelled else "这个预览已处理、已取消或已过期。"
        await show(query, context, [Reply(text)])
        return
    await answer_query(query, "正在导入……")
    await show(query, context, [Reply("⏳ 正在导入并更新检索索引，请稍候……（期间照常答复群众提问）")])
    try:
        loaded = await services(context).admin(lambda ops: ops.confirm(upload_id))
    except (IngestError, VersionConflictError) as exc:  # bad file, or a same-date edit
        await show(query, context, [Reply(render.esc(str(exc)))])
        return
    if loaded is None:
        await show(query, context, [Reply("这个预览已处理、已取消或已过期（24 小时），请重新上传文件。")])
        return
    log.info("staff %s loaded upload %s: %s %s", user_ref(update), upload_id,
             loaded.report.action, loaded.report.law_title)
    await show(query, context, staff_screens.loaded_replies(loaded.report, loaded.filename,
                                                            loaded.articles_indexed))


@staff_only
async def unanswered(update: Update, context: Context) -> None:
    groups = await services(context).curation(lambda ops: ops.unanswered(10))
    await reply(update, context, staff_screens.unanswered_replies(groups, settings(context).timezone))


@staff_only
async def start_answer(update: Update, context: Context) -> None:
    query = update.callback_query
    log_id, ref = int(cb.ANSWER.match(query.data).group(1)), user_ref(update)
    question = await services(context).curation(lambda ops: ops.start_answer(ref, log_id))
    if question is None:
        await answer_query(query, texts.BUTTON_EXPIRED, alert=True)
        return
    await answer_query(query)
    await context.bot.send_message(update.effective_chat.id, staff_screens.answer_prompt(question),
                                   parse_mode=ParseMode.HTML,
                                   reply_markup=ForceReply(input_field_placeholder="答案 || 法律依据"))


async def take_answer(update: Update, context: Context, text: str) -> bool:
    """If this staff member is answering a question, treat ``text`` as "答案 || 依据"."""
    ref = user_ref(update)
    log_id = await services(context).curation(lambda ops: ops.pending_answer(ref))
    if log_id is None:
        return False
    sep = next((s for s in SEPARATORS if s in text), None)
    if sep is None:
        await reply(update, context, "请按“答案 || 法律依据”的格式回复，例如："
                                     "<code>可以，但须… || 人防法第二十六条</code>。发送 /cancel 取消答复。")
        return True
    answer, basis = (part.strip() for part in text.split(sep, 1))
    try:
        faq, resolved = await services(context).curation(lambda ops: ops.add_answer(
            ref, log_id, answer, basis, created_by=f"telegram:{ref}"))
    except FaqError as exc:
        await reply(update, context, f"{render.esc(str(exc))}\n请修改后重新发送，或发送 /cancel 取消。")
        return True
    log.info("staff %s answered log %s as faq %s", ref, log_id, faq.id)
    await reply(update, context, staff_screens.faq_added(faq, resolved))
    return True


async def cancel(update: Update, context: Context) -> None:
    ref = user_ref(update)
    cleared = await services(context).curation(lambda ops: ops.cancel_answer(ref))
    await reply(update, context, "已取消答复。" if cleared else "当前没有进行中的操作。")


@staff_only
async def faq(update: Update, context: Context) -> None:
    entries = await services(context).curation(lambda ops: ops.faq_entries())
    await reply(update, context, staff_screens.faq_replies(entries))


@staff_only
async def faq_remove(update: Update, context: Context) -> None:
    query = update.callback_query
    faq_id = int(cb.FAQ_REMOVE.match(query.data).group(1))
    removed = await services(context).curation(lambda ops: ops.faq_remove(faq_id))
    await answer_query(query, f"已停用问答 #{faq_id}。" if removed else "这条问答已停用。")
    if removed:
        log.info("staff %s retired faq %s", user_ref(update), faq_id)
        await send(context, update.effective_chat.id, [Reply(f"已停用问答 #{faq_id}，今后不再用它答复。")])


@staff_only
async def stats(update: Update, context: Context) -> None:
    args = context.args or []
    days = int(args[0]) if args and args[0].isdigit() and 1 <= int(args[0]) <= 366 else 7
    result = await services(context).curation(lambda ops: ops.stats(days))
    await reply(update, context, staff_screens.stats_replies(result, days))
