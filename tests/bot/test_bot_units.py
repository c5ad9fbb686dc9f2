"""Unit tests of the Telegram layer's pure parts: HTML rendering and splitting, callback data,
browse screens, the per-user limiter, token redaction, settings and the pending-state tables."""
from __future__ import annotations

import logging
import re

import pytest

from bot.telegram import callbacks as cb
from bot.telegram import render, screens, staff_screens
from bot.telegram.limits import QuestionLimiter, has_words, too_long
from bot.telegram.render import MAX_MESSAGE, answer_replies, pack, utf16_len
from kb.answer import DISCLAIMER, Answer, Quote
from kb.model import Article, Law
from kb.store import LoadReport
from tests.helpers.fake_bot_api import parse_html

HOSTILE = '<b>粗</b> & <script>alert("x")</script> &amp; a<b 😀'


def art(id: int, number: int, text: str, chapter: str = "第一章 总则", title: str = "中华人民共和国人民防空法",
        version_id: int = 7, current: bool = True) -> Article:
    label = f"第{number}条"
    return Article(id=id, uid=f"x#{number}", law_id=1, law_title=title, version_id=version_id,
                   version_date="2009-08-27", number=number, suffix="", label=label, chapter=chapter,
                   text=f"{label} {text}", is_current=current)


def plain(reply_text: str) -> str:
    text, _ = parse_html(reply_text)  # raises like Telegram on invalid HTML
    assert utf16_len(text) <= MAX_MESSAGE
    return text


def all_callback_data(replies) -> list[str]:
    return [b.callback_data for r in replies if r.keyboard
            for row in r.keyboard.inline_keyboard for b in row]


# ---- HTML and splitting ----------------------------------------------------------------------

def test_dynamic_text_is_escaped_everywhere() -> None:
    a = art(1, 1, HOSTILE, chapter=HOSTILE, title=HOSTILE)
    block = render.article_block(a, highlight="<script>", chapter=True)
    text = plain(block)
    assert HOSTILE in text and f"《{HOSTILE}》" in text
    for replies in (render.full_article_replies(a), render.related_replies([a]),
                    screens.article_screen([a], 1), screens.chapter_screen([a], 0, 0)):
        for r in replies:
            assert HOSTILE in plain(r.text) or "第1条" in plain(r.text)


def test_highlight_is_bold_and_quote_verbatim() -> None:
    a = art(1, 26, "国家鼓励平时利用人民防空工程。平时利用，不得影响其防空效能。")
    html = render.article_block(a, "平时利用，不得影响其防空效能。")
    text, entities = parse_html(html)
    assert a.text in text
    bold = [e for e in entities if e["type"] == "bold"]
    assert any(text[e["offset"]:e["offset"] + e["length"]] == "平时利用，不得影响其防空效能。" for e in bold)


def test_long_answers_split_between_articles_with_keyboard_last() -> None:
    quotes = tuple(Quote(art(i, i, f"第{i}段" + "人民防空工程的维护管理" * 80)) for i in range(1, 12))
    answer = Answer("statute", "q", quotes=quotes, related=(art(99, 99, "相关"),),
                    disclaimer=DISCLAIMER, help_line="如需具体帮助，可拨打 12348。", log_id=5)
    replies = answer_replies(answer)
    assert len(replies) > 1
    assert all(r.keyboard is None for r in replies[:-1]) and replies[-1].keyboard is not None
    texts = [plain(r.text) for r in replies]
    for q in quotes:  # each article lies whole within one message (excerpted past QUOTE_LIMIT)
        excerpt = q.article.text[:render.QUOTE_LIMIT]
        assert sum(excerpt in t for t in texts) == 1
    assert all_callback_data(replies) == ["f:1", "r:99", "fb:5:+", "fb:5:-"]


