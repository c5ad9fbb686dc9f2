"""The statute store: laws, their versions and articles in SQLite (the source of truth).

Indexes are caches rebuilt from here. Loading a law is one transaction: either the whole version
lands (and the previous one is marked superseded) or nothing changes. The same text loaded twice
is recognised by its content hash and changes nothing.
"""
from __future__ import annotations

import hashlib
import json
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np
from sqlite_utils import Database

from kb import audit, dbopen
from kb.errors import CorpusChangeError, ReadOnlyHomeError, VersionConflictError
from kb.migrations import migrations
from kb.model import Article, ArticleChange, Law, ParsedArticle, ParsedLaw
from kb.query import LawCatalog

CN_PREFIX = "中华人民共和国"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def law_key(title: str) -> str:
    """The short, stable part of an article uid: the title without 中华人民共和国."""
    return title[len(CN_PREFIX):] if title.startswith(CN_PREFIX) and len(title) > len(CN_PREFIX) else title


def version_hash(parsed: ParsedLaw) -> str:
    parts = [parsed.title, parsed.version_date or ""]
    parts += [f"{a.key}\t{a.text}" for a in parsed.articles]
    return sha256("\n".join(parts))


@dataclass(frozen=True)
class LoadReport:
    """What loading one parsed law did to the store."""

    source: str
    law_title: str
    action: str  # created | new_version | history | unchanged | replaced | restored
    version_date: str | None
    article_count: int
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    superseded_date: str | None = None

    @property
    def changed_store(self) -> bool:
        return self.action != "unchanged"


_ARTICLE_SQL = """
SELECT a.id, a.version_id, a.law_id, a.number, a.suffix, a.label, a.chapter, a.text,
       v.version_date, v.is_current, l.title, l.region, v.effective_date, l.status, l.repealed_on
FROM articles a JOIN versions v ON v.id = a.version_id JOIN laws l ON l.id = a.law_id
"""


def _article(row: Sequence) -> Article:
    (aid, version_id, law_id, number, suffix, label, chapter, text,
     version_date, is_current, title, region, effective_date, status, repealed_on) = row
    uid = f"{law_key(title)}@{version_date or 'undated'}#{number}{suffix}"
    return Article(
        id=aid, uid=uid, law_id=law_id, law_title=title, version_id=version_id,
        version_date=version_date, number=number, suffix=suffix, label=label, chapter=chapter,
        text=text, is_current=bool(is_current), region=region, effective_date=effective_date,
        law_status=status, repealed_on=repealed_on,
    )


class WriteDatabase(Database):
    """sqlite-utils ``Database`` whose outermost ``atomic()`` is ``BEGIN IMMEDIATE``.

    A deferred ``BEGIN`` that reads before it writes cannot upgrade to a write lock once another
    connection (the bot's workers, a CLI) has committed meanwhile: SQLite answers "database is
    locked" at once, without waiting. Taking the write lock up front makes a writer wait its turn
    (busy timeout) instead. Nested blocks still use savepoints."""

    @contextmanager
    def atomic(self):
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        dbopen.ensure_writable(self.conn)
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")


class _Rollback(Exception):
    """Raised inside a transaction only to undo it."""


