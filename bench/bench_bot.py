"""Benchmark of the Telegram bot through the whole stack over loopback (issue: Telegram bot).

Many simulated users (default 50 × 10 messages) talk at once to the real PTB ``Application``
(built by ``build_application``, the same as ``lawbot bot run``) through the loopback fake Bot
API (tests/helpers/fake_bot_api.py, on its own thread): each user alternates a question from
tests/data/dev.jsonl with a button press on the previous answer (查看全文 / 相关条文). Reports
messages handled per second and reply latency (action → the bot's first reply message) p50/p95,
for questions and button presses, plus the machine.

By default PTB's AIORateLimiter runs with Telegram's real limits (30 messages/s overall), as in
production; ``--unthrottled`` lifts them to measure the stack alone. The per-user question limit
is off (every simulated user would hit it otherwise).

Usage: python bench/bench_bot.py --home DATA_DIR [--users 50] [--messages 10] [--unthrottled]
DATA_DIR must hold an ingested corpus (``lawbot --home DATA_DIR ingest ../shared/corpus/core``);
it is copied to a temporary directory first, so it is not changed.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DEV = REPO / "tests" / "data" / "dev.jsonl"
BUTTONS = ("📄 查看全文", "🔗 相关条文")


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                   if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30 if hasattr(os, "sysconf") else None
    import telegram

    load = [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem, 1) if mem else None,
            "load_average_1_5_15": load, "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
            "system": platform.platform(), "python": platform.python_version(),
            "python_telegram_bot": telegram.__version__}


def questions() -> list[str]:
    return [json.loads(l)["question"] for l in DEV.read_text(encoding="utf-8").splitlines() if l.strip()]


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return round(s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))] * 1000, 1) if s else 0.0


async def one_user(api, uid: int, messages: int, pool: list[str], timings: list, errors: list) -> None:
    user, last = api.user(uid), None
    for i in range(messages):
        label = next((b for b in BUTTONS if last and b in last.button_texts), None) if i % 2 else None
        started = time.perf_counter()
        try:
            if label:
                last_reply = await user.press(last, label, timeout=60)
                kind = "button"
            else:
                last_reply = await user.send_text(pool[(uid * 7 + i) % len(pool)], timeout=60)
                last = last_reply
                kind = "question"
            timings.append((kind, time.perf_counter() - started))
        except Exception as exc:  # noqa: BLE001 - counted and reported
            errors.append(f"{uid}/{i}: {type(exc).__name__}: {exc}"[:200])


async def bench(home: Path, users: int, messages: int, unthrottled: bool) -> dict:
    from telegram.ext import AIORateLimiter

    from bot.telegram.app import MAX_RETRIES, build_application
    from bot.telegram.workers import Services
    from app.config import TelegramSettings
    from kb.settings import Settings
    from tests.helpers import FakeBotApi
    from tests.helpers.fake_bot_api import polling

    from app.answering import Answering

    core_times: list[float] = []
    original_ask = Answering.ask

    def timed_ask(self, *args, **kwargs):  # time spent in the core per question (answer worker)
        started = time.perf_counter()
        try:
            return original_ask(self, *args, **kwargs)
        finally:
            core_times.append(time.perf_counter() - started)

    Answering.ask = timed_ask
    pool = questions()
    with FakeBotApi.in_thread() as api:
        settings = Settings(home=home)
        services = Services(settings)
        limiter = (AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=MAX_RETRIES)
                   if unthrottled else None)
        app = build_application(settings, services, "TEST", rate_limiter=limiter,
                                    telegram=TelegramSettings(api_base_url=api.base_url, questions_per_minute=0))
        try:
            async with polling(app):
                await api.user(1).send_text(pool[0], timeout=120)  # warm: model and index loaded
                core_times.clear()
                timings: list[tuple[str, float]] = []
                errors: list[str] = []
                started = time.perf_counter()
                await asyncio.gather(*(one_user(api, 1000 + u, messages, pool, timings, errors)
                                       for u in range(users)))
                elapsed = time.perf_counter() - started
        finally:
            await asyncio.to_thread(services.close)
        rejected = [c for c in api.calls() if not c.ok and c.method != "getUpdates"]
    by = {k: [t for kind, t in timings if kind == k] for k in ("question", "button")}
    every = [t for _, t in timings]
    return {
        "config": {"users": users, "messages_per_user": messages,
                   "rate_limiter": "unthrottled" if unthrottled else "telegram (30 msg/s overall)"},
        "messages": len(timings), "errors": len(errors), "error_samples": errors[:3],
        "bot_api_calls_rejected": len(rejected),
        "seconds": round(elapsed, 2),
        "messages_per_second": round(len(timings) / elapsed, 1) if elapsed else 0.0,
        "latency_ms": {"p50": pct(every, 50), "p95": pct(every, 95), "max": pct(every, 100),
                       "question_p50": pct(by["question"], 50), "question_p95": pct(by["question"], 95),
                       "button_p50": pct(by["button"], 50), "button_p95": pct(by["button"], 95)},
        "core_answer_ms": {"p50": pct(core_times, 50), "p95": pct(core_times, 95),
                           "busy_share": round(sum(core_times) / elapsed, 2) if elapsed else 0.0},
        "counts": {k: len(v) for k, v in by.items()},
    }


def main() -> None:
    from bot.telegram.run import prepare_process

    prepare_process()  # as `lawbot bot run` does, before the model loads
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True, type=Path, help="An ingested lawbot data directory (copied).")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--unthrottled", action="store_true", help="Lift Telegram's 30 msg/s limit.")
    args = parser.parse_args()
    import logging

    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bench-bot-") as tmp:
        home = Path(tmp) / "home"
        shutil.copytree(args.home, home)
        result = asyncio.run(bench(home, args.users, args.messages, args.unthrottled))
    print(json.dumps({"machine": machine(), **result}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
