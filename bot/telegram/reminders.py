"""6·5 reminders in the bot: /subscribe, /unsubscribe and the background broadcaster.

:class:`ReminderLoop` is an asyncio task started in ``post_init``: once at start-up and then
every ``interval`` seconds it asks the core whether this year's reminder is due (settings
``reminder_at`` and ``timezone``), creates the broadcast for the occasion once (with its
snapshot of subscribers) and sends what is still pending, at ``broadcast_per_second`` at most.
Each delivery is marked sent only after Telegram accepted the message; 403 (the user blocked
the bot) marks it failed and ends the subscription; 429 is waited out (PTB's AIORateLimiter
retries first, then this loop); network errors leave it pending for the next pass. A stop
cancels the loop but lets the messages in flight finish and be recorded, so a restart resumes
exactly where it stopped.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from telegram import Bot, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.telegram import texts
from app.config import TelegramSettings
from bot.telegram.common import Context, reply, services, settings, telegram_settings
from bot.telegram.workers import Services
from kb.settings import Settings
from quizzes.reminders import GRACE_S, Broadcast, due_occasion, next_occasion

log = logging.getLogger(__name__)
CHECK_INTERVAL = 30.0
BATCH = 200


def retry_seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class ReminderLoop:
    def __init__(self, bot: Bot, services: Services, settings: Settings, telegram: TelegramSettings, *,
                 interval: float = CHECK_INTERVAL):
        self.bot = bot
        self.services = services
        self.settings = settings
        self.telegram = telegram
        self.interval = interval
        self.clock = services.clock
        self._task: asyncio.Task | None = None
        self._inflight: set[asyncio.Task] = set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="reminders")

    async def stop(self) -> None:
        """Cancel the loop; deliveries already handed to Telegram finish and are recorded."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if self._inflight:
            await asyncio.gather(*self._inflight, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            try:
                await self.check()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - try again at the next check
                log.exception("6·5 reminder check failed")
            await asyncio.sleep(self.interval)

    async def check(self) -> int:
        """Start a due broadcast and send what is pending; returns messages delivered."""
        now = self.clock()
        occ = due_occasion(now, self.telegram.reminder_at, self.settings.timezone)
        if occ is not None:
            text = texts.reminder_text(occ.local.month, occ.local.day)
            created = await self.services.quiz(lambda ops: ops.reminders.start_broadcast(occ.key, text))
            if created.sent == 0 and created.failed == 0 and created.pending:
                log.info("6·5 reminder %s: %d subscriber(s)", occ.key, created.pending)
        delivered = 0
        for b in await self.services.quiz(lambda ops: ops.reminders.unfinished()):
            if now - b.created_at > GRACE_S:
                dropped = await self.services.quiz(lambda ops: ops.reminders.abandon(b.id))
                log.warning("6·5 reminder %s too late now: %d delivery(ies) dropped", b.key, dropped)
                continue
            delivered += await self.send_all(b)
        return delivered

    async def send_all(self, b: Broadcast) -> int:
        """Send in batches at the configured pace; stop the pass on a network problem."""
        gap = 1.0 / max(1, self.telegram.broadcast_per_second)
        loop = asyncio.get_running_loop()
        delivered = 0
        while True:
            batch = await self.services.quiz(lambda ops: ops.reminders.pending(b.id, BATCH))
            if not batch:
                break
            tasks = []
            next_at = loop.time()
            for chat_id in batch:
                await asyncio.sleep(max(0.0, next_at - loop.time()))
                next_at = max(next_at + gap, loop.time())
                task = loop.create_task(self._deliver(b, chat_id))
                self._inflight.add(task)
                task.add_done_callback(self._inflight.discard)
                tasks.append(task)
            # Shielded: a stop() while waiting here lets these finish and be recorded.
            outcomes = await asyncio.shield(asyncio.gather(*tasks))
            delivered += outcomes.count("sent")
            if "retry" in outcomes:
                break  # the network is unwell: the next check resumes
        if not await self.services.quiz(lambda ops: ops.reminders.pending(b.id, 1)):
            await self.services.quiz(lambda ops: ops.reminders.finish(b.id))
            done = await self.services.quiz(lambda ops: ops.reminders.broadcast(b.id))
            log.info("6·5 reminder %s finished: %d sent, %d failed", b.key, done.sent, done.failed)
        return delivered

    async def _deliver(self, b: Broadcast, chat_id: int) -> str:
        rem = lambda fn: self.services.quiz(lambda ops: fn(ops.reminders))  # noqa: E731
        while True:
            try:
                await self.bot.send_message(chat_id, b.text)
            except RetryAfter as exc:
                await asyncio.sleep(retry_seconds(exc) + 0.1)
                continue
            except Forbidden as exc:
                reason = str(exc)
                await rem(lambda r: r.mark_failed(b.id, chat_id, reason, unsubscribe=True))
                return "failed"
            except BadRequest as exc:  # chat not found, deactivated …: will not get better
                reason = str(exc)
                await rem(lambda r: r.mark_failed(b.id, chat_id, reason))
                return "failed"
            except (NetworkError, TelegramError) as exc:
                log.info("6·5 reminder to %s: %s (will retry)", chat_id, exc)
                reason = str(exc)
                await rem(lambda r: r.retry_later(b.id, chat_id, reason))
                return "retry"
            await rem(lambda r: r.mark_sent(b.id, chat_id))
            return "sent"


# ---- commands ----------------------------------------------------------------------------------

async def subscribe(update: Update, context: Context) -> None:
    chat_id, ref = update.effective_chat.id, str(update.effective_user.id)
    new = await services(context).quiz(lambda ops: ops.reminders.subscribe(chat_id, ref))
    s = settings(context)
    occ = next_occasion(services(context).clock(), telegram_settings(context).reminder_at, s.timezone)
    when = texts.local_when(occ.local, s.timezone)
    await reply(update, context, (texts.SUBSCRIBED if new else texts.ALREADY_SUBSCRIBED).format(when=when))


async def unsubscribe(update: Update, context: Context) -> None:
    chat_id = update.effective_chat.id
    ended = await services(context).quiz(lambda ops: ops.reminders.unsubscribe(chat_id))
    await reply(update, context, texts.UNSUBSCRIBED if ended else texts.NOT_SUBSCRIBED)
