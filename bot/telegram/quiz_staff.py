"""Organisers' quiz commands (allow-listed staff only, every action logged):
/campaigns, /ranking CODE, /export CODE (CSV + XLSX) and /newcampaign from one message.

``/newcampaign 代码 | 名称 | 开始 | 结束 | 题数 10 | 每题 30 秒 | 及格 6`` — the four first parts
are positional, the rest are "key value" parts in any order, all optional (defaults: 10
questions, 30 s each, pass mark 6, one scored attempt, no practice): 正式 N 次, 练习 N 次,
必填 学院 班级 学号, 选填 …, 标签 警报 历史 (the bank's topics, in Chinese or as tags),
主办 名称. Times are local ("2027-06-01 08:00"; a date
alone means the start or the end of that day). The parser and the limits are the application
layer's (:mod:`app.campaigns`), shared with ``lawbot campaign create``.
"""
from __future__ import annotations

import logging

from telegram import InputFile, Update

from app.campaigns import SpecError, parse_campaign_message
from bot.telegram import quiz_render as qr
from bot.telegram import texts
from bot.telegram.common import Context, reply, services, settings, user_ref
from bot.telegram.render import esc, replies
from bot.telegram.staff import staff_only
from quizzes.errors import NotFound, QuizError

log = logging.getLogger(__name__)

@staff_only
async def campaigns(update: Update, context: Context) -> None:
    summaries = await services(context).quiz(lambda ops: ops.summaries())
    log.info("staff %s listed campaigns", user_ref(update))
    if not summaries:
        await reply(update, context, texts.CAMPAIGNS_NONE)
        return
    tz, now = settings(context).timezone, services(context).clock()
    blocks = [f"<b>📋 知识竞赛活动</b>（共 {len(summaries)} 项）"]
    for s in summaries[:30]:
        c = s.campaign
        blocks.append(f"<b>{esc(c.code)}</b> {esc(c.name)}（{qr.phase(c, now)}）\n"
                      f"　{qr.window(c, tz)}\n　报名 {s.registered} 人，完成正式答题 {s.finished} 人，"
                      f"及格 {s.passed} 人")
    blocks.append("查看排名：/ranking 代码　导出成绩：/export 代码")
    await reply(update, context, replies(blocks))


def _code(context: Context) -> str | None:
    return context.args[0].strip().upper() if context.args else None


@staff_only
async def ranking(update: Update, context: Context) -> None:
    code = _code(context)
    if not code:
        await reply(update, context, "用法：<code>/ranking 活动代码</code>")
        return
    try:
        campaign, top, ranked, schools = await services(context).quiz(lambda ops: ops.rankings(code))
    except NotFound:
        await reply(update, context, texts.JOIN_UNKNOWN.format(code=esc(code)))
        return
    log.info("staff %s viewed the ranking of %s", user_ref(update), campaign.code)
    await reply(update, context, qr.staff_ranking_replies(campaign, top, ranked, schools, settings(context).timezone))


@staff_only
async def export(update: Update, context: Context) -> None:
    code = _code(context)
    if not code:
        await reply(update, context, "用法：<code>/export 活动代码</code>")
        return
    try:
        campaign, rows, files = await services(context).quiz(lambda ops: ops.export(code))
    except NotFound:
        await reply(update, context, texts.JOIN_UNKNOWN.format(code=esc(code)))
        return
    log.info("staff %s exported campaign %s (%d rows)", user_ref(update), campaign.code, rows)
    chat_id = update.effective_chat.id
    for name, data in files:
        await context.bot.send_document(chat_id, InputFile(data, filename=name),
                                        caption=f"{esc(campaign.name)}：{rows} 条成绩")


@staff_only
async def new_campaign(update: Update, context: Context) -> None:
    text = (update.effective_message.text or "").split(maxsplit=1)
    if len(text) < 2:
        await reply(update, context, texts.NEWCAMPAIGN_USAGE)
        return
    ref, tz = user_ref(update), settings(context).timezone
    try:
        spec = parse_campaign_message(text[1], tz, created_by=f"telegram:{ref}")
        campaign = await services(context).quiz(lambda ops: ops.create_campaign(spec))
    except (SpecError, QuizError) as exc:
        await reply(update, context, f"{esc(str(exc))}\n\n{texts.NEWCAMPAIGN_USAGE}")
        return
    log.info("staff %s created campaign %s (%s)", ref, campaign.code, campaign.name)
    fields = "、".join(qr.FIELD_LABELS[f] + ("" if required else "（选填）")
                      for f, required in campaign.fields.items()) or "无"
    lines = [f"✅ 已创建活动 <b>{esc(campaign.code)}</b>：{esc(campaign.name)}",
             f"时间：{qr.window(campaign, tz)}",
             f"{campaign.question_count} 题，每题 {campaign.seconds_per_question} 秒，及格 {campaign.pass_mark} 题；"
             f"正式答题 {campaign.scored_attempts} 次，练习 {campaign.practice_attempts} 次",
             f"另需登记：{fields}",
             f"学生报名：发送 <code>/join {esc(campaign.code)}</code>"]
    username = context.bot.username if context.bot else None
    if username:
        lines.append(f"或打开链接 https://t.me/{esc(username)}?start={esc(campaign.code)}")
    await reply(update, context, "\n".join(lines))
