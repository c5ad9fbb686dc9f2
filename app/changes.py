"""What an upload would change, article by article, with the old and the new text side by side.

:meth:`kb.store.Store.preview_law` reports which article labels a new version adds, changes and
removes; staff deciding whether to confirm also need to read the wording. :func:`article_changes`
pairs each label with its text in the version in force and in the uploaded file. Read-only.
"""
from __future__ import annotations

from dataclasses import dataclass

from kb.model import ParsedLaw
from kb.store import LoadReport, Store

MAX_SHOWN = 200  # articles listed per preview (a whole new law is summarised, not listed)


@dataclass(frozen=True)
class ArticleChange:
    kind: str  # added | changed | removed
    label: str
    old: str = ""
    new: str = ""


def article_changes(store: Store, parsed: ParsedLaw, report: LoadReport) -> tuple[ArticleChange, ...]:
    """Old → new text of each article the upload adds, changes or removes (``report`` from
    :meth:`Store.preview_law`), "old" being the text in force and "new" the uploaded one."""
    if report.action not in ("new_version", "history"):
        return ()
    law = store.law_by_title(report.law_title)
    current = store.law_articles(law.id) if law else []
    old_by_label = {a.label: a.text for a in current}
    new_by_label = {a.label: a.text for a in parsed.articles}
    out: list[ArticleChange] = []
    pairs = (("added", report.added), ("changed", report.changed), ("removed", report.removed))
    for kind, labels in pairs:
        for label in labels:
            out.append(ArticleChange(kind, label, "" if kind == "added" else old_by_label.get(label, ""),
                                     "" if kind == "removed" else new_by_label.get(label, "")))
            if len(out) >= MAX_SHOWN:
                return tuple(out)
    return tuple(out)


def stage_upload(uploads, user_ref: str, filename: str, data: bytes):
    """Stage an upload for 确认 (:meth:`app.loading.Uploads.stage`, raises IngestError) and list
    its article changes: ``(Staged, tuple[ArticleChange, ...])``."""
    from ingest import parse_bytes

    staged = uploads.stage(user_ref, filename, data)
    return staged, article_changes(uploads.kb.store, parse_bytes(data, filename), staged.report)
