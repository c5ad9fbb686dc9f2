"""Scripted conversations with the real bot: PTB ``Application`` ⇄ loopback Bot API over HTTP.

Each test copies a data directory — the core statutes indexed with the hash embedder for tests
that are not about which article answers (``home``, ``embedder``), or the real corpus indexed by
the real e5 model for those that are (``core_copy``, ``e5``, marked slow) — builds the
Application with :func:`bot.telegram.app.build_application` exactly as ``lawbot bot run`` does,
and plays citizens and staff through ``tests/helpers/fake_bot_api.py``, which validates every
request the way Telegram does (HTML, lengths, callback data, keyboards).
"""
from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import time
from pathlib import Path

import aiohttp
import pytest

from bot.telegram import texts
from bot.telegram.app import build_application
from bot.telegram.run import Webhook
from bot.telegram.workers import Services
from app.config import TelegramSettings
from kb.settings import Settings
from tests.helpers import FakeBotApi, assert_all_ok, run
from tests.helpers.quiz_bot import quiz_bot
from tests.helpers.fake_bot_api import parse_html

STAFF, CITIZEN, OTHER = 9001, 1001, 1002
ANSWERED = "人防工程平时可以做什么用"  # a plain-language question the core answers from statute
DECLINED = "怎么做红烧肉"
TINY_LAW = """# 某市地下空间防汛管理办法

2024年3月1日 某市人民政府第5次常务会议通过

<!-- INFO END -->

## 第一章 总则

第一条 为了加强地下空间防汛管理，保障人民群众生命财产安全，制定本办法。

第二条 暴雨红色预警期间，地下车库、人防工程等地下空间的管理单位应当立即组织人员撤离，并关闭出入口。

## 第二章 附则

第三条 本办法自2024年6月1日起施行。
""".encode()

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")




def running_bot(api: FakeBotApi, home: Path, e5, **overrides):
    """The bot as ``run_polling`` starts and stops it, with staff STAFF and the shared model."""
    return quiz_bot(api, home, embedder=e5, staff=(STAFF,), **overrides)



def current(api: FakeBotApi, chat_id: int, message_id: int) -> dict:
    """A bot message as the user sees it now (after edits)."""
    return next(m for m in api.sent_messages(chat_id) if m["message_id"] == message_id)


def html_of(reply) -> str:
    return reply.params["text"]


# --------------------------------------------------------------------------------------------
# Citizens
# --------------------------------------------------------------------------------------------


def test_start_help_and_command_menu(home, embedder) -> None:
    async def main() -> None:
        async with FakeBotApi() as api, running_bot(api, home, embedder):
            user = api.user(CITIZEN)
            start = await user.send_text("/start")
            assert "人民防空普法助手" in start.text and "隐私说明" in start.text
            assert "部法规" in start.text and "条现行条文" in start.text
            assert "工作人员功能" not in start.text
            help_reply = await user.send_text("/help")
            assert "怎么提问" in help_reply.text
            staff_help = await api.user(STAFF).send_text("/help")
            assert "工作人员功能" in staff_help.text
            menus = [c.params for c in api.calls("setMyCommands")]
            default = next(m for m in menus if "scope" not in m)
            assert [c["command"] for c in default["commands"]][:4] == ["start", "help", "laws", "article"]
            assert {"quiz", "join", "rank", "subscribe"} <= {c["command"] for c in default["commands"]}
            assert all(c["description"] for c in default["commands"])
            scoped = next(m for m in menus if m.get("scope"))
            assert scoped["scope"] == {"type": "chat", "chat_id": STAFF}
            assert "unanswered" in [c["command"] for c in scoped["commands"]]
            assert (await user.send_text("/nosuchcommand")).text == texts.UNKNOWN_COMMAND
            assert_all_ok(api)

    run(main(), 60)


