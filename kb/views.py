"""Question views: how citizens ask for an article, indexed as extra search keys of that article.

A statute says 疏散 and 易燃易爆危险品; a citizen asks 打起仗来往哪撤 and 能放煤气罐吗. Views are
questions written the way citizens, students and shop owners type them (never the article's own
wording). The index embeds each question and points it at its article, so retrieval can match a
question to a similar question as well as to the statute text (see :mod:`kb.retrieve`).

Views live in the store (table ``views``); the packaged ``kb/data/views.jsonl`` only seeds it, so
views staff write or accept survive upgrades and live with the data. Each view names its article
by law title and number and pins the article's text by a hash prefix. When an amendment changes
the article, :func:`reconcile_views` decides by a measurable rule: a view whose question is as
close to the new text as it was to the old (cosine drop at most :data:`CARRY_TOLERANCE`) is
carried over to the new text; otherwise it is queued for staff review (``lawbot views review``),
never silently dropped. An article whose views await review takes part in the view channel
through its own text meanwhile (``text_view_ids`` in the index meta).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Iterable

from kb import audit
from kb.errors import CorpusChangeError
from kb.store import sha256

if TYPE_CHECKING:
    from kb.model import Article
    from kb.store import Store

HASH_PREFIX = 12
MAX_QUESTION_CHARS = 200
# A view is carried over to an amended text when its cosine to the new text is at most this much
# below its cosine to the old one. Measured with the real model on 重庆市人民防空条例: amending the
# figures of 第二十九条 / 第四十二条 moved its 17 views by -0.0014 … +0.0009; replacing 第二十九条 by
# another article's text dropped its 5 views by 0.022 … 0.042.
CARRY_TOLERANCE = 0.01
SEED_KEY = "views_seed"


@dataclass(frozen=True)
class QuestionView:
    law: str  # full title, as in the store
    article: int
    question: str
    text_sha: str  # first HASH_PREFIX hex digits of sha256(article text) the view was written for
    id: int = 0  # row id in the store (0: not stored, e.g. parsed from a file)
    state: str = "active"  # active | review | dropped
    origin: str = "seed"  # seed | staff
    note: str = ""

    def fits(self, article: "Article") -> bool:
        return sha256(article.text)[:HASH_PREFIX] == self.text_sha


def parse_views(lines: Iterable[str], source: str = "views.jsonl") -> list[QuestionView]:
    """Parse JSONL lines ``{"law", "article", "question", "text_sha"}``; a bad line raises
    ``ValueError`` naming the line (the packaged file is checked by the tests)."""
    out: list[QuestionView] = []
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            view = QuestionView(str(d["law"]), int(d["article"]), str(d["question"]).strip(),
                                str(d["text_sha"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{source}:{lineno}: {exc}") from exc
        if not view.question or len(view.question) > MAX_QUESTION_CHARS:
            raise ValueError(f"{source}:{lineno}: question is empty or over {MAX_QUESTION_CHARS} characters")
        if len(view.text_sha) != HASH_PREFIX:
            raise ValueError(f"{source}:{lineno}: text_sha must be {HASH_PREFIX} hex digits")
        out.append(view)
    return out


def views_fingerprint(views: Iterable[QuestionView]) -> str:
    """A short hash of a set of views, kept in the index meta so that new views trigger a rebuild."""
    return sha256("\n".join(f"{v.law}\t{v.article}\t{v.text_sha}\t{v.question}" for v in views))[:16]


@lru_cache(maxsize=1)
def default_views() -> tuple[QuestionView, ...]:
    path = resources.files("kb").joinpath("data", "views.jsonl")
    if not path.is_file():
        return ()
    return tuple(parse_views(path.read_text(encoding="utf-8").splitlines()))


def text_prefix(text: str) -> str:
    return sha256(text)[:HASH_PREFIX]


# ---- views in the store ----------------------------------------------------------------------

def seed_views(store: "Store", views: Iterable[QuestionView] | None = None) -> int:
    """Add the packaged views the store does not have yet (once per packaged file version);
    a view staff dropped or carried over is never revived. A packaged view the package no longer
    holds (withdrawn by the view filter of a later release) is dropped, unless staff changed it.
    Returns how many were added."""
    views = tuple(default_views() if views is None else views)
    if getattr(store, "read_only", False):
        return 0
    mark = views_fingerprint(views)
    row = store.db.execute("SELECT value FROM meta WHERE key=?", (SEED_KEY,)).fetchone()
    if row and row[0] == mark:
        return 0
    with store.db.atomic():
        before = store.db.execute("SELECT COUNT(*) FROM views").fetchone()[0]
        store.db.conn.executemany(
            "INSERT OR IGNORE INTO views (law, article, question, text_sha, origin) VALUES (?, ?, ?, ?, 'seed')",
            [(v.law, v.article, v.question, v.text_sha) for v in views])
        packaged = {(v.law, v.article, v.question) for v in views}
        withdrawn = [(i,) for i, law, article, question in store.db.execute(
            "SELECT id, law, article, question FROM views WHERE origin='seed' AND state='active' AND note=''")
            .fetchall()
            if (law, article, question) not in packaged]
        store.db.conn.executemany(
            "UPDATE views SET state='dropped', note='no longer packaged',"
            " updated_at=strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id=?", withdrawn)
        store.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (SEED_KEY, mark))
        return store.db.execute("SELECT COUNT(*) FROM views").fetchone()[0] - before


def index_views(store: "Store") -> tuple[QuestionView, ...]:
    """The views the index is built from: active ones, plus those awaiting review (left out of
    the index as stale, their articles then compete through their text)."""
    seed_views(store)
    return tuple(stored_views(store, "active") + stored_views(store, "review"))


def expected_views(store: "Store") -> tuple[QuestionView, ...]:
    """The views an up-to-date index holds, without writing: the stored ones, or, while the
    packaged seed is still to be added, what the store will hold once it is."""
    stored = stored_views(store, "active") + stored_views(store, "review")
    if seed_pending(store):
        have = {(v.law, v.article, v.question) for v in stored_views(store, None)}
        stored += [v for v in default_views() if (v.law, v.article, v.question) not in have]
    return tuple(stored)


def seed_pending(store: "Store") -> bool:
    row = store.db.execute("SELECT value FROM meta WHERE key=?", (SEED_KEY,)).fetchone()
    return not row or row[0] != views_fingerprint(default_views())


def stored_views(store: "Store", state: str | None = "active") -> list[QuestionView]:
    sql = "SELECT law, article, question, text_sha, id, state, origin, note FROM views"
    rows = store.db.execute(sql + (" WHERE state=? ORDER BY id" if state else " ORDER BY id"),
                            (state,) if state else ())
    return [QuestionView(r[0], int(r[1]), r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows]


def view_by_id(store: "Store", view_id: int) -> QuestionView:
    found = [v for v in stored_views(store, None) if v.id == view_id]
    if not found:
        raise CorpusChangeError(f"没有编号为 {view_id} 的问法视图。")
    return found[0]


def _current_article(store: "Store", law: str, number: int):
    law_row = store.law_by_title(law)
    return store.article(law_row.id, number) if law_row else None


def _text_for(store: "Store", law: str, number: int, text_sha: str) -> str | None:
    """The article text (of any stored version) a view was written for, if still stored."""
    for (text,) in store.db.execute(
            "SELECT a.text FROM articles a JOIN laws l ON l.id = a.law_id"
            " WHERE l.title=? AND a.number=? AND a.suffix=''", (law, number)):
        if text_prefix(text) == text_sha:
            return text
    return None


@dataclass(frozen=True)
class Reconciled:
    carried: tuple[QuestionView, ...]
    queued: tuple[QuestionView, ...]


def reconcile_views(store: "Store", embedder, actor: str = audit.SYSTEM,
                    tolerance: float = CARRY_TOLERANCE) -> Reconciled:
    """Carry over or queue for review every active view whose article text has changed."""
    from kb.embed import embed_cached
    from kb.index import passage_text

    current = {(a.law_title, a.number): a for a in store.current_articles() if not a.suffix}
    stale = [v for v in stored_views(store) if (v.law, v.article) in current
             and not v.fits(current[(v.law, v.article)])]
    if not stale:
        return Reconciled((), ())
    qvecs = embed_cached(store, embedder, [v.question for v in stale], queries=True)
    carried, queued = [], []
    for view, qv in zip(stale, qvecs):
        art = current[(view.law, view.article)]
        old_text = _text_for(store, view.law, view.article, view.text_sha)
        if old_text is None:
            queued.append((view, "原条文已不在库中", art))
            continue
        old_art = _replace_text(art, old_text)
        old_vec, new_vec = embed_cached(store, embedder, [passage_text(old_art), passage_text(art)])
        before, after = float(qv @ old_vec), float(qv @ new_vec)
        note = f"cos {before:.4f} → {after:.4f}"
        (carried if after >= before - tolerance else queued).append((view, note, art))
    with store.db.atomic():
        for view, note, art in carried:
            store.db.execute("UPDATE views SET text_sha=?, note=?, updated_at=strftime('%Y-%m-%dT%H:%M:%SZ','now')"
                             " WHERE id=?", (text_prefix(art.text), f"随条文修改沿用（{note}）", view.id))
            audit.record(store.db, actor, "view:carry", view.law,
                         {"view": view.id, "article": view.article, "question": view.question, "rule": note})
        for view, note, art in queued:
            store.db.execute("UPDATE views SET state='review', note=?, updated_at=strftime('%Y-%m-%dT%H:%M:%SZ','now')"
                             " WHERE id=?", (f"条文已修改，待复核（{note}）", view.id))
            audit.record(store.db, actor, "view:queue", view.law,
                         {"view": view.id, "article": view.article, "question": view.question, "rule": note})
    return Reconciled(tuple(v for v, _, _ in carried), tuple(v for v, _, _ in queued))


def _replace_text(article: "Article", text: str) -> "Article":
    from dataclasses import replace

    return replace(article, text=text)


def accept_view(store: "Store", view_id: int, actor: str, question: str | None = None) -> QuestionView:
    """Staff confirm a view (optionally reworded) for the article's current text."""
    view = view_by_id(store, view_id)
    art = _current_article(store, view.law, view.article)
    if art is None:
        raise CorpusChangeError(f"《{view.law}》现行文本没有第{view.article}条，无法启用该问法。")
    text = (question or view.question).strip()
    if not text or len(text) > MAX_QUESTION_CHARS:
        raise CorpusChangeError(f"问法不能为空，也不能超过 {MAX_QUESTION_CHARS} 字。")
    if text != view.question:  # reworded: the old wording retires, so a re-seed never revives it
        with store.db.atomic():
            store.db.execute("UPDATE views SET state='dropped', note=?, updated_at=strftime('%Y-%m-%dT%H:%M:%SZ','now')"
                             " WHERE id=?", (f"工作人员改写（{actor}）", view_id))
            new = add_view(store, view.law, view.article, text, actor)
            audit.record(store.db, actor, "view:accept", view.law,
                         {"view": new.id, "article": view.article, "question": text, "was": view.question})
        return new
    with store.db.atomic():
        store.db.execute("UPDATE views SET state='active', text_sha=?, note=?,"
                         " updated_at=strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id=?",
                         (text_prefix(art.text), f"工作人员确认（{actor}）", view_id))
        audit.record(store.db, actor, "view:accept", view.law,
                     {"view": view_id, "article": view.article, "question": text})
    return view_by_id(store, view_id)


