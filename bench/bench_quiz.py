"""Benchmark of a quiz campaign through the whole bot stack over loopback (issue #5).

N simulated students (default 2,000) take a scored round of 10 questions at once, ``--concurrency``
of them at a time (default 200), against the real PTB ``Application`` (``build_application``, as
``lawbot bot run``) and a real ``quiz.db``, through the loopback fake Bot API
(tests/helpers/fake_bot_api.py) on its own thread. They are registered through the engine
beforehand (``--register-via-bot``: through the /join conversation instead); each sends
``/join CODE``, presses 开始正式答题, and answers every question with a button press (right with
probability ``--accuracy``; multi-answer questions with a toggle then 提交), waiting for the next
question as a person would. Passing rounds get their certificate photo, as in production.

Reports answers per second, the handling latency of an answer (callback query injected → the
bot's answerCallbackQuery, which it sends only after the answer is committed) p50/p95/max, and
checks: every answer the bot acknowledged is in ``answers`` exactly once with the choice the
student made (N × 10 rows), no timeouts, ``PRAGMA integrity_check`` = ok, and the engine's
leaderboard equals one recomputed from the raw answers. Medians over ``--repeats`` runs.

By default Telegram's flood limit is lifted (``--telegram-limits`` applies PTB's AIORateLimiter
with Telegram's 30 messages/s overall, as in production: it then bounds the whole campaign).

Usage: python bench/bench_quiz.py [--participants 2000] [--concurrency 200] [--repeats 1]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_bot import machine, pct  # noqa: E402
from tests.helpers.fake_bot_api import FakeBotApi, polling  # noqa: E402

CODE = "BENCH"
QUESTIONS = 10
_QA = re.compile(r"^qa:(\d+):(\d+):(\d+)$")


class BenchApi(FakeBotApi):
    """The fake Bot API with per-chat reply queues and callback-answer timestamps, so thousands
    of students can wait without every state change waking all of them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.inbox: dict[int, asyncio.Queue] = {}
        self.answered: dict[str, tuple[float, dict]] = {}
        self.answer_waiters: dict[str, asyncio.Future] = {}

    def box(self, chat_id: int) -> asyncio.Queue:
        return self.inbox.setdefault(chat_id, asyncio.Queue())

    def _log_reply(self, method, chat, message, params):
        result = super()._log_reply(method, chat, message, params)
        self.box(chat.user.id).put_nowait((method, self._replies[-1].message))
        return result

    async def _answer_callback_query(self, params):
        result = await super()._answer_callback_query(params)
        qid = str(params.get("callback_query_id"))
        self.answered[qid] = (time.perf_counter(), params)
        waiter = self.answer_waiters.pop(qid, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(params)
        return result


class Student:
    def __init__(self, api: BenchApi, uid: int, rng: random.Random, accuracy: float, db_path: Path):
        self.api, self.uid, self.rng, self.accuracy, self.db_path = api, uid, rng, accuracy, db_path
        self.user = api.user(uid, first_name=f"学生{uid}")
        self.latencies: list[float] = []
        self.choices: dict[int, tuple[int, ...]] = {}  # position -> options chosen (question indexes)
        self.acks: dict[int, str] = {}
        self.attempt_id: int | None = None
        self.result_text = ""

    async def reply(self, timeout: float = 120.0) -> tuple[str, dict]:
        return await asyncio.wait_for(self.api.box(self.uid).get(), timeout)

    async def until(self, predicate, timeout: float = 120.0) -> dict:
        while True:
            method, message = await self.reply(timeout)
            if predicate(method, message):
                return message

    async def send(self, text: str) -> None:
        content = {"text": text}
        if text.startswith("/"):
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        message = self.user._new_message(**content)
        await self.api._enqueue({"message": message})

    async def press(self, message: dict, data: str) -> dict:
        """Inject a callback query; returns the bot's answerCallbackQuery parameters."""
        qid = str(next(self.api._ids))
        self.api._callback_queries[qid] = False
        waiter = asyncio.get_running_loop().create_future()
        self.api.answer_waiters[qid] = waiter
        update = {"callback_query": {"id": qid, "from": self.user.to_dict(), "message": message,
                                     "chat_instance": f"ci-{self.uid}", "data": data}}
        started = time.perf_counter()
        await self.api._enqueue(update)
        params = await asyncio.wait_for(waiter, 120)
        self.last_latency = self.api.answered[qid][0] - started
        return params

    def items(self) -> dict[int, tuple[list[int], list[int]]]:
        """What this student knows (the shown order and the right options), read once."""
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=30)
        try:
            rows = conn.execute("SELECT position, question, option_order FROM attempt_items WHERE attempt_id=?",
                                (self.attempt_id,)).fetchall()
        finally:
            conn.close()
        return {pos: (json.loads(order), json.loads(q)["correct"]) for pos, q, order in rows}

    async def register(self) -> None:
        await self.send(f"/join {CODE}")
        await self.until(lambda m, msg: "姓名" in msg.get("text", ""))
        for text in (f"学生{self.uid}", f"第{self.uid % 20}大学"):
            await self.send(text)
            await self.reply()

    async def take_round(self, campaign_id: int) -> None:
        await self.send(f"/join {CODE}")
        menu = await self.until(lambda m, msg: "开始正式答题" in json.dumps(msg.get("reply_markup", {}),
                                                                         ensure_ascii=False))
        await self.press(menu, f"qj:{campaign_id}:s")
        question = await self.until(lambda m, msg: m == "sendMessage" and "第 1/" in msg.get("text", ""))
        known = None
        for _ in range(QUESTIONS):
            datas = [b["callback_data"] for row in question["reply_markup"]["inline_keyboard"] for b in row]
            att, pos = (int(x) for x in re.match(r"^q[at]:(\d+):(\d+):", datas[0]).groups())
            if known is None:
                self.attempt_id = att
                known = self.items()
            order, correct = known[pos]
            right = self.rng.random() < self.accuracy
            if right:
                chosen = sorted(order.index(i) for i in correct)
            else:
                chosen = [next(s for s in range(len(order)) if order[s] not in correct)]
            toggles = [d for d in datas if d.startswith("qt:")]
            if toggles:  # multi-answer: toggle the options, then 提交
                current = question
                for s in chosen:
                    marks = [b["callback_data"] for row in current["reply_markup"]["inline_keyboard"]
                             for b in row if b["callback_data"].startswith("qt:")]
                    await self.press(current, marks[s])
                    current = await self.until(lambda m, msg: m == "editMessageReplyMarkup")
                data = f"qa:{att}:{pos}:{sum(1 << s for s in chosen)}"
                params = await self.press(current, data)
            else:
                params = await self.press(question, f"qa:{att}:{pos}:{1 << chosen[0]}")
            self.latencies.append(self.last_latency)
            self.acks[pos] = params.get("text") or ""
            self.choices[pos] = tuple(sorted(order[s] for s in chosen))
            nxt = await self.until(lambda m, msg: m == "sendMessage")
            if "结束" in nxt.get("text", "") and "得分" in nxt.get("text", ""):
                self.result_text = nxt["text"]
                break
            question = nxt


