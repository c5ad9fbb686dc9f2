"""Students and campaigns: /join CODE (or the deep link ``/start CODE``), the registration
conversation, the campaign menu (正式答题 / 练习 / 我的排名) and /rank.

The conversation's state is the engine's registration draft in quiz.db, so a restart in the
middle of it loses nothing; the handler for free text runs before the citizens' question handler
and only takes messages from someone with a draft. Whether a user has one is cached in memory
(only this process writes drafts), so ordinary questions do not queue on the quiz worker.
The student number is never saved in a draft: it is the last answer and goes straight to
``engine.register``, which keeps only a salted hash.
"""
from __future__ import annotations

import re
import unicodedata
from collections import OrderedDict

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.telegram import callbacks as cb
from bot.telegram import quiz_render as qr
from bot.telegram import texts
from bot.telegram.common import Context, answer_query, reply, send, services, settings, user_ref
from bot.telegram.quiz import runner, start_round
from bot.telegram.render import Reply, esc
from quizzes.engine import REGISTRATION_FIELDS, Campaign
from quizzes.errors import NotFound, QuizError
from quizzes.rules import FIELD_LIMITS

LIMITS = FIELD_LIMITS  # one table for every channel (quizzes.rules), enforced again by the engine
_STUDENT_NO = re.compile(r"^[A-Za-z0-9_-]+$")


class DraftCache:
    """user_ref -> has a registration draft; unknown users are looked up once."""

    def __init__(self, limit: int = 100_000):
        self.limit = limit
        self._known: OrderedDict[str, bool] = OrderedDict()

    def get(self, ref: str) -> bool | None:
        return self._known.get(ref)

    def set(self, ref: str, drafting: bool) -> None:
        self._known[ref] = drafting
        self._known.move_to_end(ref)
        while len(self._known) > self.limit:
            self._known.popitem(last=False)


def drafts(context: Context) -> DraftCache:
    return context.application.bot_data["drafts"]


# ---- the fields (pure) -----------------------------------------------------------------------

def fields_of(c: Campaign) -> list[str]:
    """Name and school always; then the optional fields this campaign asks for, in order."""
    return ["name", "school"] + [f for f in REGISTRATION_FIELDS if f in (c.fields or {})]


def next_field(c: Campaign, data: dict) -> str | None:
    return next((f for f in fields_of(c) if f not in data), None)


def is_required(c: Campaign, field: str) -> bool:
    return field in ("name", "school") or bool((c.fields or {}).get(field, False))


def clean(field: str, text: str) -> tuple[str, str | None]:
    """(value, None) or ("", a polite Chinese reason)."""
    value = " ".join(unicodedata.normalize("NFKC", text).split())
    if field == "student_no":
        value = value.replace(" ", "")
        if value and not _STUDENT_NO.match(value):
            return "", "学号只能包含字母和数字，请重新输入。"
    low, high = LIMITS[field]
    label = qr.FIELD_LABELS[field]
    if not low <= len(value) <= high:
        return "", f"{label}应为 {low}–{high} 个字，请重新输入。"
    if any(unicodedata.category(ch)[0] == "C" for ch in value):
        return "", f"{label}中有无法识别的字符，请重新输入。"
    return value, None


def again(error: str, question: Reply) -> Reply:
    """A refused answer: the reason, then the same question again, in one message."""
    return Reply(f"{esc(error)}\n\n{question.text}", question.keyboard)


def prompt(c: Campaign, field: str) -> Reply:
    order = fields_of(c)
    return qr.field_prompt(c, field, order.index(field) + 1, len(order))


# ---- handlers --------------------------------------------------------------------------------

async def join(update: Update, context: Context) -> None:
    """/join CODE: the campaign menu when registered, else the first registration question."""
    if not context.args:
        await reply(update, context, texts.JOIN_USAGE)
        return
    code, ref = context.args[0], user_ref(update)
    try:
        campaign, reg = await services(context).quiz(lambda ops: ops.campaign_for_join(code, ref))
    except NotFound:
        await reply(update, context, texts.JOIN_UNKNOWN.format(code=esc(code.upper())))
        return
    now = services(context).clock()
    if reg is not None:
        await reply(update, context, [qr.menu_reply(campaign, reg, settings(context).timezone, now)])
        return
    if now >= campaign.ends_at:
        await reply(update, context, texts.JOIN_ENDED.format(name=esc(campaign.name)))
        return
    if now < campaign.starts_at:  # registration opens with the campaign
        when = qr.local(campaign.starts_at, settings(context).timezone)
        await reply(update, context, texts.JOIN_NOT_YET.format(name=esc(campaign.name), when=when))
        return
    await services(context).quiz(lambda ops: ops.save_draft(ref, campaign.id, {}))
    drafts(context).set(ref, True)
    await reply(update, context, [prompt(campaign, "name")])


async def join_deep_link(update: Update, context: Context) -> None:
    """``t.me/<bot>?start=CODE`` arrives as ``/start CODE``: the same as /join CODE."""
    await join(update, context)
    raise ApplicationHandlerStop


