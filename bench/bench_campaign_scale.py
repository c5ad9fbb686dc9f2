"""Query times of a campaign at the size of the real 6·5 quiz (370,000 participants, 3.7 million
answers), on a file made by ``bench/gen_campaign.py``.

Measures, as medians over repeats on a warm cache, what the organiser console, the students'
pages and the CLI ask the engine for: a leaderboard page (top and deep), the school ranking, one
student's rank, the dashboard aggregates, the campaign's summary counts (``campaign_stats``:
the console's campaign list, ``lawbot campaign list``), a certificate verification; the baseline in the same
run is the ranking recomputed from the raw answers (what every ranking call did before
migration 0003). Then the full XLSX export in a child process, with its wall time and peak
memory (``ru_maxrss``), and the consistency check (leaderboard == recomputation).

    python bench/gen_campaign.py /tmp/scale/quiz.db
    python bench/bench_campaign_scale.py /tmp/scale/quiz.db --out /tmp/scale/成绩.xlsx
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from quizzes import dashboard, ranking  # noqa: E402
from quizzes.engine import QuizEngine  # noqa: E402


def timed(fn, repeats: int) -> float:
    """Median milliseconds of ``fn()`` over ``repeats`` runs after one warm-up."""
    fn()
    runs = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(runs), 2)


def export_child(db: Path, code: str, out: Path) -> None:
    """Runs in the child: the engine's own export (what ``lawbot campaign export`` does)."""
    with QuizEngine(db) as eng:
        c = eng.campaign(code)
        started = time.perf_counter()
        rows = eng.export(c.id, out)
        print(json.dumps({"rows": rows, "seconds": round(time.perf_counter() - started, 1)}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("db", type=Path)
    ap.add_argument("--code", default="SCALE65")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--out", type=Path, help="XLSX export target (skipped when absent)")
    ap.add_argument("--no-check", action="store_true", help="skip the full consistency check")
    ap.add_argument("--export-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.export_child:
        export_child(args.db, args.code, args.out)
        return
    eng = QuizEngine(args.db)
    c = eng.campaign(args.code)
    conn, cid, n = eng.conn, c.id, args.repeats
    users = [r[0] for r in conn.execute(
        "SELECT user_ref FROM registrations WHERE campaign_id = ? ORDER BY random() LIMIT 20", (cid,))]
    codes = [r[0] for r in conn.execute(
        "SELECT code FROM certificates WHERE campaign_id = ? ORDER BY random() LIMIT 20", (cid,))]
    rng = random.Random(1)
    figures = {
        "participants": dashboard.overview(conn, cid).participants,
        "answers": conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0],
        "ms_leaderboard_top50": timed(lambda: eng.ranking(cid, limit=50), n),
        "ms_leaderboard_page_at_200000": timed(lambda: list(ranking.rank_rows(conn, cid, 50, offset=200_000)), n),
        "ms_school_ranking": timed(lambda: eng.school_ranking(cid), n),
        "ms_student_rank": timed(lambda: eng.standing(cid, rng.choice(users)), n * 3),
        "ms_dashboard_overview": timed(lambda: dashboard.overview(conn, cid), n),
        "ms_dashboard_schools": timed(lambda: dashboard.schools(conn, cid), n),
        "ms_dashboard_colleges": timed(lambda: dashboard.colleges(conn, cid), n),
        "ms_dashboard_timeline_by_school": timed(lambda: dashboard.timeline(conn, cid, by_school=True), n),
        "ms_dashboard_score_distribution": timed(lambda: dashboard.score_distribution(conn, cid), n),
        "ms_dashboard_most_missed": timed(lambda: dashboard.question_stats(conn, cid, limit=10), n),
        "ms_verify_certificate": timed(lambda: eng.verify(rng.choice(codes)), n * 3),
        # the console's campaign list, /campaigns in the bot, `lawbot campaign list|stats`
        "ms_campaign_stats": timed(lambda: eng.campaign_stats(cid), n),
    }
    t = time.perf_counter()
    conn.execute(ranking._RANKED + " LIMIT 50", {"cid": cid}).fetchall()
    figures["ms_baseline_recomputed_top50"] = round((time.perf_counter() - t) * 1000, 1)
    figures["speedup_top50_vs_recomputation"] = round(
        figures["ms_baseline_recomputed_top50"] / max(figures["ms_leaderboard_top50"], 0.01), 1)
    if not args.no_check:
        t = time.perf_counter()
        figures["check_problems"] = ranking.check(conn, cid)
        figures["check_seconds"] = round(time.perf_counter() - t, 1)
    eng.close()
    if args.out:
        child = subprocess.run([sys.executable, __file__, str(args.db), "--code", args.code, "--out",
                                str(args.out), "--export-child"], capture_output=True, text=True, check=True)
        figures["export"] = json.loads(child.stdout)
        figures["export"]["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
        figures["export"]["bytes"] = args.out.stat().st_size
    print(json.dumps(figures, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
