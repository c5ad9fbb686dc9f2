"""Validate the hand-labelled development set ``tests/data/dev.jsonl`` against the core corpus.

The dev set tunes retrieval (BM25 + dense fusion, thresholds, query expansion), so a wrong label
poisons every number computed from it. This script checks what a machine can check:

* every line is a JSON object with exactly ``id``, ``question``, ``gold``, ``style``;
* ids are ``dev-NNN`` (``h2-``, ``h3-``, ``h4-NNN`` in the blind sets) and unique; styles come from the known set;
* every gold ``law`` is a full title found as the ``# `` heading of a file in
  ``../shared/corpus/core`` (relative to the repository), and every gold ``article`` exists in the
  *current* version of that law (the version with the latest date, e.g. 国防教育法 2024, not 2018);
* ``out_of_scope`` questions have an empty gold list and all others a non-empty one;

and reports counts per style, per law and the longest common substring (LCS) between each
question and the text of its gold articles, flagging an LCS of 8+ characters (the question copies
the statute instead of paraphrasing it) and, for colloquial questions, warning from 6 characters.

Usage: ``python tests/data/check_dev.py [--dev FILE] [--corpus DIR] [--strict] [--verbose]``.
Exit status 1 on any error (and, with ``--strict``, on any LCS flag).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from kb.numerals import cn_to_int  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DEFAULT_DEV = HERE / "dev.jsonl"
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "core"

STYLES = ("colloquial", "formal", "reference", "multi", "regional", "out_of_scope")
FLAG_LCS = 8  # any style: the question copies 8+ characters of a gold article
WARN_LCS_COLLOQUIAL = 6  # colloquial questions should not copy 6+ characters either

_ARTICLE = re.compile(r"^第([零〇一二两三四五六七八九十百千\d]+)条(之[一二三四五六七八九十]+)?[\s\u3000]*")
_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_FILE_DATE = re.compile(r"\((\d{4})-(\d{2})-(\d{2})\)")
_ID = re.compile(r"^(dev|h2|h3|h4)-\d{3,}$")


@dataclass
class LawVersion:
    title: str
    date: str  # ISO date of the latest history line ("" when unknown)
    path: Path
    articles: dict[int, str] = field(default_factory=dict)  # number -> full text (suffixed articles skipped)


def parse_law(path: Path) -> LawVersion:
    """Parse one corpus Markdown file: title, version date, articles keyed by their own label numeral."""
    lines = path.read_text(encoding="utf-8").splitlines()
    title = next((ln[2:].strip() for ln in lines if ln.startswith("# ")), "")
    end = next((i for i, ln in enumerate(lines) if "INFO END" in ln), 0)
    dates = [f"{y}-{int(m):02d}-{int(d):02d}" for ln in lines[:end] for y, m, d in _DATE.findall(ln)]
    date = max(dates) if dates else ""
    if not date and (m := _FILE_DATE.search(path.name)):
        date = "-".join(m.groups())
    law = LawVersion(title=title, date=date, path=path)
    current: int | None = None
    for line in lines[end + 1:]:
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        m = _ARTICLE.match(text)
        if m:
            current = None if m.group(2) else cn_to_int(m.group(1))
            if current is not None:
                if current in law.articles:
                    raise ValueError(f"{path.name}: article {current} appears twice")
                law.articles[current] = text
        elif current is not None:
            law.articles[current] += "\n" + text
    return law


def load_corpus(corpus: Path) -> dict[str, LawVersion]:
    """Map each full title to its current (latest-dated) version."""
    current: dict[str, LawVersion] = {}
    for path in sorted(corpus.glob("*.md")):
        law = parse_law(path)
        if not law.title:
            continue
        if law.title not in current or law.date > current[law.title].date:
            current[law.title] = law
    return current


def longest_common_substring(a: str, b: str) -> str:
    """Longest common substring of a and b (plain dynamic programming; strings here are short)."""
    best_len, best_end = 0, 0
    prev = [0] * (len(b) + 1)
    for i, ca in enumerate(a, 1):
        cur = [0] * (len(b) + 1)
        for j, cb in enumerate(b, 1):
            if ca == cb:
                cur[j] = prev[j - 1] + 1
                if cur[j] > best_len:
                    best_len, best_end = cur[j], i
        prev = cur
    return a[best_end - best_len:best_end]


def check(dev: Path, corpus: Path, strict: bool, verbose: bool) -> int:
    laws = load_corpus(corpus)
    errors: list[str] = []
    flags: list[str] = []
    warns: list[str] = []
    styles: Counter[str] = Counter()
    per_law: dict[str, set[int]] = defaultdict(set)
    gold_sizes: Counter[int] = Counter()
    seen_ids: set[str] = set()
    seen_questions: dict[str, str] = {}

    for lineno, raw in enumerate(dev.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            errors.append(f"line {lineno}: blank line")
            continue
        try:
            item = json.loads(raw)
        except json.JSONDecodeError as exc:
            errors.append(f"line {lineno}: invalid JSON ({exc})")
            continue
        where = f"line {lineno}"
        if not isinstance(item, dict) or set(item) != {"id", "question", "gold", "style"}:
            errors.append(f"{where}: expected exactly keys id, question, gold, style")
            continue
        qid, question, gold, style = item["id"], item["question"], item["gold"], item["style"]
        where = f"line {lineno} ({qid})"
        if not isinstance(qid, str) or not _ID.match(qid):
            errors.append(f"{where}: bad id")
        elif qid in seen_ids:
            errors.append(f"{where}: duplicate id")
        seen_ids.add(qid)
        if not isinstance(question, str) or not question.strip():
            errors.append(f"{where}: empty question")
            continue
        if question in seen_questions:
            errors.append(f"{where}: same question as {seen_questions[question]}")
        seen_questions[question] = qid
        if style not in STYLES:
            errors.append(f"{where}: unknown style {style!r}")
        styles[style] += 1
        if not isinstance(gold, list):
            errors.append(f"{where}: gold is not a list")
            continue
        if (style == "out_of_scope") != (len(gold) == 0):
            errors.append(f"{where}: out_of_scope must have empty gold, other styles non-empty gold")
        gold_sizes[len(gold)] += 1
        seen_gold: set[tuple[str, int]] = set()
        texts: list[tuple[str, str]] = []
        for g in gold:
            if not isinstance(g, dict) or set(g) != {"law", "article"}:
                errors.append(f"{where}: gold entry must be {{law, article}}: {g!r}")
                continue
            law, art = g["law"], g["article"]
            if not isinstance(art, int) or isinstance(art, bool):
                errors.append(f"{where}: article must be an int: {art!r}")
                continue
            if law not in laws:
                errors.append(f"{where}: unknown law title {law!r}")
                continue
            if art not in laws[law].articles:
                errors.append(f"{where}: {law} ({laws[law].date}) has no article {art}")
                continue
            if (law, art) in seen_gold:
                errors.append(f"{where}: duplicate gold {law} {art}")
            seen_gold.add((law, art))
            per_law[law].add(art)
            texts.append((f"{law}#{art}", laws[law].articles[art]))
        if texts:
            q = question.strip()
            ref, lcs = max(((ref, longest_common_substring(q, t)) for ref, t in texts), key=lambda x: len(x[1]))
            line = f"{where} [{style}] LCS {len(lcs)} '{lcs}' with {ref}: {q}"
            if len(lcs) >= FLAG_LCS:
                flags.append(line)
            elif style == "colloquial" and len(lcs) >= WARN_LCS_COLLOQUIAL:
                warns.append(line)
            elif verbose:
                print("   ", line)

    total = sum(styles.values())
    print(f"{dev}: {total} questions, corpus {corpus} ({len(laws)} current laws)")
    print("per style: " + ", ".join(f"{s} {styles.get(s, 0)}" for s in STYLES))
    print("gold list sizes: " + ", ".join(f"{k}: {v}" for k, v in sorted(gold_sizes.items())))
    print("articles used as gold, per law:")
    for title in sorted(laws, key=lambda t: -len(per_law.get(t, ()))):
        arts = sorted(per_law.get(title, ()))
        print(f"  {len(arts):3d}  {title} ({laws[title].date}): {', '.join(map(str, arts)) or '-'}")
    for line in warns:
        print("WARN (colloquial LCS >= 6):", line)
    for line in flags:
        print("FLAG (LCS >= 8):", line)
    for line in errors:
        print("ERROR:", line)
    print(f"{len(errors)} errors, {len(flags)} flags, {len(warns)} warnings")
    return 1 if errors or (strict and flags) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--strict", action="store_true", help="fail on LCS flags too")
    parser.add_argument("--verbose", action="store_true", help="print the LCS of every question")
    args = parser.parse_args(argv)
    return check(args.dev, args.corpus, args.strict, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
