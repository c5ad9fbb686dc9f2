"""Quiz rounds in the Telegram bot: /quiz, the answer buttons, deadline timers and resuming.

Why inline keyboards and not Telegram's native quiz polls
--------------------------------------------------------
The issue asks for the form that guarantees no answer is lost and deadlines hold. A quiz poll
(non-anonymous, ``open_period``) fails both:

* The client shows right/wrong the moment the participant taps, before the bot has recorded
  anything; the ``poll_answer`` update that carries the vote can arrive late, twice after a
  restart, or - when the bot was down long enough for the update to expire - never. The
  participant has then been told "correct" for an answer that counts for nothing.
* ``open_period`` is enforced by Telegram's clock, the score by ours; a vote cast in the last
  second can reach us after the deadline, and we cannot tell the participant it was refused.
  A vote also cannot be answered with a message of its own (no alert, no "already answered").

A callback query is a request the bot must answer. This module answers it only after the quiz
worker has committed the answer (``engine.answer`` returned), so "acknowledged" means
"recorded"; Telegram re-delivers an update the bot did not confirm, and the engine's primary
key turns a repeat into ``duplicate`` instead of a second row. Lateness is decided by the
server's clock in the same transaction, and a late or repeated press gets a visible alert
(已超时，本题不计分 / 这道题已经作答过了) while nothing changes. The buttons carry only
``qa:<attempt>:<position>:<mask>`` (ids and a bit set of the options as shown), so they work
after a restart and the options can be shuffled per participant. Multi-answer questions use
toggle buttons whose data carries the whole selection (stateless) plus 提交.

Concurrency: one :class:`asyncio.Lock` per attempt serialises everything that moves a round on
(an answer, the deadline timer, a resume), so an item is never presented twice; the engine's
``present`` is idempotent as a second guard. Each presented item has one timer task that calls
``engine.expire`` at the deadline (plus the engine's grace), edits the question to 超时 and
presents the next. At start-up every open attempt is resumed: an expired item is closed and
the next one sent ("机器人刚才重启过，继续答题"), a live one gets its timer back.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from telegram import Bot, InputFile, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import ApplicationHandlerStop

from bot.telegram import callbacks as cb
from bot.telegram import quiz_render as qr
from bot.telegram import render, screens, texts
from bot.telegram.common import Context, answer_query, reply, send, services, user_ref
from app.quiz import Step
from bot.telegram.workers import Services
from quizzes.engine import LATE_GRACE_S, Item, RoundResult
from quizzes.errors import QuizError

log = logging.getLogger(__name__)
TIMER_SLACK = 0.05  # fire just after the engine would call the answer late
REFUSALS = {
    "duplicate": texts.QUIZ_DUPLICATE, "late": texts.QUIZ_LATE, "closed": texts.QUIZ_CLOSED,
    "not_yours": texts.QUIZ_NOT_YOURS, "not_current": texts.QUIZ_NOT_CURRENT,
    "invalid": texts.QUIZ_INVALID, "not_found": texts.BUTTON_EXPIRED,
}


class KeyedLocks:
    """One asyncio.Lock per key, forgotten when nobody holds or waits for it."""

    def __init__(self):
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: int) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (None, 0))
        lock = lock or asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


class QuizRunner:
    """Moves rounds on: presents items, applies answers and timeouts, sends results."""

    def __init__(self, bot: Bot, services: Services):
        self.bot = bot
        self.services = services
        self.clock = services.clock
        self.locks = KeyedLocks()
        self.timers: dict[int, tuple[int, asyncio.Task]] = {}  # attempt -> (position, timer)
        self.finished: set[int] = set()  # rounds whose result this process has sent
        self.background: set[asyncio.Task] = set()
        # One certificate drawn at a time (~0.1 s of CPU each): a burst of passes must not
        # starve the event loop of the GIL while answers keep coming in.
        self.drawing = asyncio.Semaphore(1)

    # ---- presenting ----

    async def show(self, chat_id: int, item: Item, note: str = "") -> None:
        """Start the item's timer (its deadline runs from ``present``), send it (always a new
        message) and remember the message for edits and resuming."""
        self.arm(chat_id, item)
        r = qr.question_reply(item, note=note)
        message = await self.bot.send_message(chat_id, r.text, reply_markup=r.keyboard)
        att, pos, mid = item.attempt_id, item.position, message.message_id
        # The participant's time runs from delivery: a send held back by Telegram's rate limits
        # must not eat into it (the engine moves the deadline only for an unanswered item).
        stored = await self.services.quiz(
            lambda ops: ops.engine.set_message(att, pos, chat_id, mid, restart_clock=True))
        if stored is not None and stored.deadline_at > item.deadline_at:
            self.arm(chat_id, stored, force=True)

    async def apply(self, chat_id: int, step: Step, note: str = "") -> None:
        """After a step: show the current item unless it is on screen already, or the result."""
        if step.current is not None:
            if step.current.message_id is None:
                await self.show(chat_id, step.current, note)
            else:
                self.arm(chat_id, step.current)
        elif step.result is not None:
            await self.send_result(chat_id, step.result)

    def moved(self, step: Step) -> bool:
        """Whether ``step`` moved the round on just now (the next item is not on screen yet, or
        the result not sent), as opposed to finding it moved by an earlier answer or timer."""
        if step.current is not None:
            return step.current.message_id is None
        return step.result is not None and step.result.attempt_id not in self.finished

    async def feedback(self, chat_id: int, item: Item | None, outcome: str,
                       chosen: tuple[int, ...] = (), message_id: int | None = None) -> None:
        """Turn the question message into its feedback (right answer, explanation, basis)."""
        if item is None:
            return
        mid = item.message_id or message_id
        r = qr.feedback_reply(item, outcome, chosen)
        try:
            if mid is None:
                await self.bot.send_message(chat_id, r.text, reply_markup=r.keyboard)
            else:
                await self.bot.edit_message_text(r.text, chat_id, mid, reply_markup=r.keyboard)
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                log.info("quiz feedback for attempt %s/%s not shown: %s", item.attempt_id, item.position, exc)

    async def send_result(self, chat_id: int, result: RoundResult) -> None:
        if result.attempt_id in self.finished:
            return
        self.finished.add(result.attempt_id)
        self.disarm(result.attempt_id)
        cid = result.campaign_id
        campaign = await self.services.quiz(lambda ops: ops.campaign(cid)) if cid else None
        for r in qr.result_replies(result, campaign):
            await self.bot.send_message(chat_id, r.text, reply_markup=r.keyboard)
        if result.kind == "scored" and result.passed and result.certificate_code:
            await self.send_certificate(chat_id, result.attempt_id, campaign.organiser if campaign else "")

    async def send_certificate(self, chat_id: int, attempt_id: int, organiser: str = "") -> None:
        cert = await self.services.quiz(lambda ops: ops.certificate(attempt_id))
        if cert is None:
            return
        caption = qr.certificate_caption(cert.code, cert.name, cert.campaign_name)
        try:
            from quizzes.certificate import render_certificate

            # CPU work: off the event loop and off the quiz worker
            async with self.drawing:
                png = await asyncio.to_thread(render_certificate, cert, organiser=organiser,
                                              timezone=self.services.settings.timezone)
        except Exception:  # noqa: BLE001 - the result stands; the code can still be verified
            log.exception("certificate %s could not be rendered", cert.code)
            await self.bot.send_message(chat_id, caption)
            return
        name = f"证书-{cert.code}.png"
        try:
            await self.bot.send_photo(chat_id, InputFile(png, filename=name), caption=caption)
        except BadRequest as exc:  # e.g. an image Telegram will not take as a photo
            log.warning("certificate %s sent as a document: %s", cert.code, exc)
            await self.bot.send_document(chat_id, InputFile(png, filename=name), caption=caption)

    # ---- timers ----

    def arm(self, chat_id: int, item: Item, *, force: bool = False) -> None:
        """Start the timer that expires ``item`` at its deadline (once per item unless ``force``:
        the deadline moved)."""
        att, pos = item.attempt_id, item.position
        existing = self.timers.get(att)
        if existing and existing[0] == pos and not existing[1].done() and not force:
            return
        self.disarm(att)
        delay = item.deadline_at + LATE_GRACE_S + TIMER_SLACK - self.clock()
        task = asyncio.get_running_loop().create_task(self._fire(chat_id, att, pos, delay),
                                                      name=f"quiz-timer-{att}-{pos}")
        self.timers[att] = (pos, task)
        task.add_done_callback(lambda t, a=att: self._forget(a, t))

    def _forget(self, att: int, task: asyncio.Task) -> None:
        if self.timers.get(att, (None, None))[1] is task:
            del self.timers[att]

    def disarm(self, att: int, position: int | None = None) -> None:
        existing = self.timers.get(att)
        if existing is None or (position is not None and existing[0] != position):
            return
        if existing[1] is not asyncio.current_task():  # a timer never cancels itself mid-step
            existing[1].cancel()
        del self.timers[att]

    async def _fire(self, chat_id: int, att: int, pos: int, delay: float) -> None:
        try:
            while True:
                await asyncio.sleep(max(0.0, delay))
                async with self.locks.hold(att):
                    step = await self.services.quiz(lambda ops: ops.expire(att, pos))
                    if step.status == "timeout":
                        await self.feedback(chat_id, step.item, "timeout")
                        await self.apply(chat_id, step)
                        return
                    if step.status != "waiting":
                        return
                    delay = max(0.2, step.current.deadline_at + LATE_GRACE_S + TIMER_SLACK - self.clock())
        except asyncio.CancelledError:
            raise
        except Forbidden:
            log.info("quiz attempt %s: the participant has blocked the bot", att)
        except Exception:  # noqa: BLE001 - a timer must not die silently
            log.exception("quiz timer for attempt %s item %s failed", att, pos)

    # ---- start-up and shutdown ----

    def spawn(self, coro, name: str = "quiz-resume") -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self.background.add(task)
        task.add_done_callback(self.background.discard)
        return task

    async def resume_all(self) -> int:
        """Continue every round a restart interrupted; returns how many were resumed. Only rounds
        played in a Telegram chat: a web student's open round (chat 0) is the web's to show, and
        presenting it from here would start its next question's deadline behind the student's back."""
        attempts = [a for a in await self.services.quiz(lambda ops: ops.engine.open_attempts()) if a.chat_id]
        for attempt in attempts:
            try:
                await self.resume(attempt.id, attempt.chat_id)
            except Forbidden:
                log.info("quiz attempt %s not resumed: the participant has blocked the bot", attempt.id)
            except Exception:  # noqa: BLE001 - one bad round must not stop the others
                log.exception("quiz attempt %s could not be resumed", attempt.id)
        if attempts:
            log.info("resumed %d open quiz round(s)", len(attempts))
        return len(attempts)

    async def resume(self, att: int, chat_id: int) -> None:
        async with self.locks.hold(att):
            step = await self.services.quiz(lambda ops: ops.resume(att))
            if step.status == "timeout":
                await self.feedback(chat_id, step.item, "timeout")
            if step.status == "waiting" and step.current.message_id is not None:
                self.arm(chat_id, step.current)  # its buttons still work: only the timer was lost
                return
            await self.apply(chat_id, step, note=texts.QUIZ_RESUMED)

    async def close(self) -> None:
        """Cancel timers and background work (the rounds stay open in quiz.db for the next start)."""
        tasks = [t for _, t in self.timers.values()] + list(self.background)
        self.timers.clear()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def runner(context: Context) -> QuizRunner:
    return context.application.bot_data["quiz"]


async def start_round(context: Context, chat_id: int, step: Step, intro: str, kind: str) -> None:
    """Show a newly started round's first item, or the open round's current item again."""
    run = runner(context)
    att = step.current.attempt_id if step.current else step.result.attempt_id if step.result else None
    if att is None:
        return
    async with run.locks.hold(att):
        if step.status == "continue":
            note = texts.QUIZ_OPEN_SCORED if kind == "scored" else texts.QUIZ_OPEN_PRACTICE
            await run.show(chat_id, step.current, note)
        else:
            await run.apply(chat_id, step, note=intro)


# ---- handlers ----------------------------------------------------------------------------------

async def quiz_command(update: Update, context: Context) -> None:
    """/quiz: a practice round of 10 random questions."""
    ref, chat_id = user_ref(update), update.effective_chat.id
    try:
        attempt, step = await services(context).quiz(lambda ops: ops.start_practice(ref, chat_id))
    except QuizError as exc:
        await reply(update, context, render.esc(str(exc)))
        return
    intro = texts.QUIZ_INTRO.format(count=attempt.question_count, seconds=attempt.seconds_per_question)
    await start_round(context, chat_id, step, intro, attempt.kind)


async def answer(update: Update, context: Context) -> None:
    """An option (or 提交) pressed: record it, acknowledge, then show feedback and the next item."""
    query = update.callback_query
    att, pos, mask = (int(x) for x in cb.QUIZ_ANSWER.match(query.data).groups())
    shown = cb.shown_of(mask)
    if not shown:
        await answer_query(query, texts.QUIZ_PICK_ONE, alert=True)
        return
    run, ref, chat_id = runner(context), user_ref(update), update.effective_chat.id
    async with run.locks.hold(att):
        step = await services(context).quiz(lambda ops: ops.submit(att, pos, shown, ref))
        # The answer is committed: only now does the participant hear back.
        if step.status == "accepted":
            await answer_query(query, texts.QUIZ_RIGHT if step.correct else texts.QUIZ_WRONG)
        else:
            await answer_query(query, REFUSALS.get(step.status, texts.BUTTON_EXPIRED), alert=True)
        message_id = query.message.message_id if query.message else None
        if step.status == "accepted":
            run.disarm(att, pos)
            await run.feedback(chat_id, step.item, "correct" if step.correct else "wrong", shown, message_id)
            await run.apply(chat_id, step)
        elif step.status == "late" and run.moved(step):  # this press recorded the timeout
            run.disarm(att, pos)
            await run.feedback(chat_id, step.item, "timeout", (), message_id)
            await run.apply(chat_id, step)
        elif step.result is not None:  # the campaign closed during the round
            await run.send_result(chat_id, step.result)


async def toggle(update: Update, context: Context) -> None:
    """A multi-answer option pressed: redraw the buttons with the new selection (nothing stored)."""
    query = update.callback_query
    att, pos, mask = (int(x) for x in cb.QUIZ_TOGGLE.match(query.data).groups())
    item = await services(context).quiz(lambda ops: ops.engine.current(att))
    if item is None or item.position != pos:
        await answer_query(query, texts.QUIZ_DUPLICATE, alert=True)
        return
    if runner(context).clock() > item.deadline_at + LATE_GRACE_S:
        await answer_query(query, texts.QUIZ_LATE, alert=True)
        return
    await answer_query(query)
    r = qr.question_reply(item, mask=mask)
    try:
        await query.edit_message_reply_markup(reply_markup=r.keyboard)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def more(update: Update, context: Context) -> None:
    """了解更多: the articles an answered question rests on, through the answering core's store."""
    query = update.callback_query
    att, pos = (int(x) for x in cb.QUIZ_MORE.match(query.data).groups())
    item = await services(context).quiz(lambda ops: ops.answered(att, pos))
    if item is None:
        await answer_query(query, texts.QUIZ_MORE_AFTER, alert=True)
        return
    found = await services(context).library(lambda ops: ops.cited(item.question.basis))
    if not found:
        await answer_query(query, texts.QUIZ_NO_ARTICLE, alert=True)
        return
    await answer_query(query)
    for article, versions in found:
        await send(context, update.effective_chat.id, screens.article_screen(versions, article.id))


async def cancel_hook(update: Update, context: Context) -> None:
    """/cancel (before the staff handler): ends a registration in progress or a practice round."""
    ref = user_ref(update)
    kind, att = await services(context).quiz(lambda ops: ops.cancel(ref))
    if kind is None:
        return  # nothing quiz-related: the staff /cancel answers
    if kind == "draft":
        context.application.bot_data["drafts"].set(ref, False)
        await reply(update, context, texts.QUIZ_JOIN_CANCELLED)
    elif kind == "practice":
        runner(context).disarm(att)
        await reply(update, context, texts.QUIZ_PRACTICE_CANCELLED)
    else:
        await reply(update, context, texts.QUIZ_SCORED_NO_CANCEL)
    raise ApplicationHandlerStop