def test_one_huge_block_is_cut_into_valid_messages() -> None:
    huge = art(1, 1, ("长" * 3000 + "\n") * 3 + "&<>" * 2000)
    replies = render.full_article_replies(huge)
    assert len(replies) >= 3
    joined = "".join(plain(r.text) for r in replies)
    assert joined.count("长") == 9000 and joined.count("&<>") == 2000


def test_pack_counts_utf16_units() -> None:
    emoji = "😀" * 1500  # 3,000 UTF-16 units each
    chunks = pack([emoji, emoji, emoji])
    assert len(chunks) == 3 and all(utf16_len(c) <= MAX_MESSAGE for c in chunks)
    assert pack(["a", "b"]) == ["a\n\nb"]


@pytest.mark.parametrize("kind", ["decline", "advice", "military", "chitchat", "invalid"])
def test_every_answer_kind_renders(kind: str) -> None:
    answer = Answer(kind, "q", message=f"消息 {HOSTILE}", help_line="如需具体帮助，可拨打 12348。")
    replies = answer_replies(answer)
    assert HOSTILE in plain(replies[0].text)
    assert all_callback_data(replies) == (["L:0"] if kind == "decline" else [])


def test_a_decline_for_an_unstated_specific_lists_the_related_articles() -> None:
    from bot.render_text import render_answer

    related = (art(44, 29, "每年六月五日试鸣防空警报。", title="重庆市人民防空条例"), art(45, 35, "x"))
    answer = Answer("decline", "q", related=related, message="法规条文里没有写明您问的这个具体数字",
                    help_line="如需具体帮助，可拨打 12345。")
    replies = answer_replies(answer)
    text = "".join(plain(r.text) for r in replies)
    assert "相关条文：《重庆市人民防空条例》第29条、《中华人民共和国人民防空法》第35条" in text
    assert all_callback_data(replies) == ["L:0", cb.related([44, 45])]
    terminal = render_answer(answer)
    assert "相关条文：《重庆市人民防空条例》第29条" in terminal and terminal.endswith("12345。")


def test_faq_answer_cites_its_basis() -> None:
    from kb.faq import Basis, FaqEntry

    entry = FaqEntry(3, "防空洞能开店吗", "可以 <但须> 办手续 & 备案", (Basis("中华人民共和国人民防空法", 26, "", "第二十六条"),))
    replies = answer_replies(Answer("faq", "q", message=entry.answer, faq=entry, log_id=9), [art(44, 26, "x")])
    text = plain(replies[0].text)
    assert "可以 <但须> 办手续 & 备案" in text and "《中华人民共和国人民防空法》第二十六条" in text
    assert all_callback_data(replies) == ["s:44", "fb:9:+", "fb:9:-"]


# ---- callback data ---------------------------------------------------------------------------

def test_callback_data_is_compact_and_parsed_back() -> None:
    big = 10 ** 12
    built = [cb.article(big), cb.show_article(big), cb.full(big), cb.feedback(big, True), cb.laws(big),
             cb.version(big), cb.chapter(big, 999, big), cb.answer(big), cb.upload(big, False),
             cb.faq_remove(big), cb.related(range(big, big + 10))]
    assert all(len(d.encode()) <= 64 for d in built)
    assert cb.RELATED.match(built[-1]) and built[-1].count(",") < 9  # trimmed to fit
    assert cb.FEEDBACK.match("fb:12:-").groups() == ("12", "-")
    assert cb.CHAPTER.match("vc:3:-1:0") and not cb.ARTICLE.match("a:1;DROP")
    with pytest.raises(ValueError):
        cb._checked("x" * 65)


# ---- browse screens --------------------------------------------------------------------------