def drop_view(store: "Store", view_id: int, actor: str) -> bool:
    view = view_by_id(store, view_id)
    if view.state == "dropped":
        return False
    with store.db.atomic():
        store.db.execute("UPDATE views SET state='dropped', note=?, updated_at=strftime('%Y-%m-%dT%H:%M:%SZ','now')"
                         " WHERE id=?", (f"工作人员停用（{actor}）", view_id))
        audit.record(store.db, actor, "view:drop", view.law,
                     {"view": view_id, "article": view.article, "question": view.question})
    return True


def add_view(store: "Store", law: str, number: int, question: str, actor: str) -> QuestionView:
    """A view staff write for an article's current text (idempotent for the same question)."""
    art = _current_article(store, law, number)
    if art is None:
        raise CorpusChangeError(f"《{law}》现行文本没有第{number}条。")
    question = question.strip()
    if not question or len(question) > MAX_QUESTION_CHARS:
        raise CorpusChangeError(f"问法不能为空，也不能超过 {MAX_QUESTION_CHARS} 字。")
    with store.db.atomic():
        store.db.execute("INSERT INTO views (law, article, question, text_sha, origin, note) VALUES"
                         " (?, ?, ?, ?, 'staff', ?) ON CONFLICT (law, article, question) DO UPDATE SET"
                         " state='active', text_sha=excluded.text_sha",
                         (law, number, question, text_prefix(art.text), f"工作人员编写（{actor}）"))
        audit.record(store.db, actor, "view:add", law, {"article": number, "question": question})
    row = store.db.execute("SELECT id FROM views WHERE law=? AND article=? AND question=?",
                           (law, number, question)).fetchone()
    return view_by_id(store, row[0])