@pytest.mark.slow
def test_question_answer_and_each_button(core_copy, e5) -> None:
    async def main() -> None:
        async with FakeBotApi() as api, running_bot(api, core_copy, e5) as app:
            user = api.user(CITIZEN)
            answer = await user.send_text(ANSWERED)
            assert "《中华人民共和国人民防空法》第" in answer.text
            assert "<blockquote>" in html_of(answer) and answer.params["parse_mode"] == "HTML"
            assert answer.button_texts == ["📄 查看全文", "🔗 相关条文", "👍 有帮助", "👎 没帮助"]
            assert all(len(b["callback_data"].encode()) <= 64 for row in answer.buttons for b in row)

            full = await user.press(answer, "📄 查看全文")
            assert full.method == "sendMessage" and "第三章" in full.text  # the article's chapter
            related = await user.press(answer, "🔗 相关条文")
            assert related.text.startswith("🔗 相关条文") and related.button_texts
            opened = await user.press(related, related.button_texts[0])
            assert opened.method == "sendMessage" and "◀" in opened.button_texts[0]
            step = await user.press(opened, opened.button_texts[1])  # 下一条, edited in place
            assert step.method == "editMessageText" and step.message_id == opened.message_id

            def toasts() -> list:
                return [c for c in api.calls("answerCallbackQuery") if "反馈" in (c.params.get("text") or "")]

            await user.press(answer, "👍 有帮助", wait=False)
            await api.wait_for(lambda: len(toasts()) == 1)
            await user.press(answer, "👎 没帮助", wait=False)
            await api.wait_for(lambda: len(toasts()) == 2)
            assert "改进" in toasts()[1].params["text"]
            services = app.bot_data["services"]
            log_id = int(answer.buttons[1][0]["callback_data"].split(":")[1])
            rows = await services.curation(lambda ops: ops.store.db.execute(
                "SELECT user_ref, value FROM feedback WHERE log_id=?", (log_id,)).fetchall())
            assert rows == [(str(CITIZEN), -1)]  # the second press replaced the first
            logged = await services.curation(lambda ops: ops.log.entry(log_id))
            assert logged["user_ref"] == str(CITIZEN) and logged["channel"] == "telegram"
            assert_all_ok(api)

    run(main(), 60)


def test_follow_up_refers_to_the_article_just_discussed(home, embedder) -> None:
    """那第二十五条呢？ after an answer quoting 人防法第二十四条 is that law's 第二十五条; each user
    has their own conversation."""
    async def main() -> None:
        async with FakeBotApi() as api, running_bot(api, home, embedder):
            user, other = api.user(CITIZEN), api.user(OTHER)
            assert "第二十四条" in (await user.send_text("人防法第二十四条")).text
            assert "第十条" in (await other.send_text("国防动员法第十条")).text
            follow = await user.send_text("那第二十五条呢？")
            assert "《中华人民共和国人民防空法》第二十五条" in follow.text
            assert "《中华人民共和国国防动员法》第十一条" in (await other.send_text("下一条呢")).text

    run(main(), 60)


def test_browse_laws_chapters_articles_and_article_command(home, embedder) -> None:
    async def main() -> None:
        async with FakeBotApi() as api, running_bot(api, home, embedder):
            user = api.user(CITIZEN)
            laws = await user.send_text("/laws")
            assert "已收录" in laws.text and "下一页 ▶" in laws.button_texts
            page2 = await user.press(laws, "下一页 ▶")
            assert page2.method == "editMessageText" and "◀ 上一页" in page2.button_texts
            back = await user.press(page2, "◀ 上一页")
            law = await user.press(back, next(t for t in back.button_texts if "人民防空法" in t))
            assert "请选择章节" in law.text and any("人民防空工程" in t for t in law.button_texts)
            chapter = await user.press(law, next(t for t in law.button_texts if "人民防空工程" in t))
            assert "第十八条" in chapter.button_texts
            article = await user.press(chapter, "第二十二条")
            assert "第二十二条 城市新建民用建筑" in article.text
            up = await user.press(article, "↩ 本章目录")
            assert "第十八条" in up.button_texts

            lookup = await user.send_text("/article 人防法 22")
            assert "《中华人民共和国人民防空法》第二十二条" in lookup.text
            assert (await user.send_text("/article 人防法 第二十二条")).text == lookup.text
            unknown = await user.send_text("/article 不存在的法 3")
            assert "没有找到" in unknown.text and "/laws" in unknown.text
            assert "用法" in (await user.send_text("/article")).text
            missing = await user.send_text("/article 人防法 999")
            assert "没有第999条" in missing.text
            assert_all_ok(api)

    run(main(), 60)


