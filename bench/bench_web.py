"""Benchmark of the web channel over HTTP on loopback against the same answers in-process.

Simulated citizens (20 and 100 at once by default) each ask questions from tests/data/dev.jsonl
through ``POST /api/ask`` of a real ``lawbot web run`` (uvicorn, one worker process, real model,
real corpus). The baseline, in the same run and on the same machine, is the same work without
HTTP: the web's own application-layer workers (:class:`web.services.WebServices`) driven
in-process by the same number of concurrent tasks — so the difference is what HTTP, uvicorn,
FastAPI, the middleware and the JSON view add. Rounds alternate between the two; reports
answers/s and latency p50/p95 for both, medians over ``--repeats`` rounds, and the machine's load.

The per-client question limit is off for the run (every simulated citizen shares one address).

Usage: python bench/bench_web.py --home DATA_DIR [--clients 20,100] [--questions 5] [--repeats 3]
       python bench/bench_web.py --home DATA_DIR --greeting   # 你好 only: the HTTP layer's own cost
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
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("OMP_NUM_THREADS", "1")  # as `lawbot web run` sets for its workers
DEV = REPO / "tests" / "data" / "dev.jsonl"


def machine() -> dict:
    cpu = platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(), "omp_num_threads": os.environ.get("OMP_NUM_THREADS")}


def questions() -> list[str]:
    return [json.loads(line)["question"] for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return round(s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))] * 1000, 1) if s else 0.0


async def drive(call, clients: int, per_client: int, pool: list[str]) -> dict:
    """``clients`` concurrent citizens, each asking ``per_client`` questions one after another."""
    timings: list[float] = []
    errors: list[str] = []

    async def citizen(cid: int) -> None:
        for i in range(per_client):
            question = pool[(cid * 7 + i) % len(pool)]
            started = time.perf_counter()
            try:
                await call(question, cid)
                timings.append(time.perf_counter() - started)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                errors.append(f"{type(exc).__name__}: {exc}"[:200])

    started = time.perf_counter()
    await asyncio.gather(*(citizen(c) for c in range(clients)))
    wall = time.perf_counter() - started
    return {"answers": len(timings), "errors": len(errors), "answers_per_s": round(len(timings) / wall, 2),
            "p50_ms": pct(timings, 50), "p95_ms": pct(timings, 95), "first_errors": errors[:3]}


def median_of(runs: list[dict]) -> dict:
    keys = ("answers_per_s", "p50_ms", "p95_ms")
    return {**{k: round(statistics.median(r[k] for r in runs), 1) for k in keys},
            "answers": sum(r["answers"] for r in runs), "errors": sum(r["errors"] for r in runs),
            "runs": [{k: r[k] for k in keys} for r in runs], "first_errors": runs[0]["first_errors"]}


async def compare(url: str, home: Path, levels: list[int], per_client: int, repeats: int,
                  pool: list[str]) -> dict:
    """Rounds alternate between HTTP and in-process at each level, so drifting machine load
    (other processes) falls on both sides alike; medians over the rounds."""
    import httpx

    from app.config import load_settings
    from bot.web.services import WebServices

    services = WebServices(load_settings(home))
    await services.warm_up()

    async def direct(question: str, cid: int):
        reply = await services.ask(question, f"bench:{cid}")
        assert reply.answer.kind

    out = {}
    try:
        for clients in levels:
            limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
            async with httpx.AsyncClient(base_url=url, limits=limits, timeout=300) as http:
                async def over_http(question: str, cid: int):
                    r = await http.post("/api/ask", json={"question": question, "user": f"bench{cid}"})
                    r.raise_for_status()
                    assert r.json()["kind"]

                await drive(over_http, 1, 5, pool)  # warm the connections and the server
                await drive(direct, 1, 5, pool)
                rounds = {"in_process": [], "http": []}
                for _ in range(repeats):
                    rounds["http"].append(await drive(over_http, clients, per_client, pool))
                    rounds["in_process"].append(await drive(direct, clients, per_client, pool))
            out[clients] = {k: median_of(v) for k, v in rounds.items()}
    finally:
        services.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", required=True, type=Path)
    parser.add_argument("--clients", default="1,20,100", help="concurrency levels, comma-separated")
    parser.add_argument("--questions", type=int, default=5, help="questions per simulated citizen")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--greeting", action="store_true",
                        help="ask only 你好 (answered by rule, no retrieval): isolates what HTTP adds")
    args = parser.parse_args()
    levels = [int(x) for x in args.clients.split(",")]
    pool = ["你好"] if args.greeting else questions()
    from tests.helpers.web_server import web_server

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        shutil.copytree(args.home, home)
        env = {"LAWBOT_QUESTIONS_PER_MINUTE": "0", "OMP_NUM_THREADS": "1"}
        with web_server(home, env=env, log=Path(tmp) / "server.log") as url:
            results = asyncio.run(compare(url, home, levels, args.questions, args.repeats, pool))
    report = {"machine": machine(), "questions_per_client": args.questions, "repeats": args.repeats,
              "levels": {c: {**r, "http_adds_p50_ms": round(r["http"]["p50_ms"] - r["in_process"]["p50_ms"], 1)}
                         for c, r in results.items()}}
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return
    print(f"machine: {report['machine']}")
    print(f"{'clients':>7} | {'in-process ans/s':>16} {'p50 ms':>8} {'p95 ms':>8} | {'HTTP ans/s':>10} {'p50 ms':>8} "
          f"{'p95 ms':>8} | HTTP adds p50")
    for c, row in report["levels"].items():
        b, h = row["in_process"], row["http"]
        print(f"{c:>7} | {b['answers_per_s']:>16} {b['p50_ms']:>8} {b['p95_ms']:>8} | {h['answers_per_s']:>10} "
              f"{h['p50_ms']:>8} {h['p95_ms']:>8} | {row['http_adds_p50_ms']} ms"
              + (f"  (errors: {b['errors']} / {h['errors']})" if b["errors"] or h["errors"] else ""))


if __name__ == "__main__":
    main()
