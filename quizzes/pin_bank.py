"""Record in the bank files the article texts the curated questions were written against.

``python -m quizzes.pin_bank HOME`` adds (or refreshes, with ``--refresh``) a ``basis_sha`` line
after each question's ``basis``: one 12-hex-digit prefix of sha256 of each cited article's current
text in the statute store of data directory HOME. Run it when writing or re-checking questions;
afterwards, an amendment of a cited article flags the question (``lawbot quiz validate``), wherever
the bank is used.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from quizzes.bank import BANK_DIR, bank_files, load_bank

_ID_LINE = re.compile(r'^\s*id\s*=\s*"([^"]+)"')
_BASIS_LINE = re.compile(r"^\s*basis\s*=\s*\[.*\]\s*$")
_SHA_LINE = re.compile(r"^\s*basis_sha\s*=")


def pin_file(path: Path, shas: dict[str, list[str]], refresh: bool = False) -> int:
    """Insert ``basis_sha`` after the basis line of each question with known hashes."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[str] = []
    qid, changed = None, 0
    for n, line in enumerate(lines):
        m = _ID_LINE.match(line)
        if m:
            qid = m.group(1)
        if _SHA_LINE.match(line) and refresh and qid in shas:
            continue  # rewritten below, after the basis line
        out.append(line)
        if _BASIS_LINE.match(line) and qid in shas:
            has = any(_SHA_LINE.match(x) for x in lines[n + 1:n + 3])
            if refresh or not has:
                out.append("basis_sha = [" + ", ".join(f'"{h}"' for h in shas[qid]) + "]")
                changed += 1
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("home", help="Data directory whose statute store holds the texts.")
    parser.add_argument("--refresh", action="store_true", help="Rewrite existing basis_sha lines too.")
    args = parser.parse_args(argv)
    from kb.dependants import Ref, _current
    from kb.store import Store, sha256

    shas: dict[str, list[str]] = {}
    with Store(Path(args.home) / "lawbot.db") as store:
        for q in load_bank().questions:
            texts = [_current(store, Ref(b.law, b.article, b.suffix)) for b in q.basis]
            if q.basis and all(texts):
                shas[q.id] = [sha256(t)[:12] for t in texts]
    total = sum(pin_file(p, shas, args.refresh) for p in bank_files())
    print(f"{total} questions pinned in {BANK_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