def test_chapters_and_pagination() -> None:
    articles = [art(i, i, "内容", chapter=f"第{(i - 1) // 30 + 1}章 / 第一节") for i in range(1, 61)]
    chapters = screens.chapters_of(articles)
    assert [c.name for c in chapters] == ["第1章", "第2章"] and len(chapters[0].articles) == 30
    law = screens.law_screen(articles)
    assert all_callback_data(law) == ["vc:7:0:0", "vc:7:1:0", "L:0"]
    page = screens.chapter_screen(articles, 1, 1)
    data = all_callback_data(page)
    assert "a:51" in data and "a:31" not in data and "vc:7:1:0" in data  # page 2 of chapter 2
    view = screens.article_screen(articles, 31)
    assert all_callback_data(view) == ["a:30", "a:32", "vc:7:1:0", "L:0"]
    assert "不存在" in screens.chapter_screen(articles, 5, 0)[0].text
    flat = [art(i, i, "内容", chapter="") for i in range(1, 4)]
    assert all_callback_data(screens.law_screen(flat))[:3] == ["a:1", "a:2", "a:3"]


def test_laws_screen_pages() -> None:
    laws = [Law(i, f"法{i}<&>", (), "法律", "全国", 100 + i, "2020-01-01", "现行有效", 3) for i in range(1, 26)]
    first = screens.laws_screen(laws, 0)
    assert "法1<&>" in plain(first[0].text)
    assert all_callback_data(first)[-1] == "L:1" and all_callback_data(first)[0] == "v:101"
    last = screens.laws_screen(laws, 99)
    assert all_callback_data(last)[-1] == "L:1" and "v:125" in all_callback_data(last)


def test_staff_screens_escape_and_truncate() -> None:
    report = LoadReport("s", HOSTILE, "new_version", "2024-01-01", 200,
                        added=tuple(f"第{i}条" for i in range(100)), changed=("第一条",), superseded_date="2009-08-27")
    preview = staff_screens.preview_replies(report, "a<b>.md", 12)
    text = plain(preview[0].text)
    assert HOSTILE in text and "a<b>.md" in text and "等 100 条" in text and "修改 1 条：第一条" in text
    assert all_callback_data(preview) == ["up:12:y", "up:12:n"]
    same = staff_screens.preview_replies(LoadReport("s", "法", "unchanged", None, 3), "x.md", None)
    assert all_callback_data(same) == [] and "无需导入" in plain(same[0].text)
    assert staff_screens.local_time("2026-11-26T06:20:57Z") == "11-26 14:20"


# ---- limits ----------------------------------------------------------------------------------

def test_question_limiter_sliding_window() -> None:
    now = [0.0]
    limiter = QuestionLimiter(2, clock=lambda: now[0])
    assert [limiter.check(1) for _ in range(4)] == ["ok", "ok", "refuse", "drop"]
    assert limiter.check(2) == "ok"
    now[0] = 59.0
    assert limiter.check(1) == "drop"
    now[0] = 60.5
    assert limiter.check(1) == "ok"
    limiter.prune()
    assert QuestionLimiter(0).check(1) == "ok"


def test_input_checks() -> None:
    assert not has_words("😀🎉👍 ！？ \n") and has_words("人防") and has_words("22")
    assert too_long("问" * 501) and not too_long("问" * 500 + "   ")


# ---- token redaction, settings, webhook ------------------------------------------------------

def test_token_is_redacted_from_messages_args_and_tracebacks() -> None:
    from bot.telegram.run import RedactToken

    token = "123456:ABC-secret_token"
    logger = logging.getLogger("test.redact")
    handler = logging.Handler()
    records: list[str] = []
    handler.emit = lambda record: records.append(logging.Formatter().format(record))
    handler.addFilter(RedactToken(token))
    logger.addHandler(handler)
    try:
        logger.warning("POST https://api.telegram.org/bot%s/getMe", token)
        logger.warning(f"url-encoded {token.replace(':', '%3A')}")
        try:
            raise RuntimeError(f"connect failed for https://api.telegram.org/bot{token}/getUpdates")
        except RuntimeError:
            logger.exception("polling failed")
    finally:
        logger.removeHandler(handler)
    assert len(records) == 3
    assert all(token not in r and "ABC-secret" not in r for r in records)
    assert "[REDACTED]" in records[0] and "[REDACTED]" in records[2]