def test_hostile_input_gets_valid_polite_replies(home, embedder) -> None:
    async def main() -> None:
        async with FakeBotApi() as api, running_bot(api, home, embedder):
            user = api.user(CITIZEN)
            markup = await user.send_text("<b>粗体</b> & <script>alert(1)</script>")
            assert markup.text and markup.text != texts.ERROR
            assert (await user.send_text("😀🎉👍")).text == texts.NOT_TEXT
            long_but_legal = await user.send_text("防空洞" * 200)  # 600 characters
            assert "超过 500 字" in long_but_legal.text

            def raw(text: str) -> dict:
                chat = api._chats[CITIZEN]
                message = {"message_id": chat.next_message_id(), "from": user.to_dict(),
                           "chat": user.chat_dict(), "date": int(time.time()), "text": text}
                return {"message": message}

            for text, expected in (("问" * 5000, "超过 500 字"), ("   \n ", texts.NOT_TEXT),
                                   ("", texts.NON_TEXT_MESSAGE)):
                before = len(api.sent_messages(CITIZEN))
                await api.push_update(raw(text))
                await api.wait_for(lambda: len(api.sent_messages(CITIZEN)) > before)
                assert expected in api.sent_messages(CITIZEN)[-1]["text"]
            # Markup in a law title or file name is escaped in the staff preview, too.
            staff = api.user(STAFF)
            preview = await staff.upload("新<法>&规.md", TINY_LAW.replace(b"\xe6\x9f\x90\xe5\xb8\x82", b"A&B<i>"))
            assert "新<法>&规.md" in preview.text and "《A&B<i>地下空间防汛管理办法》" in preview.text
            assert_all_ok(api)

    run(main(), 60)


def test_per_user_question_limit(home, embedder) -> None:
    async def main() -> None:
        async with FakeBotApi() as api, running_bot(api, home, embedder, questions_per_minute=2):
            user, other = api.user(CITIZEN), api.user(OTHER)
            for _ in range(2):
                assert "《" in (await user.send_text("人防法第二十二条")).text
            assert (await user.send_text("人防法第二十三条")).text == texts.SLOW_DOWN
            await user.send_text("人防法第二十四条", wait=False)  # told once: now silently dropped
            assert "《" in (await other.send_text("人防法第二十二条")).text  # others unaffected
            assert [m["text"] for m in api.sent_messages(CITIZEN)].count(texts.SLOW_DOWN) == 1
            assert len(api.sent_messages(CITIZEN)) == 3

    run(main(), 60)


def test_flood_control_429_is_waited_out_and_retried(home, embedder) -> None:
    async def main() -> None:
        async with FakeBotApi() as api, running_bot(api, home, embedder):
            user = api.user(CITIZEN)
            await user.send_text("/start")
            api.fail_next("sendMessage", retry_after=1)
            answer = await user.send_text("人防法第二十二条")
            assert "第二十二条" in answer.text
            attempts = [c for c in api.calls("sendMessage")][-2:]
            assert [c.status for c in attempts] == [429, 200]
            assert attempts[1].time - attempts[0].time >= 1.0

    run(main(), 60)