async def registration_text(update: Update, context: Context) -> None:
    """A text from someone registering is the answer to the current question."""
    ref = user_ref(update)
    if drafts(context).get(ref) is False:
        return
    found = await services(context).quiz(lambda ops: ops.draft(ref))
    drafts(context).set(ref, found is not None)
    if found is None:
        return
    campaign, data = found
    field = next_field(campaign, data)
    if field is None:  # everything but the registration itself was given before a restart
        await _complete(update, context, campaign, data)
    else:
        text = update.effective_message.text or ""
        if text.strip() in ("跳过", "略过") and not is_required(campaign, field):
            value, error = "", None
        else:
            value, error = clean(field, text)
        if error:
            await reply(update, context, [again(error, prompt(campaign, field))])
        else:
            await _take(update, context, campaign, data, field, value)
    raise ApplicationHandlerStop


async def skip(update: Update, context: Context) -> None:
    query = update.callback_query
    campaign_id, field = cb.QUIZ_SKIP.match(query.data).groups()
    ref = user_ref(update)
    found = await services(context).quiz(lambda ops: ops.draft(ref))
    if (found is None or found[0].id != int(campaign_id) or next_field(*found) != field
            or is_required(found[0], field)):
        await answer_query(query, texts.BUTTON_EXPIRED, alert=True)
        return
    await answer_query(query)
    await _take(update, context, found[0], found[1], field, "")


async def _take(update: Update, context: Context, campaign: Campaign, data: dict, field: str,
                value: str) -> None:
    data = {**data, field: value}
    following = next_field(campaign, data)
    if following is None:
        await _complete(update, context, campaign, data)
        return
    ref = user_ref(update)
    kept = {k: v for k, v in data.items() if k != "student_no"}  # never stored in clear
    await services(context).quiz(lambda ops: ops.save_draft(ref, campaign.id, kept))
    await reply(update, context, [prompt(campaign, following)])


async def _complete(update: Update, context: Context, campaign: Campaign, data: dict) -> None:
    ref = user_ref(update)

    def register(ops):
        try:
            return ops.register(ref, campaign.id, data), None, False
        except QuizError as exc:
            return None, str(exc), ops.engine.draft(ref) is not None

    reg, error, still = await services(context).quiz(register)
    drafts(context).set(ref, still)
    if reg is None:
        kept = {k: v for k, v in data.items() if k != "student_no"}
        field = next_field(campaign, kept) if still else None
        await reply(update, context, [again(error, prompt(campaign, field)) if field else Reply(esc(error))])
        return
    now = services(context).clock()
    await reply(update, context, [qr.menu_reply(campaign, reg, settings(context).timezone, now,
                                                note=texts.JOIN_DONE)])


async def menu(update: Update, context: Context) -> None:
    """The campaign menu's buttons: 开始正式答题, 练习, 我的排名."""
    query = update.callback_query
    campaign_id, action = cb.QUIZ_MENU.match(query.data).groups()
    campaign_id, ref, chat_id = int(campaign_id), user_ref(update), update.effective_chat.id
    if action == "r":
        standing = await services(context).quiz(lambda ops: ops.standing(campaign_id, ref))
        await answer_query(query)
        await send(context, chat_id, [_standing(standing)])
        return
    try:
        if action == "s":
            attempt, step, dropped = await services(context).quiz(
                lambda ops: ops.start_scored(campaign_id, ref, chat_id))
            if dropped is not None:
                runner(context).disarm(dropped)
        else:
            attempt, step = await services(context).quiz(
                lambda ops: ops.start_practice(ref, chat_id, campaign_id=campaign_id))
    except QuizError as exc:
        await answer_query(query)
        await send(context, chat_id, [Reply(esc(str(exc)))])
        return
    await answer_query(query)
    intro = (texts.QUIZ_SCORED_INTRO if attempt.kind == "scored" else texts.QUIZ_INTRO).format(
        count=attempt.question_count, seconds=attempt.seconds_per_question)
    await start_round(context, chat_id, step, intro, attempt.kind)


def _standing(s) -> Reply:
    return qr.standing_reply(s.campaign, s.row, s.ranked, s.top, s.registration is not None)


async def rank(update: Update, context: Context) -> None:
    """/rank [CODE]: the participant's standing and the top 10 of their latest campaign."""
    ref, code = user_ref(update), (context.args or [None])[0]

    def look(ops):
        if code:
            return ops.standing(ops.campaign(code).id, ref)
        mine = ops.my_campaigns(ref)
        return ops.standing(mine[0][0].id, ref) if mine else None

    try:
        standing = await services(context).quiz(look)
    except NotFound:
        await reply(update, context, texts.JOIN_UNKNOWN.format(code=esc(code.upper())))
        return
    if standing is None:
        await reply(update, context, texts.RANK_NONE)
        return
    await reply(update, context, [_standing(standing)])
