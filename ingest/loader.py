"""Loading files and folders into the store: the edge where parsing meets writing.

Each file is parsed completely before anything is written, then stored in one transaction, so a
bad file never leaves half a law behind and never stops the other files. A law published as
several part files (the 民法典: 总则.md, 物权编.md, … all titled 中华人民共和国民法典) is recognised
as adjacent files of one folder with the same title and no article number in common, and stored
as one version; versions of a law always share articles, so they are never merged.

Loading is resumable: a file whose text is already stored is reported ``unchanged`` and writes
nothing, so running the same load again after an interruption only does the unfinished files.
"""
from __future__ import annotations

import os
import dataclasses
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator

from ingest.dispatch import FORMATS
from kb.model import ParsedLaw
from kb.store import LoadReport, Store

SUPPORTED = FORMATS  # what a folder contributes: every format the parsers read


@dataclass(frozen=True)
class Failure:
    source: str
    message: str


@dataclass
class LoadSummary:
    reports: list[LoadReport] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(r.changed_store for r in self.reports)


def expand_paths(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Files named directly, plus supported files inside folders (sorted, recursively)."""
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUPPORTED)
        else:
            files.append(p)
    return files


def paths_from_list(list_file: str | os.PathLike, base: str | os.PathLike | None = None) -> list[Path]:
    """Paths listed one per line in ``list_file`` (blank lines and # comments skipped)."""
    root = Path(base) if base else Path(list_file).parent
    lines = Path(list_file).read_text(encoding="utf-8").splitlines()
    return [root / line.strip() for line in lines if line.strip() and not line.startswith("#")]


def iter_load(store: Store, files: Iterable[Path], *, replace: bool = False,
              actor: str = "system") -> Iterator[LoadReport | Failure]:
    """Parse and store each file, yielding a report or a failure per file.

    ``parse_path`` turns unreadable files (missing, permissions) into an ``IngestError`` too.
    The part files of one law are stored together and each gets the law's report. A file that
    would overwrite a stored version of the same date with another text is a failure unless
    ``replace`` (see :meth:`Store.load_law`)."""
    from kb.errors import VersionConflictError

    for item in _parsed_groups(files):
        if isinstance(item, Failure):
            store.log_failure(item.source, item.message)
            yield item
            continue
        parsed = item[0][1] if len(item) == 1 else merge_parts([p for _, p in item])
        source = str(item[0][0]) if len(item) == 1 else str(item[0][0].parent)
        try:
            report = store.load_law(parsed, source=source, replace=replace, actor=actor)
        except VersionConflictError as exc:
            store.log_failure(source, str(exc))
            yield Failure(source, str(exc))
            continue
        if len(item) == 1:
            yield report
            continue
        for path, _ in item:
            yield dataclasses.replace(report, source=str(path))  # `replace` is the flag here


def _parsed_groups(files: Iterable[Path]) -> Iterator[list[tuple[Path, ParsedLaw]] | Failure]:
    """Parsed files, adjacent part files of one law grouped; failures pass straight through."""
    from ingest import parse_path
    from ingest.errors import IngestError

    group: list[tuple[Path, ParsedLaw]] = []
    keys: set[str] = set()
    for path in files:
        try:
            parsed = parse_path(path)
        except IngestError as exc:
            yield Failure(str(path), str(exc))
            continue
        mine = {a.key for a in parsed.articles}
        if group and _same_law_part(group[0], (path, parsed)) and not keys & mine:
            group.append((path, parsed))
            keys |= mine
            continue
        if group:
            yield group
        group, keys = [(path, parsed)], mine
    if group:
        yield group


def _same_law_part(first: tuple[Path, ParsedLaw], other: tuple[Path, ParsedLaw]) -> bool:
    (p1, a), (p2, b) = first, other
    return p1.parent == p2.parent and a.title == b.title and a.region == b.region


def merge_parts(parts: list[ParsedLaw]) -> ParsedLaw:
    """One law version from its part files (disjoint article numbers), articles in number order.

    Each article's chapter path starts with its part's own heading (``# 物权编`` → 物权编) when the
    part has one, since every part restarts at 第一章; the date is the newest the parts state."""
    parts = sorted(parts, key=lambda p: min((a.number for a in p.articles), default=0))
    articles = []
    for part in parts:
        name = _part_name(part)
        articles += [replace(a, chapter=(name, *a.chapter)) if name else a for a in part.articles]
    articles.sort(key=lambda a: (a.number, a.suffix))
    dates = [p.version_date for p in parts if p.version_date]
    history = sorted({(h.date, h.text): h for p in parts for h in p.history}.values(),
                     key=lambda h: h.date)
    first = parts[0]
    return replace(
        first, articles=tuple(articles), history=tuple(history),
        version_date=max(dates) if dates else None,
        short_names=tuple(dict.fromkeys(n for p in parts for n in p.short_names)),
        preamble="\n".join(p.preamble for p in parts if p.preamble),
        appendix="\n".join(p.appendix for p in parts if p.appendix))


def _part_name(part: ParsedLaw) -> str:
    """The part's heading (``# 物权编`` in the preamble), or ""."""
    head = part.preamble.strip().splitlines()[0].strip() if part.preamble.strip() else ""
    name = head.lstrip("#").strip()
    return name if head.startswith("#") and 0 < len(name) <= 20 else ""


def load_files(store: Store, files: Iterable[Path],
               on_item: Callable[[LoadReport | Failure], None] | None = None, *,
               replace: bool = False, actor: str = "system") -> LoadSummary:
    summary = LoadSummary()
    for item in iter_load(store, files, replace=replace, actor=actor):
        (summary.failures if isinstance(item, Failure) else summary.reports).append(item)
        if on_item:
            on_item(item)
    return summary