def prepare(home: Path, participants: int, first_uid: int, via_bot: bool, seed: int) -> int:
    from quizzes.bank import load_bank
    from quizzes.engine import CampaignSpec, QuizEngine

    eng = QuizEngine(home / "quiz.db", load_bank().questions, seed=seed)
    try:
        now = time.time()
        c = eng.create_campaign(CampaignSpec(code=CODE, name="压测活动", starts_at=now - 60, ends_at=now + 86400,
                                             question_count=QUESTIONS, seconds_per_question=30, pass_mark=6))
        if not via_bot:
            for i in range(participants):
                uid = first_uid + i
                eng.register(c.id, str(uid), name=f"学生{uid}", school=f"第{uid % 20}大学")
        return c.id
    finally:
        eng.close()


def verify(db_path: Path, students: list[Student], campaign_id: int) -> dict:
    from quizzes.engine import QuizEngine

    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute("SELECT a.attempt_id, a.position, a.outcome, a.choice, t.user_ref FROM answers a"
                            " JOIN attempts t ON t.id=a.attempt_id WHERE t.kind='scored'").fetchall()
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        outcomes = dict(conn.execute("SELECT outcome, count(*) FROM answers GROUP BY outcome").fetchall())
        open_left = conn.execute("SELECT count(*) FROM attempts WHERE status='open'").fetchone()[0]
        recomputed = conn.execute(
            "SELECT r.id, SUM(a.correct), SUM(a.latency_ms), t.finished_at FROM attempts t"
            " JOIN registrations r ON r.id=t.registration_id JOIN answers a ON a.attempt_id=t.id"
            " WHERE t.campaign_id=? AND t.kind='scored' AND t.status='finished' GROUP BY t.id",
            (campaign_id,)).fetchall()
    finally:
        conn.close()
    by_key = {(r[0], r[1]): r for r in rows}
    unique = len(by_key) == len(rows)
    acknowledged = sum(len(s.acks) for s in students)
    mismatched = 0
    for s in students:
        for pos, chosen in s.choices.items():
            row = by_key.get((s.attempt_id, pos))
            if row is None or row[2] != "answered" or tuple(sorted(json.loads(row[3]))) != chosen:
                mismatched += 1
    recomputed.sort(key=lambda r: (-r[1], r[2], r[3]))
    eng = QuizEngine(db_path)
    try:
        board = eng.ranking(campaign_id)
    finally:
        eng.close()
    same_board = [(r.registration_id, r.score, r.elapsed_ms) for r in board] == \
                 [(r[0], r[1], r[2]) for r in recomputed]
    results = sum(1 for s in students if s.result_text)
    return {"answers_rows": len(rows), "answers_unique": unique, "acknowledged": acknowledged,
            "acknowledged_but_missing_or_different": mismatched, "outcomes": outcomes,
            "rounds_finished": results, "attempts_left_open": open_left, "integrity_check": integrity,
            "leaderboard_equals_recomputation": same_board, "ranked": len(board)}


