"""Loading files and folders into the store: the edge where parsing meets writing.

Each file is parsed completely before anything is written, then stored in one transaction, so a
bad file never leaves half a law behind and never stops the other files.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from kb.store import LoadReport, Store

SUPPORTED = (".md", ".markdown", ".html", ".htm", ".docx", ".txt")


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


def iter_load(store: Store, files: Iterable[Path]) -> Iterator[LoadReport | Failure]:
    """Parse and store each file, yielding a report or a failure per file.

    ``parse_path`` turns unreadable files (missing, permissions) into an ``IngestError`` too."""
    from ingest import parse_path
    from ingest.errors import IngestError

    for path in files:
        source = str(path)
        try:
            parsed = parse_path(path)
        except IngestError as exc:
            store.log_failure(source, str(exc))
            yield Failure(source, str(exc))
            continue
        yield store.load_law(parsed, source=source)


def load_files(store: Store, files: Iterable[Path],
               on_item: Callable[[LoadReport | Failure], None] | None = None) -> LoadSummary:
    summary = LoadSummary()
    for item in iter_load(store, files):
        (summary.failures if isinstance(item, Failure) else summary.reports).append(item)
        if on_item:
            on_item(item)
    return summary