def test_errors_get_a_polite_reply_and_polling_goes_on(home, embedder, monkeypatch, caplog) -> None:
    from app.answering import Answering

    def broken(self, text, channel="cli", user_ref="", log_question=True):
        raise RuntimeError("simulated failure")

    async def main() -> None:
        async with FakeBotApi() as api, running_bot(api, home, embedder):
            user = api.user(CITIZEN)
            monkeypatch.setattr(Answering, "ask", broken)
            assert (await user.send_text("人防法第二十二条")).text == texts.ERROR
            monkeypatch.undo()
            assert "第二十二条" in (await user.send_text("人防法第二十二条")).text
            shutil.rmtree(home / "index")  # an expected core error carries its own message
            missing = await user.send_text("防空警报试鸣是哪天")
            assert "索引" in missing.text or "知识库" in missing.text

    with caplog.at_level(logging.INFO, logger="bot.telegram"):
        run(main(), 60)
    failures = [r for r in caplog.records if r.name == "bot.telegram" and r.levelno == logging.ERROR]
    assert failures and "from user 1001" in failures[0].getMessage() and failures[0].exc_info


# --------------------------------------------------------------------------------------------
# Staff
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_declined_question_reaches_unanswered_and_staff_answer_it(core_copy, e5) -> None:
    async def main() -> None:
        async with FakeBotApi() as api, running_bot(api, core_copy, e5):
            citizen, staff = api.user(CITIZEN), api.user(STAFF)
            declined = await citizen.send_text(DECLINED)
            assert "不在我能解答的范围内" in declined.text
            assert "12348" not in declined.text  # cooking is no matter for the legal hotline
            assert declined.button_texts == ["📚 浏览已收录的法规"]
            answered = await citizen.send_text(ANSWERED)
            await citizen.press(answered, "👎 没帮助", wait=False)  # 👎 also lands in /unanswered
            await api.wait_for(lambda: any("改进" in (c.params.get("text") or "")
                                           for c in api.calls("answerCallbackQuery")))
            assert "仅供工作人员" in (await citizen.send_text("/unanswered")).text

            listing = await staff.send_text("/unanswered")
            assert listing.text.index(ANSWERED) < listing.text.index(DECLINED)  # newest first
            assert "👎 1" in listing.text and listing.button_texts[:2] == ["答复 1", "答复 2"]
            prompt = await staff.press(listing, "答复 2")
            assert DECLINED in prompt.text and "答案 || 法律依据" in prompt.text
            assert prompt.params["reply_markup"]["force_reply"] is True
            bad = await staff.send_text("只有答案没有依据")
            assert "格式" in bad.text
            wrong = await staff.send_text("可以 || 不存在的法第一条")
            assert "请修改后重新发送" in wrong.text
            done = await staff.send_text("这不属于人防普法范围，请咨询相关部门。 || 人防法第二条")
            assert "已新增常见问答" in done.text

            again = await citizen.send_text(DECLINED)
            assert again.text.startswith("💡 这不属于人防普法范围") and "法律依据" in again.text
            basis = await citizen.press(again, "📄 查看依据条文")
            assert "第二条" in basis.text
            after = await staff.send_text("/unanswered")
            assert DECLINED not in after.text and ANSWERED in after.text

            faq = await staff.send_text("/faq")
            assert DECLINED in faq.text
            retired = await staff.press(faq, faq.button_texts[0])
            assert "已停用" in retired.text
            stats = await staff.send_text("/stats")
            assert "近 7 天统计" in stats.text and "👎 1" in stats.text and "热门条文" in stats.text
            assert "已取消" not in (await staff.send_text("/cancel")).text
            assert_all_ok(api)

    run(main(), 60)