async def run_once(participants: int, concurrency: int, accuracy: float, via_bot: bool,
                   telegram_limits: bool, seed: int) -> dict:
    from telegram.ext import AIORateLimiter

    from bot.telegram.app import MAX_RETRIES, build_application
    from bot.telegram.workers import Services
    from app.config import TelegramSettings
    from kb.settings import Settings

    first_uid = 100_000
    with tempfile.TemporaryDirectory(prefix="bench-quiz-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        campaign_id = prepare(home, participants, first_uid, via_bot, seed)
        rng = random.Random(seed)
        with BenchApi.in_thread() as api:
            settings = Settings(home=home)
            services = Services(settings)
            limiter = None if telegram_limits else AIORateLimiter(overall_max_rate=0, group_max_rate=0,
                                                                  max_retries=MAX_RETRIES)
            app = build_application(settings, services, "TEST", rate_limiter=limiter,
                                    telegram=TelegramSettings(api_base_url=api.base_url, questions_per_minute=0))
            students = [Student(api, first_uid + i, random.Random(rng.random()), accuracy, home / "quiz.db")
                        for i in range(participants)]
            failures: list[str] = []

            async def drive() -> float:
                slots = asyncio.Semaphore(concurrency)

                async def one(s: Student) -> None:
                    async with slots:
                        try:
                            if via_bot:
                                await s.register()
                            await s.take_round(campaign_id)
                        except Exception as exc:  # noqa: BLE001 - counted and reported
                            failures.append(f"{s.uid}: {type(exc).__name__}: {exc}"[:200])

                started = time.perf_counter()
                await asyncio.gather(*(one(s) for s in students))
                return time.perf_counter() - started

            try:
                async with polling(app):
                    elapsed = await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(drive(), api._loop))
                    # certificates still being drawn/sent after the last answer
                    await asyncio.sleep(0.5)
            finally:
                await asyncio.to_thread(services.close)
            rejected = [c for c in api.calls() if not c.ok and c.method != "getUpdates"]
            photos = len(api.calls("sendPhoto"))
        checks = verify(home / "quiz.db", students, campaign_id)
    latencies = [t for s in students for t in s.latencies]
    answers = len(latencies)
    return {"participants": participants, "answers": answers, "seconds": round(elapsed, 2),
            "answers_per_second": round(answers / elapsed, 1) if elapsed else 0.0,
            "latency_ms": {"p50": pct(latencies, 50), "p95": pct(latencies, 95), "max": pct(latencies, 100)},
            "certificates_sent": photos, "errors": len(failures), "error_samples": failures[:3],
            "bot_api_calls_rejected": len(rejected), "checks": checks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--accuracy", type=float, default=0.7, help="Share of answers that are right.")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--register-via-bot", action="store_true",
                        help="Register every student through the /join conversation first.")
    parser.add_argument("--telegram-limits", action="store_true",
                        help="Keep Telegram's 30 messages/s overall limit (production setting).")
    parser.add_argument("--seed", type=int, default=65)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    runs = [asyncio.run(run_once(args.participants, args.concurrency, args.accuracy, args.register_via_bot,
                                 args.telegram_limits, args.seed + i)) for i in range(args.repeats)]

    def median(path):
        values = [r for r in runs]
        for key in path:
            values = [v[key] for v in values]
        return statistics.median(values)

    summary = {"answers_per_second": median(["answers_per_second"]),
               "latency_ms_p50": median(["latency_ms", "p50"]), "latency_ms_p95": median(["latency_ms", "p95"]),
               "seconds": median(["seconds"])}
    ok = all(r["checks"]["answers_rows"] == r["participants"] * QUESTIONS
             and r["checks"]["answers_unique"] and r["checks"]["acknowledged_but_missing_or_different"] == 0
             and r["checks"]["integrity_check"] == "ok" and r["checks"]["leaderboard_equals_recomputation"]
             and r["errors"] == 0 for r in runs)
    config = {"participants": args.participants, "concurrency": args.concurrency, "accuracy": args.accuracy,
              "repeats": args.repeats, "registration": "bot" if args.register_via_bot else "engine",
              "rate_limiter": "telegram (30 msg/s overall)" if args.telegram_limits else "unthrottled"}
    print(json.dumps({"machine": machine(), "config": config, "median": summary, "all_checks_pass": ok,
                      "runs": runs}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