@dataclass(frozen=True)
class ViewReview:
    """A view awaiting review, with the text it was written for and the article's text now."""

    view: QuestionView
    old_text: str | None
    new_text: str | None


def review_queue(store: "Store") -> list[ViewReview]:
    out = []
    for v in stored_views(store, "review"):
        art = _current_article(store, v.law, v.article)
        out.append(ViewReview(v, _text_for(store, v.law, v.article, v.text_sha), art.text if art else None))
    return out


@dataclass(frozen=True)
class ResolvedViews:
    article_ids: tuple[int, ...]  # one per applied view
    questions: tuple[str, ...]
    stale: int  # the article exists but its text changed since the view was written
    unknown: int  # no such law or article in the store (not ingested, or renumbered away)
    stale_article_ids: tuple[int, ...] = ()  # articles with stale views and none that fits


def resolve_views(store: "Store", views: Iterable[QuestionView]) -> ResolvedViews:
    """Match views to the store's current articles (one pass over them), keeping only those whose
    text still fits."""
    current = {(a.law_title, a.number): a for a in store.current_articles() if not a.suffix}
    ids: list[int] = []
    questions: list[str] = []
    stale = unknown = 0
    stale_ids: set[int] = set()
    for v in views:
        art = current.get((v.law, v.article))
        if art is None:
            unknown += 1
        elif not v.fits(art):
            stale += 1
            stale_ids.add(art.id)
        else:
            ids.append(art.id)
            questions.append(v.question)
    return ResolvedViews(tuple(ids), tuple(questions), stale, unknown,
                         tuple(sorted(stale_ids - set(ids))))