@pytest.mark.slow
def test_staff_upload_preview_confirm_and_new_answers(core_copy, e5) -> None:
    async def main() -> None:
        async with FakeBotApi() as api, running_bot(api, core_copy, e5):
            citizen, staff = api.user(CITIZEN), api.user(STAFF)
            before = await citizen.send_text("某市地下空间防汛管理办法第二条")
            assert "某市地下空间防汛管理办法" not in before.text

            preview = await staff.upload("防汛办法.md", TINY_LAW)
            assert "导入预览" in preview.text and "《某市地下空间防汛管理办法》" in preview.text
            assert "新法规" in preview.text and "共 3 条" in preview.text
            assert preview.button_texts == ["✅ 确认导入", "✖ 取消"]
            assert [c.status for c in api.calls("getFile")] == [200]

            # Answers keep flowing while the admin worker loads the law and rebuilds the index.
            await staff.press(preview, "✅ 确认导入", wait=False)
            during = await citizen.send_text("人防法第二十二条")
            assert "第二十二条" in during.text
            await api.wait_for(lambda: "已导入" in current(api, STAFF, preview.message_id)["text"], 30)
            result = current(api, STAFF, preview.message_id)
            assert "检索索引已更新" in result["text"] and "reply_markup" not in result

            by_reference = await citizen.send_text("某市地下空间防汛管理办法第二条")
            assert "《某市地下空间防汛管理办法》第二条" in by_reference.text
            by_meaning = await citizen.send_text("暴雨红色预警的时候地下车库的人要撤离吗")
            assert "《某市地下空间防汛管理办法》第二条" in by_meaning.text

            # The same file again changes nothing; a new version shows what changed.
            same = await staff.upload("防汛办法.md", TINY_LAW)
            assert "无需导入" in same.text and same.button_texts == []
            v2 = TINY_LAW.replace("2024年3月1日".encode(), "2025年3月1日".encode()).replace(
                "并关闭出入口".encode(), "并关闭出入口、切断电源".encode())
            preview2 = await staff.upload("防汛办法2025.md", v2)
            assert "新版本" in preview2.text and "修改 1 条：第二条" in preview2.text
            cancelled = await staff.press(preview2, "✖ 取消")
            assert "已取消导入" in cancelled.text
            assert_all_ok(api)

    run(main(), 90)


def test_upload_refusals(home, embedder) -> None:
    async def main() -> None:
        async with FakeBotApi() as api, running_bot(api, home, embedder):
            citizen, staff = api.user(CITIZEN), api.user(STAFF)
            refused = await citizen.upload("法规.md", TINY_LAW)
            assert refused.text == texts.UPLOAD_REFUSED
            assert api.calls("getFile") == [] and api.calls("downloadFile") == []
            pdf = await staff.upload("法规.pdf", b"%PDF-1.4")
            assert "DOCX" in pdf.text and api.calls("getFile") == []
            broken = await staff.upload("空的.md", "# 没有条文的文件\n\n只有一句话。".encode())
            assert broken.text.startswith("无法导入 空的.md") and broken.button_texts == []
            assert_all_ok(api)

    run(main(), 60)


@pytest.mark.slow
def test_buttons_and_previews_survive_a_restart(core_copy, e5) -> None:
    async def main() -> None:
        async with FakeBotApi() as api:
            citizen, staff = api.user(CITIZEN), api.user(STAFF)
            async with running_bot(api, core_copy, e5):
                answer = await citizen.send_text(ANSWERED)
                laws = await citizen.send_text("/laws")
                preview = await staff.upload("防汛办法.md", TINY_LAW)
                listing_q = await citizen.send_text(DECLINED)
                listing = await staff.send_text("/unanswered")
                await staff.press(listing, "答复 1")
            assert listing_q.text
            async with running_bot(api, core_copy, e5):  # a new process: nothing in memory survives
                assert "第三章" in (await citizen.press(answer, "📄 查看全文")).text
                assert (await citizen.press(answer, "🔗 相关条文")).text.startswith("🔗")
                await citizen.press(answer, "👍 有帮助", wait=False)
                await api.wait_for(lambda: any("感谢" in (c.params.get("text") or "")
                                               for c in api.calls("answerCallbackQuery")))
                assert "请选择章节" in (await citizen.press(laws, laws.button_texts[0])).text
                # The pending FAQ answer was remembered in SQLite, too.
                assert "已新增常见问答" in (await staff.send_text("请咨询相关部门。 || 人防法第二条")).text
                await staff.press(preview, "✅ 确认导入", wait=False)
                await api.wait_for(lambda: "已导入" in current(api, STAFF, preview.message_id)["text"], 30)
                assert "reply_markup" not in current(api, STAFF, preview.message_id)
            assert_all_ok(api)

    run(main(), 90)


