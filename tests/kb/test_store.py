"""The statute store: versions, history, no-op re-ingest, transactions and the embedding cache."""
from __future__ import annotations

import numpy as np
import pytest

from kb.embed import HashEmbedder, embed_cached
from kb.model import Paragraph, ParsedArticle, ParsedLaw
from kb.store import Store

CN = {1: "一", 2: "二", 3: "三", 4: "四"}


def law(date: str, texts: dict[int, str], title: str = "中华人民共和国测试法") -> ParsedLaw:
    arts = tuple(
        ParsedArticle(number=n, suffix="", label=f"第{CN[n]}条", paragraphs=(Paragraph(t),))
        for n, t in sorted(texts.items()))
    return ParsedLaw(title=title, articles=arts, version_date=date, short_names=("测试法",), level="法律")


def test_new_version_supersedes_and_reports_changes(store: Store):
    first = store.load_law(law("2018-01-01", {1: "甲。", 2: "乙。", 3: "丙。"}), "v1.md")
    assert first.action == "created" and first.article_count == 3
    second = store.load_law(law("2024-01-01", {1: "甲。", 2: "乙改。", 4: "丁。"}), "v2.md")
    assert second.action == "new_version"
    assert second.added == ("第四条",) and second.changed == ("第二条",) and second.removed == ("第三条",)
    assert second.superseded_date == "2018-01-01"
    (only,) = store.laws()
    assert only.version_date == "2024-01-01" and only.article_count == 3
    versions = store.versions(only.id)
    assert [(v["version_date"], v["is_current"]) for v in versions] == [("2018-01-01", 0), ("2024-01-01", 1)]
    # current text answers; the old text stays queryable as history
    assert store.article(only.id, 2).text.endswith("乙改。")
    assert store.article(only.id, 3) is None
    assert store.article(only.id, 3, version_id=versions[0]["id"]).text.endswith("丙。")
    assert all(a.version_date == "2024-01-01" for a in store.current_articles())


def test_older_version_loaded_later_is_kept_as_history(store: Store):
    store.load_law(law("2024-01-01", {1: "新。"}))
    report = store.load_law(law("2018-01-01", {1: "旧。", 2: "删。"}))
    assert report.action == "history"
    assert store.laws()[0].version_date == "2024-01-01"


def test_same_text_again_changes_nothing(store: Store):
    store.load_law(law("2018-01-01", {1: "甲。"}))
    rev = store.revision()
    counts = store.db.execute("SELECT (SELECT COUNT(*) FROM versions), (SELECT COUNT(*) FROM articles)").fetchone()
    again = store.load_law(law("2018-01-01", {1: "甲。"}))
    assert again.action == "unchanged" and not again.changed_store
    assert store.revision() == rev
    assert store.db.execute("SELECT (SELECT COUNT(*) FROM versions), (SELECT COUNT(*) FROM articles)").fetchone() == counts


def test_failed_load_leaves_nothing_behind(store: Store, monkeypatch):
    store.load_law(law("2018-01-01", {1: "甲。"}, title="另一法"))

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "_insert_articles", boom)
    with pytest.raises(RuntimeError):
        store.load_law(law("2020-01-01", {1: "甲。"}))
    assert [l.title for l in store.laws()] == ["另一法"]
    assert store.db.execute("SELECT COUNT(*) FROM versions").fetchone()[0] == 1


def test_reopening_does_not_rerun_migrations(settings):
    Store(settings.db_path).close()
    s = Store(settings.db_path)
    assert s.db.execute("SELECT COUNT(*) FROM _sqlite_migrations").fetchone()[0] >= 1
    assert s.integrity_check() == "ok"
    s.close()


class CountingEmbedder(HashEmbedder):
    def __init__(self, dim=64, tag="a"):
        super().__init__(dim)
        self.model_id = f"count/{tag}"
        self.seen: list[str] = []

    def embed_passages(self, texts):
        self.seen += list(texts)
        return super().embed_passages(texts)


def test_embedding_cache_by_content_and_model(store: Store):
    e = CountingEmbedder()
    v1 = embed_cached(store, e, ["甲", "乙", "甲"])
    assert sorted(e.seen) == ["乙", "甲"]  # duplicates embedded once
    e.seen.clear()
    v2 = embed_cached(store, e, ["甲", "丙"])
    assert e.seen == ["丙"]  # unchanged text is never embedded twice
    assert np.allclose(v1[0], v2[0])
    other = CountingEmbedder(tag="b")
    embed_cached(store, other, ["甲"])
    assert other.seen == ["甲"]  # another model re-embeds


def test_preview_reports_changes_without_storing(store: Store):
    store.load_law(law("2018-01-01", {1: "甲。", 2: "乙。"}))
    before = (store.revision(), store.db.execute("SELECT COUNT(*) FROM versions").fetchone()[0],
              len(store.ingest_log()))
    report = store.preview_law(law("2024-01-01", {1: "甲。", 2: "乙改。"}))
    assert report.action == "new_version" and report.changed == ("第二条",)
    after = (store.revision(), store.db.execute("SELECT COUNT(*) FROM versions").fetchone()[0],
             len(store.ingest_log()))
    assert after == before
    assert store.laws()[0].version_date == "2018-01-01"


def test_a_writer_that_reads_first_waits_for_another_connection_instead_of_failing(tmp_path):
    """Two connections (the bot's workers, a CLI) on one file: a transaction that reads, then
    writes after another connection committed, must wait its turn, not fail "database is locked"."""
    import threading

    from kb.store import Store

    path = tmp_path / "shared.db"
    first, second = Store(path), Store(path)
    errors: list[BaseException] = []

    def other_writer():
        try:
            with second.db.atomic():
                second.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('other', '1')")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    with first.db.atomic():
        first.db.execute("SELECT count(*) FROM laws").fetchone()
        writer = threading.Thread(target=other_writer)
        writer.start()
        writer.join(0.5)  # the other writer waits for us (busy timeout) …
        first.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('first', '1')")
    writer.join(10)  # … and goes through once we commit
    assert not errors and not writer.is_alive()
    values = dict(second.db.execute("SELECT key, value FROM meta WHERE key IN ('first', 'other')").fetchall())
    assert values == {"first": "1", "other": "1"}
    first.close()
    second.close()


def test_law_names_follow_every_change_of_the_store(store: Store, tmp_path):
    """Lookups by name use a catalog kept between calls; a new law, new short names on the same
    text, a removal — made here or by another process — are seen by the next lookup."""
    from dataclasses import replace

    from kb.errors import NotFoundError
    from kb.lookup import find_law

    store.load_law(law("2018-01-01", {1: "甲。"}), "v1.md")
    assert find_law(store, "测试法").title == "中华人民共和国测试法"
    with pytest.raises(NotFoundError):
        find_law(store, "样本法")
    other = Store(store.path)  # another process's connection to the same home
    other.load_law(law("2020-01-01", {1: "乙。"}, title="中华人民共和国样本法"), "s.md")
    assert find_law(store, "样本法").title == "中华人民共和国样本法"
    renamed = replace(law("2018-01-01", {1: "甲。"}), short_names=("测试法", "试法典"))
    assert other.load_law(renamed, "v1.md").action == "unchanged"  # same text, one more name
    assert find_law(store, "试法典").title == "中华人民共和国测试法"
    revision = store.revision()
    assert other.load_law(renamed, "v1.md").action == "unchanged" and store.revision() == revision
    other.remove(find_law(other, "样本法").id)
    with pytest.raises(NotFoundError):
        find_law(store, "样本法")
    other.close()
