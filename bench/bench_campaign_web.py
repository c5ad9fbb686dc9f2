"""Students taking a campaign over HTTP: simulated phones against a real ``lawbot web run`` on
loopback (several uvicorn workers), each a full scored round — landing, registration, start,
question, 10 answers, result — with 200 and 1,000 students at once.

Two settings per number of students (``--pace``). ``0`` is the capacity run: every student sends
its next request the moment the previous one returns (a closed loop), so the answers per second
are the most the server can take, and latency is simply students / throughput (Little's law:
1,000 students at 700 requests/s wait ~1.4 s each). ``1.0`` is a round at a (brisk) human pace:
each student pauses 0.5–1.5 s before each request and the students arrive over ``--arrive``
seconds; once all are answering, 1,000 students offer about 1,000 ÷ pace answers/s (~550 at
``--pace 1.7``) — the latency then is what a student on a phone feels at that rate.

Reports acknowledged answers per second (overall and sustained: between the 10th and 90th
percentile of acknowledgements), p50/p95/p99 latency per kind of request, the CPU the server
used per student round (from /proc: holds however busy the machine is) and the client's, then
checks the data: every answer the server acknowledged is in ``quiz.db`` exactly once (and no
answer is stored that was not acknowledged), ``PRAGMA integrity_check`` is ok, and the
leaderboard equals a recomputation from the raw answers (``QuizEngine.check``). Answers are JSON
(``Accept: application/json``) with an ``Idempotency-Key``, the option order the student was
shown, and the CSRF token. The client is a plain HTTP/1.1 client on asyncio streams (uvloop), one
keep-alive connection per student, in one process: httpx's async client cost more CPU than the
server it measured, aiohttp about half of it; the client shares the machine's cores with the
server, so the load average before each run is part of the report.

    python bench/bench_campaign_web.py --students 200,1000 --workers 2 --pace 0,1.0 --repeat 3
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path

from urllib.parse import urlencode, urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SCHOOLS = ("重庆大学", "西南大学", "重庆医科大学", "重庆邮电大学", "重庆交通大学", "西南政法大学", "四川外国语大学",
           "重庆师范大学", "重庆工商大学", "重庆理工大学", "重庆科技大学")
TIMEOUT = 120.0  # seconds for one response
RUN = uuid.uuid4().hex  # idempotency keys: this run, attempt, position (uuid4 per answer costs a syscall)
CSRF = re.compile(r'name="lawbot-csrf" content="([^"]+)"')


def make_campaign(home: Path, code: str, students: int) -> None:
    from quizzes.bank import load_bank
    from quizzes.engine import CampaignSpec, QuizEngine

    now = time.time()
    with QuizEngine(home / "quiz.db", load_bank().questions) as eng:
        eng.create_campaign(CampaignSpec(
            code=code, name="重庆市高校“6·5”防空知识竞赛（压测）", starts_at=now - 60, ends_at=now + 6 * 3600,
            question_count=10, seconds_per_question=60, pass_mark=6, organiser="重庆市国防动员办公室",
            headcounts={s: max(1, students // len(SCHOOLS)) for s in SCHOOLS}, hold_flagged=False))


class Stats:
    def __init__(self):
        self.times: dict[str, list[float]] = {}
        self.acks: list[tuple[int, int]] = []
        self.ack_times: list[float] = []
        self.retries = 0
        self.errors: list[str] = []

    def add(self, kind: str, seconds: float) -> None:
        self.times.setdefault(kind, []).append(seconds * 1000)


class Phone:
    """One student's phone: its own keep-alive HTTP/1.1 connection and cookies. A plain client on
    asyncio streams (requests as bytes, responses parsed by Content-Length or chunks): it sends
    the same requests a browser sends, at a fraction of a general client's CPU, which the
    server would otherwise share with it."""

    def __init__(self, base: str, stats: Stats, pace: float, rng: random.Random):
        parts = urlsplit(base)
        self.host, self.port, self.stats, self.cookies = parts.hostname, parts.port, stats, {}
        self.pace, self.rng, self.first = pace, rng, True
        self.reader = self.writer = None

    async def call(self, kind: str, method: str, path: str, headers: dict | None = None,
                   data: dict | None = None) -> tuple[int, dict, str]:
        if self.pace and not self.first:  # reading the page, choosing: 0.5-1.5 times the pace
            await asyncio.sleep(self.pace * self.rng.uniform(0.5, 1.5))
        self.first = False
        body = urlencode(data).encode() if data is not None else b""
        lines = [f"{method} {path} HTTP/1.1", f"host: {self.host}:{self.port}", f"content-length: {len(body)}"]
        if data is not None:
            lines.append("content-type: application/x-www-form-urlencoded")
        if self.cookies:
            lines.append("cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        request = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        t = time.perf_counter()
        for attempt in range(3):
            try:
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
                self.writer.write(request)
                status, head, text = await asyncio.wait_for(self._response(), TIMEOUT)
                break
            except (ConnectionError, asyncio.IncompleteReadError):  # a kept-alive connection the server closed
                self.close()
                if attempt == 2:
                    raise
                self.stats.retries += 1  # sent again as a phone would: same idempotency key
        for value in head.get("set-cookie", ()):
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        self.stats.add(kind, time.perf_counter() - t)
        return status, {k: v[-1] for k, v in head.items()}, text

    async def _response(self) -> tuple[int, dict[str, list[str]], str]:
        line = await self.reader.readline()
        if not line:
            raise ConnectionResetError("closed")
        status = int(line.split()[1])
        head: dict[str, list[str]] = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            head.setdefault(name.strip().lower(), []).append(value.strip())
        if head.get("transfer-encoding", [""])[-1].lower() == "chunked":
            parts = []
            while size := int((await self.reader.readline()).split(b";")[0], 16):
                parts.append(await self.reader.readexactly(size + 2))
            await self.reader.readline()
            raw = b"".join(p[:-2] for p in parts)
        else:
            raw = await self.reader.readexactly(int(head.get("content-length", ["0"])[-1]))
        if head.get("connection", [""])[-1].lower() == "close":
            self.close()
        return status, head, raw.decode("utf-8")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def student(n: int, base: str, code: str, stats: Stats, start: asyncio.Event,
                  pace: float = 0.0, arrive: float = 0.0) -> None:
    await start.wait()
    rng = random.Random(n)
    if arrive:  # students scan the QR code over ``arrive`` seconds, not all in the same millisecond
        await asyncio.sleep(arrive * rng.random())
    phone = Phone(base, stats, pace, rng)
    try:
        _, _, page = await phone.call("landing", "GET", f"/c/{code}")
        token = CSRF.search(page).group(1)
        head = {"x-csrf-token": token}
        await phone.call("register", "POST", f"/c/{code}/register", headers=head, data={
            "name": f"学生{n:05d}", "school": SCHOOLS[n % len(SCHOOLS)]})
        _, headers, _ = await phone.call("start", "POST", f"/c/{code}/start", headers=head, data={"kind": "scored"})
        play = headers["location"]
        attempt = int(play.rsplit("/", 1)[1])
        json_head = {**head, "accept": "application/json"}
        _, _, body = await phone.call("question", "GET", play, headers=json_head)
        q = json.loads(body)["question"]
        while q is not None:
            data = {"position": str(q["position"]), "order": ",".join(map(str, q["order"])), "choice": "0"}
            _, _, text = await phone.call("answer", "POST", f"{play}/answer", data=data, headers={
                **json_head, "idempotency-key": f"{RUN}-{attempt}-{q['position']}"})
            body = json.loads(text)
            if body.get("status") == "accepted":
                stats.acks.append((attempt, q["position"]))
                stats.ack_times.append(time.perf_counter())
            else:
                stats.errors.append(f"answer {body.get('status')}")
            q = body.get("next")
        _, _, page = await phone.call("result", "GET", f"/c/{code}/result/{attempt}")
        if "得分" not in page:
            stats.errors.append("result page without a score")
    except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
        stats.errors.append(f"{type(exc).__name__}: {exc}"[:200])
    finally:
        phone.close()


def server_cpu(home: Path) -> float:
    """CPU seconds used so far by the server started on ``home`` (its master and workers):
    read from /proc, so the figure holds however busy the machine is."""
    ticks, procs = os.sysconf("SC_CLK_TCK"), {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        procs[int(stat.parent.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]), cmdline)
    masters = {pid for pid, (_, _, cmd) in procs.items() if str(home).encode() in cmd and b"web" in cmd}
    return sum(t for pid, (ppid, t, _) in procs.items() if pid in masters or ppid in masters) / ticks


def sustained(times: list[float]) -> float:
    """Answers per second between the 10th and the 90th percentile of acknowledgement times:
    the rate while the round is in full swing, without the arrival ramp and the last stragglers."""
    times = sorted(times)
    if len(times) < 10:
        return 0.0
    lo, hi = times[len(times) // 10], times[len(times) * 9 // 10]
    return round((len(times) * 8 // 10) / max(hi - lo, 1e-9), 1)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 1) if values else 0.0


def verify(home: Path, code: str, stats: Stats) -> dict:
    from quizzes.engine import QuizEngine

    conn = sqlite3.connect(home / "quiz.db")
    stored = conn.execute("SELECT a.attempt_id, a.position FROM answers a JOIN attempts t ON t.id = a.attempt_id"
                          " WHERE a.outcome = 'answered'").fetchall()
    integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    conn.close()
    with QuizEngine(home / "quiz.db") as eng:
        problems = eng.check(eng.campaign(code).id)
    acked = sorted(stats.acks)
    return {"acknowledged": len(acked), "stored_answered": len(stored),
            "acknowledged_exactly_once": sorted(stored) == acked and len(set(acked)) == len(acked),
            "integrity_check": integrity, "leaderboard_equals_recomputation": problems == [],
            "check_problems": problems[:5]}


async def run_round(base: str, home: Path, code: str, students: int, pace: float = 0.0,
                    arrive: float = 0.0) -> dict:
    stats = Stats()
    start = asyncio.Event()
    tasks = [asyncio.create_task(student(n, base, code, stats, start, pace, arrive)) for n in range(students)]
    await asyncio.sleep(0.1)
    t0, cpu0, server0 = time.perf_counter(), time.process_time(), server_cpu(home)
    start.set()
    await asyncio.gather(*tasks)
    wall, client_cpu = time.perf_counter() - t0, time.process_time() - cpu0
    server = server_cpu(home) - server0
    answers = stats.times.get("answer", [])
    return {
        "students": students, "pace_s": pace, "arrive_s": arrive, "seconds": round(wall, 1), "client_cpu_seconds": round(client_cpu, 1),
        "server_cpu_seconds": round(server, 1),
        "server_cpu_ms_per_student_round": round(1000 * server / max(1, students), 1),
        "acknowledged_answers_per_s": round(len(stats.acks) / wall, 1),
        "sustained_answers_per_s": sustained(stats.ack_times),
        "latency_ms": {k: {"n": len(v), "p50": pct(v, .5), "p95": pct(v, .95), "p99": pct(v, .99)}
                       for k, v in stats.times.items()},
        "all_requests_p95_ms": pct([x for v in stats.times.values() for x in v], .95),
        "answer_p95_ms": pct(answers, .95),
        "retries_after_disconnect": stats.retries, "errors": len(stats.errors), "error_examples": sorted(set(stats.errors))[:5],
        **verify(home, code, stats),
    }


def summary(runs: list[dict]) -> dict:
    """Medians over the runs of one setting."""
    from statistics import median

    def med(get):
        return round(median(get(r) for r in runs), 1)

    kinds = runs[0]["latency_ms"]
    return {"students": runs[0]["students"], "pace_s": runs[0]["pace_s"], "runs": len(runs),
            "load_average_1min_before": [r["load_average_1min_before"] for r in runs],
            "acknowledged_answers_per_s": med(lambda r: r["acknowledged_answers_per_s"]),
            "sustained_answers_per_s": med(lambda r: r["sustained_answers_per_s"]),
            "latency_ms": {k: {q: med(lambda r: r["latency_ms"][k][q]) for q in ("p50", "p95", "p99")} for k in kinds},
            "all_requests_p95_ms": med(lambda r: r["all_requests_p95_ms"]),
            "server_cpu_ms_per_student_round": med(lambda r: r["server_cpu_ms_per_student_round"]),
            "all_checks_true": all(r["acknowledged_exactly_once"] and r["integrity_check"] == "ok"
                                   and r["leaderboard_equals_recomputation"] and not r["errors"] for r in runs)}


def uvloop_used() -> bool:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


def run_client(coro):
    """The client's event loop: uvloop when installed (as the server's), else asyncio's."""
    if uvloop_used():
        import uvloop

        return uvloop.run(coro)
    return asyncio.run(coro)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--students", default="200,1000", help="comma-separated numbers of concurrent students")
    ap.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    ap.add_argument("--pace", default="0,1.0",
                    help="comma-separated mean pauses (s) of a student before each request; 0: none (capacity)")
    ap.add_argument("--arrive", type=float, default=5.0,
                    help="paced runs: students arrive over this many seconds (capacity runs: all at once)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each setting (the summary gives medians)")
    ap.add_argument("--out", type=Path, help="write the JSON report here too")
    args = ap.parse_args()
    from tests.helpers.web_server import web_server

    report = {"workers": args.workers, "cores": os.cpu_count(), "load_average_before": os.getloadavg(),
              "client": f"asyncio streams, one keep-alive connection per student, one process (uvloop: {uvloop_used()})", "rounds": [],
              "summary": []}
    for students in (int(s) for s in args.students.split(",")):
        for pace in (float(p) for p in args.pace.split(",")):
            runs = []
            for _ in range(args.repeat):
                with tempfile.TemporaryDirectory(prefix="bench-campaign-") as tmp:
                    home = Path(tmp) / "home"
                    home.mkdir()
                    code = f"BENCH{students}"
                    make_campaign(home, code, students)
                    load = os.getloadavg()[0]
                    with web_server(home, workers=args.workers, env={"LAWBOT_EMBEDDER": "hash"}) as base:
                        result = {"load_average_1min_before": round(load, 2), **run_client(
                            run_round(base, home, code, students, pace, args.arrive if pace else 0.0))}
                report["rounds"].append(result)
                runs.append(result)
                print(json.dumps(result, ensure_ascii=False), file=sys.stderr)
            report["summary"].append(summary(runs))
    report["load_average_after"] = os.getloadavg()
    text = json.dumps(report, ensure_ascii=False, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