def test_non_staff_cannot_press_staff_buttons(home, embedder) -> None:
    async def main() -> None:
        async with FakeBotApi() as api, running_bot(api, home, embedder):
            citizen, staff = api.user(CITIZEN), api.user(STAFF)
            preview = await staff.upload("防汛办法.md", TINY_LAW)
            # A citizen cannot see that message; forge the same callback in their own chat.
            message = {"message_id": api._chats[CITIZEN].next_message_id(),
                       "from": {"id": api.bot_user["id"], "is_bot": True, "first_name": "bot"},
                       "chat": citizen.chat_dict(), "date": int(time.time()), "text": "x",
                       "reply_markup": {"inline_keyboard": preview.buttons}}
            api._chats[CITIZEN].messages[message["message_id"]] = message
            await citizen.press(message["message_id"], "✅ 确认导入", wait=False)
            alert = await api.wait_for(lambda: [c for c in api.calls("answerCallbackQuery")
                                                if c.params.get("show_alert")])
            assert alert[0].params["text"] == texts.STAFF_ONLY
            assert len(api.calls("getFile")) == 1  # only the staff upload was downloaded

    run(main(), 60)


# --------------------------------------------------------------------------------------------
# Webhook mode
# --------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_webhook_checks_the_secret_token(home, embedder) -> None:
    async def main() -> None:
        async with FakeBotApi() as api:
            settings = Settings(home=home)
            services = Services(settings, embedder=embedder)
            app = build_application(settings, services, "TEST",
                                    telegram=TelegramSettings(api_base_url=api.base_url))
            port = _free_port()
            options = Webhook("https://bot.example.org/tg/hook", "127.0.0.1", port, "s3cret").options()
            user = api.user(CITIZEN)
            update = {"update_id": 1, "message": {
                "message_id": 1, "date": int(time.time()), "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                "from": user.to_dict(), "chat": user.chat_dict()}}
            try:
                async with app:
                    await app.start()
                    await app.updater.start_webhook(**options)
                    try:
                        assert api.calls("setWebhook")[-1].params["secret_token"] == "s3cret"
                        url = f"http://127.0.0.1:{port}/tg/hook"
                        async with aiohttp.ClientSession() as http:
                            async with http.post(url, json=update) as resp:
                                assert resp.status == 403
                            headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
                            async with http.post(url, json=update, headers=headers) as resp:
                                assert resp.status == 200
                        reply = await user.wait_reply()
                        assert "人民防空普法助手" in reply.text
                    finally:
                        await app.updater.stop()
                        await app.stop()
            finally:
                await asyncio.to_thread(services.close)

    run(main(), 60)


@pytest.mark.slow
def test_rendered_answers_are_valid_telegram_html(core_copy, e5) -> None:
    """Every kind of answer the core gives renders to HTML Telegram accepts."""
    from bot.telegram.render import answer_replies
    from kb.assistant import Assistant
    from kb.service import KnowledgeBase

    kb = KnowledgeBase(Settings(home=core_copy), embedder=e5)
    assistant = Assistant(kb)
    try:
        for q in (ANSWERED, DECLINED, "你好", "帮我写个起诉状告人防办", "重庆的雷达站在哪里", "人防法第二十二条"):
            for reply in answer_replies(assistant.answer(q, log=False)):
                text, _ = parse_html(reply.text)
                assert text.strip() and len(text.encode("utf-16-le")) // 2 <= 4096
    finally:
        kb.close()