class Store:
    """Access to one lawbot SQLite database (WAL mode, busy timeout, migrated on open)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        conn, self.read_only = dbopen.connect(self.path)  # read-only when the home is not writable
        if not self.read_only:
            conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        self.db = WriteDatabase(conn)
        self._catalog: tuple[int, LawCatalog] | None = None  # (revision it was built at, catalog)
        if not self.read_only or not self.path.exists():  # in memory when there is no file to read
            migrations.apply(self.db)
        elif migrations.pending(self.db):
            raise ReadOnlyHomeError(f"数据目录 {self.path.parent} 由旧版本建立且不可写：请在可写的位置运行一次 lawbot 以升级。")
        if self.read_only:
            dbopen.seal(conn)

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- writing -------------------------------------------------------------------------

    def load_law(self, parsed: ParsedLaw, source: str = "", *, replace: bool = False,
                 actor: str = audit.SYSTEM) -> LoadReport:
        """Store one parsed law version in a single transaction and report what changed.

        A text already stored is ``unchanged``, unless that version had been withdrawn (corrected
        by ``replace`` or rolled back): loading it again reinstates it (``restored``). A different
        text with the date of a stored version is refused (:class:`VersionConflictError`) unless
        ``replace``: then it corrects that version, which is kept as ``replaced`` for the audit."""
        content_hash = version_hash(parsed)
        with self.db.atomic():
            law_id, renamed = self._upsert_law(parsed)
            same = self._one("SELECT id, state FROM versions WHERE law_id=? AND content_hash=?",
                             (law_id, content_hash))
            if same and same[1] == "active":
                dated = self.db.execute("UPDATE versions SET effective_date=? WHERE id=? AND effective_date IS NULL"
                                        " AND ? IS NOT NULL", (parsed.effective_date, same[0],
                                                               parsed.effective_date)).rowcount
                if renamed or dated:  # same text, new names or dates: lookups must see them
                    self._bump_revision()
                report = LoadReport(source, parsed.title, "unchanged", parsed.version_date,
                                    len(parsed.articles))
                self._log(report)
                return report
            current = self._one("SELECT id, version_date FROM versions WHERE law_id=? AND is_current=1",
                                (law_id,))
            if same:
                report = self._reinstate(law_id, same[0], current, parsed, source)
            else:
                clash = self._one("SELECT id, is_current FROM versions WHERE law_id=? AND state='active'"
                                  " AND version_date IS ?", (law_id, parsed.version_date))
                if clash and not replace:
                    raise VersionConflictError(
                        f"《{parsed.title}》已有 {parsed.version_date or '未注明日期'} 的版本，但内容不同。"
                        "如这是对该版本的更正，请加 --replace（原文本会保留在审计记录中）；"
                        "如是新的修正版本，请在文件名或沿革中写明新的日期。")
                version_id = self._insert_version(law_id, parsed, content_hash, source)
                self._insert_articles(version_id, law_id, parsed.articles)
                if clash:
                    report = self._replace(law_id, clash, version_id, parsed, source)
                else:
                    report = self._settle_versions(law_id, version_id, current, parsed, source)
            self._bump_revision()
            self._log(report)
            audit.record(self.db, actor, f"load:{report.action}", parsed.title,
                         {"source": source, "version_date": report.version_date,
                          "added": list(report.added), "changed": list(report.changed),
                          "removed": list(report.removed)})
            return report

    def _replace(self, law_id: int, clash, version_id: int, parsed: ParsedLaw, source: str) -> LoadReport:
        """The new text corrects the stored version of the same date, which is withdrawn."""
        old_id, was_current = clash
        added, changed, removed = self._diff(old_id, version_id)
        self.db.execute("UPDATE versions SET state='replaced', is_current=0,"
                        " superseded_at=strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id=?", (old_id,))
        self._make_current(law_id)
        return LoadReport(source, parsed.title, "replaced", parsed.version_date, len(parsed.articles),
                          added, changed, removed, superseded_date=parsed.version_date)

    def _reinstate(self, law_id: int, version_id: int, current, parsed: ParsedLaw,
                   source: str) -> LoadReport:
        """A withdrawn version loaded again becomes active again (and withdraws its correction)."""
        self.db.execute("UPDATE versions SET state='replaced', is_current=0 WHERE law_id=? AND"
                        " state='active' AND version_date IS ? AND id != ?",
                        (law_id, parsed.version_date, version_id))
        self.db.execute("UPDATE versions SET state='active', superseded_at=NULL WHERE id=?", (version_id,))
        self._make_current(law_id)
        added = changed = removed = ()
        if current and current[0] != version_id:
            added, changed, removed = self._diff(current[0], version_id)
        return LoadReport(source, parsed.title, "restored", parsed.version_date, len(parsed.articles),
                          added, changed, removed, superseded_date=current[1] if current else None)

    def _make_current(self, law_id: int) -> int | None:
        """The newest active version becomes current (by date, then load order)."""
        row = self._one("SELECT id FROM versions WHERE law_id=? AND state='active'"
                        " ORDER BY version_date IS NULL, version_date DESC, id DESC LIMIT 1", (law_id,))
        self.db.execute("UPDATE versions SET is_current=0 WHERE law_id=? AND is_current=1"
                        + (" AND id != ?" if row else ""), (law_id, row[0]) if row else (law_id,))
        if row:
            self.db.execute("UPDATE versions SET is_current=1, superseded_at=NULL WHERE id=?", (row[0],))
        return row[0] if row else None

    def rollback(self, law_id: int, actor: str = audit.SYSTEM,
                 expect: str | None = None) -> tuple[str | None, str | None]:
        """Withdraw the current version; the previous active one becomes current again.
        Returns (withdrawn date, now-current date). Loading the withdrawn file again restores it.
        ``expect``: the current version date the caller saw; if it is no longer current (the
        same request delivered twice), nothing changes."""
        with self.db.atomic():
            law = self._law_row(law_id)
            current = self._one("SELECT id, version_date FROM versions WHERE law_id=? AND is_current=1",
                                (law_id,))
            others = self._one("SELECT COUNT(*) FROM versions WHERE law_id=? AND state='active'"
                               " AND is_current=0", (law_id,))[0]
            if current is not None and expect is not None and current[1] != expect:
                raise CorpusChangeError(f"《{law[1]}》的现行版本已是 {current[1] or '未注明日期'}，"
                                        f"不是 {expect}，未作改动（可能已经回退过）。")
            if current is None or not others:
                raise CorpusChangeError(f"《{law[1]}》只有一个有效版本，没有可回退的早先版本。")
            self.db.execute("UPDATE versions SET state='rolled_back', is_current=0,"
                            " superseded_at=strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id=?", (current[0],))
            new_id = self._make_current(law_id)
            new_date = self._one("SELECT version_date FROM versions WHERE id=?", (new_id,))[0]
            added, changed, removed = self._diff(current[0], new_id)
            self._bump_revision()
            audit.record(self.db, actor, "rollback", law[1],
                         {"withdrawn": current[1], "current": new_date, "changed": list(changed),
                          "added": list(added), "removed": list(removed)})
            return current[1], new_date

    def repeal(self, law_id: int, on: str, actor: str = audit.SYSTEM) -> bool:
        """Mark a law 已废止 from date ``on``; False if it already was (from that date)."""
        with self.db.atomic():
            law = self._law_row(law_id)
            if law[2] == "已废止" and law[3] == on:
                return False
            self.db.execute("UPDATE laws SET status='已废止', repealed_on=? WHERE id=?", (on, law_id))
            self._bump_revision()
            audit.record(self.db, actor, "repeal", law[1], {"repealed_on": on, "previous_status": law[2]})
            return True

    def remove(self, law_id: int, actor: str = audit.SYSTEM) -> dict:
        """Delete a law loaded by mistake, with all its versions; the audit trail keeps what it was."""
        with self.db.atomic():
            law = self._law_row(law_id)
            cur = self.db.execute("SELECT version_date, state, content_hash, source_name, article_count,"
                                  " ingested_at FROM versions WHERE law_id=? ORDER BY id", (law_id,))
            cols = [c[0] for c in cur.description]
            snapshot = {"title": law[1], "status": law[2], "versions": [dict(zip(cols, r)) for r in cur]}
            self.db.execute("DELETE FROM articles WHERE law_id=?", (law_id,))
            self.db.execute("DELETE FROM versions WHERE law_id=?", (law_id,))
            self.db.execute("DELETE FROM laws WHERE id=?", (law_id,))
            self._bump_revision()
            audit.record(self.db, actor, "remove", law[1], snapshot)
            return snapshot

    def _law_row(self, law_id: int):
        row = self._one("SELECT id, title, status, repealed_on FROM laws WHERE id=?", (law_id,))
        if row is None:
            raise CorpusChangeError("没有这部法规（可能已被删除）。")
        return row

    def preview_law(self, parsed: ParsedLaw, source: str = "") -> LoadReport:
        """What :meth:`load_law` would do, computed in a transaction that is rolled back."""
        outcome: list[LoadReport] = []
        try:
            with self.db.atomic():
                outcome.append(self.load_law(parsed, source))
                raise _Rollback
        except _Rollback:
            pass
        return outcome[0]

    def log_failure(self, source: str, message: str) -> None:
        with self.db.atomic():
            self.db.execute("INSERT INTO ingest_log (source, action, detail) VALUES (?, 'failed', ?)",
                            (source, json.dumps({"error": message}, ensure_ascii=False)))

    def _upsert_law(self, parsed: ParsedLaw) -> tuple[int, bool]:
        """The law's id, and whether its row is new or its names, level or region changed."""
        row = self._one("SELECT id FROM laws WHERE title=?", (parsed.title,))
        names = json.dumps(list(parsed.short_names), ensure_ascii=False)
        if row:
            changed = self.db.execute(
                "UPDATE laws SET short_names=?, level=?, region=? WHERE id=?"
                " AND (short_names IS NOT ? OR level IS NOT ? OR region IS NOT ?)",
                (names, parsed.level, parsed.region, row[0], names, parsed.level, parsed.region)).rowcount
            return row[0], changed > 0
        cur = self.db.execute(
            "INSERT INTO laws (title, short_names, level, region, status) VALUES (?, ?, ?, ?, ?)",
            (parsed.title, names, parsed.level, parsed.region, parsed.status))
        return cur.lastrowid, True

    def _insert_version(self, law_id: int, parsed: ParsedLaw, content_hash: str, source: str) -> int:
        history = json.dumps([[h.date, h.text] for h in parsed.history], ensure_ascii=False)
        cur = self.db.execute(
            "INSERT INTO versions (law_id, version_date, content_hash, source_name, source_format,"
            " history, preamble, article_count, effective_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (law_id, parsed.version_date, content_hash, source or parsed.source_name,
             parsed.source_format, history, parsed.preamble, len(parsed.articles), parsed.effective_date))
        return cur.lastrowid

    def _insert_articles(self, version_id: int, law_id: int, articles: Iterable[ParsedArticle]) -> None:
        rows = [
            (version_id, law_id, i, a.number, a.suffix, a.label, " / ".join(a.chapter), a.text,
             json.dumps([[p.text, list(p.items)] for p in a.paragraphs], ensure_ascii=False),
             sha256(a.text))
            for i, a in enumerate(articles)
        ]
        self.db.conn.executemany(
            "INSERT INTO articles (version_id, law_id, ordinal, number, suffix, label, chapter, text,"
            " paragraphs, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def _settle_versions(self, law_id: int, version_id: int, current, parsed: ParsedLaw,
                         source: str) -> LoadReport:
        """Make the newest version current; diff the new text against the one it competes with."""
        count = len(parsed.articles)
        if current is None:
            self.db.execute("UPDATE versions SET is_current=1 WHERE id=?", (version_id,))
            return LoadReport(source, parsed.title, "created", parsed.version_date, count)
        old_id, old_date = current
        added, changed, removed = self._diff(old_id, version_id)
        newer = (parsed.version_date or "") >= (old_date or "")
        if newer:
            self.db.execute("UPDATE versions SET is_current=0, superseded_at=strftime('%Y-%m-%dT%H:%M:%SZ','now')"
                            " WHERE id=?", (old_id,))
            self.db.execute("UPDATE versions SET is_current=1 WHERE id=?", (version_id,))
            return LoadReport(source, parsed.title, "new_version", parsed.version_date, count,
                              added, changed, removed, superseded_date=old_date)
        self.db.execute("UPDATE versions SET superseded_at=strftime('%Y-%m-%dT%H:%M:%SZ','now')"
                        " WHERE id=?", (version_id,))
        # An older text loaded after a newer one is kept as history; report it relative to the
        # current text, from the older version's point of view.
        return LoadReport(source, parsed.title, "history", parsed.version_date, count,
                          removed, changed, added, superseded_date=parsed.version_date)

    def _diff(self, old_version: int, new_version: int) -> tuple[tuple[str, ...], ...]:
        def texts(vid: int) -> dict[str, tuple[int, str, str]]:
            rows = self.db.execute(
                "SELECT number, suffix, label, content_hash FROM articles WHERE version_id=?", (vid,))
            return {f"{n}{s}": (n, label, h) for n, s, label, h in rows.fetchall()}

        old, new = texts(old_version), texts(new_version)

        def labels(keys: Iterable[str], side: dict) -> tuple[str, ...]:
            return tuple(side[k][1] for k in sorted(keys, key=lambda k: (side[k][0], k)))

        added = labels(new.keys() - old.keys(), new)
        removed = labels(old.keys() - new.keys(), old)
        changed = labels((k for k in new.keys() & old.keys() if new[k][2] != old[k][2]), new)
        return added, changed, removed

    def _bump_revision(self) -> None:
        self.db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='revision'")

    def _log(self, report: LoadReport) -> None:
        detail = {"version_date": report.version_date, "articles": report.article_count,
                  "added": list(report.added), "changed": list(report.changed),
                  "removed": list(report.removed)}
        self.db.execute("INSERT INTO ingest_log (source, law_title, action, detail) VALUES (?, ?, ?, ?)",
                        (report.source, report.law_title, report.action,
                         json.dumps(detail, ensure_ascii=False)))

    # ---- reading -------------------------------------------------------------------------

    def _one(self, sql: str, params: Sequence = ()):
        return self.db.execute(sql, params).fetchone()

    def revision(self) -> int:
        return int(self._one("SELECT value FROM meta WHERE key='revision'")[0])

    def laws(self) -> list[Law]:
        rows = self.db.execute(
            "SELECT l.id, l.title, l.short_names, l.level, l.region, v.id, v.version_date, l.status,"
            " v.article_count, l.repealed_on, v.effective_date FROM laws l LEFT JOIN versions v ON v.law_id = l.id AND v.is_current = 1"
            " ORDER BY l.region != '全国', l.id").fetchall()
        return [Law(id=r[0], title=r[1], short_names=tuple(json.loads(r[2])), level=r[3], region=r[4],
                    current_version_id=r[5], version_date=r[6], status=r[7], article_count=r[8] or 0,
                    repealed_on=r[9], effective_date=r[10])
                for r in rows]

    def catalog(self) -> LawCatalog:
        """Every name of every law (:class:`kb.query.LawCatalog`), rebuilt only when the store's
        revision moved — by this connection or another process. Building it reads and parses every
        law row, which at the national scale (3,500 laws) cost more than the rest of a query."""
        revision = self.revision()
        if self._catalog is None or self._catalog[0] != revision:
            self._catalog = (revision, LawCatalog.from_laws(self.laws()))
        return self._catalog[1]

    def versions(self, law_id: int) -> list[dict]:
        cur = self.db.execute(
            "SELECT id, version_date, is_current, article_count, source_name, ingested_at, superseded_at,"
            " effective_date, state FROM versions WHERE law_id=? ORDER BY version_date, id", (law_id,))
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, row)) for row in cur.fetchall()]

    def law_by_title(self, title: str) -> Law | None:
        return next((law for law in self.laws() if law.title == title), None)

    def article(self, law_id: int, number: int, suffix: str = "",
                version_id: int | None = None) -> Article | None:
        if version_id is None:
            row = self._one(_ARTICLE_SQL + " WHERE a.law_id=? AND a.number=? AND a.suffix=? AND v.is_current=1",
                            (law_id, number, suffix))
        else:
            row = self._one(_ARTICLE_SQL + " WHERE a.version_id=? AND a.number=? AND a.suffix=?",
                            (version_id, number, suffix))
        return _article(row) if row else None

    def version_on(self, law_id: int, day: str) -> int | None:
        """The version in force on ``day`` (ISO): the newest active one whose effective date (or,
        when the file states none, version date) is on or before that day."""
        row = self._one("SELECT id FROM versions WHERE law_id=? AND state='active'"
                        " AND COALESCE(effective_date, version_date) <= ?"
                        " ORDER BY COALESCE(effective_date, version_date) DESC, id DESC LIMIT 1",
                        (law_id, day))
        return row[0] if row else None

    def article_changes(self, old_version: int, new_version: int) -> list[ArticleChange]:
        """Article-level differences between two versions, in article order: old → new text."""
        def texts(vid: int) -> dict[tuple[int, str], tuple[str, str]]:
            return {(n, s): (label, text) for n, s, label, text in self.db.execute(
                "SELECT number, suffix, label, text FROM articles WHERE version_id=?", (vid,))}

        old, new = texts(old_version), texts(new_version)
        out = []
        for key in sorted(old.keys() | new.keys()):
            before, after = old.get(key), new.get(key)
            if before and after and before[1] == after[1]:
                continue
            kind = "changed" if before and after else ("added" if after else "removed")
            out.append(ArticleChange(key[0], key[1], (after or before)[0], kind,
                                     before[1] if before else "", after[1] if after else ""))
        return out

    def articles_by_ids(self, ids: Sequence[int]) -> list[Article]:
        """Articles for row ids, in the order given (unknown ids are skipped)."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(_ARTICLE_SQL + f" WHERE a.id IN ({marks})", list(ids)).fetchall()
        by_id = {r[0]: _article(r) for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    def law_articles(self, law_id: int, version_id: int | None = None) -> list[Article]:
        if version_id is None:
            sql, params = " WHERE a.law_id=? AND v.is_current=1", (law_id,)
        else:
            sql, params = " WHERE a.version_id=?", (version_id,)
        return [_article(r) for r in self.db.execute(_ARTICLE_SQL + sql + " ORDER BY a.ordinal", params)]

    def current_articles(self, in_force: bool = False) -> Iterator[Article]:
        """Articles of every law's current version (``in_force``: not of repealed laws)."""
        where = " WHERE v.is_current=1" + (" AND l.status != '已废止'" if in_force else "")
        cur = self.db.execute(_ARTICLE_SQL + where + " ORDER BY a.id")
        for row in cur:
            yield _article(row)

    def article_laws(self) -> dict[int, tuple[int, str]]:
        """(law id, law region) of every current article, by article id."""
        return {aid: (law_id, region) for aid, law_id, region in self.db.execute(
            "SELECT a.id, a.law_id, l.region FROM articles a JOIN versions v ON v.id = a.version_id"
            " JOIN laws l ON l.id = a.law_id WHERE v.is_current=1")}

    def count_current_articles(self) -> int:
        return self._one("SELECT COUNT(*) FROM articles a JOIN versions v ON v.id=a.version_id"
                         " WHERE v.is_current=1")[0]

    def ingest_log(self, limit: int = 50) -> list[dict]:
        cur = self.db.execute("SELECT id, at, source, law_title, action, detail FROM ingest_log"
                              " ORDER BY id DESC LIMIT ?", (limit,))
        return [dict(zip([c[0] for c in cur.description], r)) for r in cur.fetchall()]

    # ---- embedding cache -----------------------------------------------------------------

    def cached_vectors(self, hashes: Sequence[str], model_id: str) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(hashes), 500):
            chunk = list(hashes[start:start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT content_hash, vector FROM embeddings WHERE model_id=? AND content_hash IN ({marks})",
                [model_id, *chunk])
            for h, blob in rows:
                found[h] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_vectors(self, model_id: str, items: Iterable[tuple[str, np.ndarray]]) -> None:
        rows = [(h, model_id, int(v.shape[0]), np.asarray(v, dtype=np.float32).tobytes()) for h, v in items]
        with self.db.atomic():
            self.db.conn.executemany(
                "INSERT OR REPLACE INTO embeddings (content_hash, model_id, dim, vector) VALUES (?, ?, ?, ?)",
                rows)

    def integrity_check(self) -> str:
        return self._one("PRAGMA integrity_check")[0]
