"""What rests on an article's text: quiz questions and FAQ pairs, flagged when that text changes.

A quiz question or FAQ pair is written against the text of the articles it cites. Each of its
bases is pinned (table ``pins``) to the hash of that text: when the pair is added or staff
re-approve it. Curated bank questions record the hash in their file (``basis_sha``, written with
``python -m quizzes.pin_bank``); material with neither (older pairs, imported questions) is pinned
on first sight to the text then current. When the
current text differs from the pin, the dependant is flagged: ``lawbot quiz validate`` reports it
as 依据条文已修改，需复核, new rounds do not draw it and the bot does not serve the pair, until
staff re-approve it (``lawbot dependants approve``), which pins it to the current text. Results
and certificates already given are never touched.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from kb import audit
from kb.store import Store, sha256

KINDS = ("quiz", "faq")


@dataclass(frozen=True)
class Ref:
    """One cited article: law full title, number, suffix (之一)."""

    law: str
    article: int
    suffix: str = ""
    text_sha: str = ""  # a prefix of sha256 of the text it was written against, if recorded

    @property
    def label(self) -> str:
        return f"《{self.law}》第{self.article}条{self.suffix}"


@dataclass(frozen=True)
class Flagged:
    """A dependant whose cited article changed since it was pinned: old → new text."""

    kind: str
    ref: str
    basis: Ref
    old_text: str | None  # None when the pinned text is no longer stored
    new_text: str
    pinned_at: str


def _current(store: Store, b: Ref) -> str | None:
    row = store.db.execute(
        "SELECT a.text FROM articles a JOIN versions v ON v.id = a.version_id JOIN laws l ON l.id = a.law_id"
        " WHERE l.title=? AND a.number=? AND a.suffix=? AND v.is_current=1", (b.law, b.article, b.suffix)).fetchone()
    return row[0] if row else None


def _text_by_hash(store: Store, b: Ref, text_sha: str) -> str | None:
    for (text,) in store.db.execute(
            "SELECT a.text FROM articles a JOIN laws l ON l.id = a.law_id WHERE l.title=? AND a.number=?"
            " AND a.suffix=?", (b.law, b.article, b.suffix)):
        if sha256(text).startswith(text_sha):
            return text
    return None


def pin(store: Store, kind: str, ref: str, bases: Iterable[Ref], actor: str = audit.SYSTEM,
        record: bool = True) -> int:
    """Pin every basis of one dependant to the article's current text. Returns how many."""
    rows = []
    for b in bases:
        text = _current(store, b)
        if text is not None:
            rows.append((kind, str(ref), b.law, b.article, b.suffix, sha256(text), actor))
    with store.db.atomic():
        store.db.conn.executemany(
            "INSERT OR REPLACE INTO pins (kind, ref, law, article, suffix, text_sha, pinned_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        if record and rows:
            audit.record(store.db, actor, f"{kind}:approve", rows[0][2],
                         {"ref": str(ref), "bases": [f"{r[2]}#{r[3]}{r[4]}" for r in rows]})
    return len(rows)


def flagged(store: Store, kind: str, items: Iterable[tuple[str, Sequence[Ref]]]) -> list[Flagged]:
    """The bases, among ``items`` (ref, bases), whose article text changed since pinned.

    Without a pin, the hash the material records (``Ref.text_sha``) is compared; with neither,
    the basis is pinned to the current text (first sight). A basis whose article is gone is not
    reported here (the validators report missing articles)."""
    pins = {(r, law, art, suf): (sha, at) for r, law, art, suf, sha, at in store.db.execute(
        "SELECT ref, law, article, suffix, text_sha, pinned_at FROM pins WHERE kind=?", (kind,))}
    out: list[Flagged] = []
    missing = []
    for ref, bases in items:
        for b in bases:
            current = _current(store, b)
            if current is None:
                continue
            key = (str(ref), b.law, b.article, b.suffix)
            if key not in pins:
                if b.text_sha:
                    pins[key] = (b.text_sha, "")
                else:
                    pins[key] = (sha256(current), "")
                    missing.append((kind, str(ref), b.law, b.article, b.suffix, sha256(current), audit.SYSTEM))
            sha, at = pins[key]
            if not sha256(current).startswith(sha):
                out.append(Flagged(kind, str(ref), b, _text_by_hash(store, b, sha), current, at))
    if missing and not getattr(store, "read_only", False):
        with store.db.atomic():
            store.db.conn.executemany(
                "INSERT OR IGNORE INTO pins (kind, ref, law, article, suffix, text_sha, pinned_by)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)", missing)
    return out


def flagged_refs(store: Store, kind: str, items: Iterable[tuple[str, Sequence[Ref]]]) -> set[str]:
    return {f.ref for f in flagged(store, kind, items)}