def test_configure_logging_quietens_httpx() -> None:
    from bot.telegram.run import RedactToken, configure_logging

    root = logging.getLogger()
    configure_logging("TOKEN")  # under pytest the root logger already has handlers
    try:
        assert logging.getLogger("httpx").level == logging.WARNING
        assert root.handlers and all(any(isinstance(f, RedactToken) for f in h.filters) for h in root.handlers)
    finally:
        for h in root.handlers:
            h.filters[:] = [f for f in h.filters if not isinstance(f, RedactToken)]


def test_settings_from_environment(monkeypatch) -> None:
    from kb.errors import ConfigError
    from app.config import load_settings, load_telegram_settings, parse_staff_ids

    monkeypatch.setenv("LAWBOT_STAFF_IDS", "1, 2,，3,2")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:9/bot")
    monkeypatch.setenv("LAWBOT_QUESTIONS_PER_MINUTE", "5")
    monkeypatch.setenv("LAWBOT_HOME_REGION", "北京市")
    s = load_telegram_settings()
    assert (s.staff_ids, s.api_base_url, s.questions_per_minute) == ((1, 2, 3), "http://127.0.0.1:9/bot", 5)
    monkeypatch.delenv("TELEGRAM_API_BASE_URL")
    assert load_telegram_settings().api_base_url == "https://api.telegram.org/bot"
    core = load_settings("/tmp/x")
    assert (str(core.home), core.home_region, core.db_path.name) == ("/tmp/x", "北京市", "lawbot.db")
    with pytest.raises(ConfigError):
        parse_staff_ids("1,小明")


def test_webhook_options_and_file_url() -> None:
    from bot.telegram.app import file_url_for
    from bot.telegram.run import Webhook
    from kb.errors import ConfigError

    opts = Webhook("https://bot.example.org/tg/hook", "127.0.0.1", 8443, "s3cret").options()
    assert opts == {"listen": "127.0.0.1", "port": 8443, "url_path": "tg/hook",
                    "webhook_url": "https://bot.example.org/tg/hook", "secret_token": "s3cret"}
    assert re.fullmatch(r"[A-Za-z0-9_-]{20,}", Webhook("https://x.org/h").options()["secret_token"])
    for bad in (Webhook("http://x.org/h"), Webhook("https://x.org/h", secret="有空格 的")):
        with pytest.raises(ConfigError):
            bad.options()
    assert file_url_for("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_url_for("http://127.0.0.1:5/bot/") == "http://127.0.0.1:5/file/bot"


# ---- pending state (SQLite) ------------------------------------------------------------------

def test_pending_uploads_claim_once_expire_and_recover(store) -> None:
    from app.pending import PendingAnswers, PendingUploads

    uploads = PendingUploads(store.db)
    uid = uploads.add("9001", "a.md", b"\x00bytes", "法")
    assert uploads.claim(uid) == ("a.md", b"\x00bytes")
    assert uploads.claim(uid) is None  # a second 确认 while processing
    assert uploads.recover() == 1 and uploads.claim(uid) is not None
    uploads.finish(uid)
    assert uploads.claim(uid) is None and not uploads.cancel(uid)
    old = uploads.add("9001", "b.md", b"x")
    store.db.execute("UPDATE pending_uploads SET created_at='2000-01-01T00:00:00Z' WHERE id=?", (old,))
    assert uploads.claim(old) is None  # expired after 24 h
    newer = uploads.add("9001", "c.md", b"y")  # adding purges expired rows; ids are never reused
    assert newer > old and store.db.execute("SELECT filename FROM pending_uploads").fetchall() == [("c.md",)]

    answers = PendingAnswers(store.db)
    store.db.execute("INSERT INTO question_log (channel, question, normalized, kind) VALUES ('t', 'q', 'q', 'decline')")
    answers.start("9001", 1)
    assert answers.current("9001") == 1 and answers.current("1") is None
    assert answers.clear("9001") and answers.current("9001") is None
