"""End-to-end tests of the fake Bot API server with the real python-telegram-bot stack.

A small real ``Application`` (CommandHandler, HTML echo with an inline button, callback
query, document download, quiz poll) polls tests/helpers/fake_bot_api.py over loopback
HTTP, so these tests also pin down that the fake speaks the wire format PTB 22 uses.
pytest-asyncio is not a dependency: async bodies run through ``tests.helpers.run``.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Poll, Update
from telegram.error import BadRequest, EndPointNotFound, InvalidToken
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    PollAnswerHandler,
    filters,
)

from tests.helpers import run
from tests.helpers.fake_bot_api import EntityParseError, FakeBotApi, parse_html, polling, utf16_len

USER_ID = 1001
WELCOME = "你好，<b>欢迎</b>使用人防普法助手！"
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000002000000030806000000b9eade81"
)

# --------------------------------------------------------------------------------------------
# A small bot
# --------------------------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_html(WELCOME)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    again = InlineKeyboardButton("再说一遍", callback_data="again")
    text = html.escape(update.effective_message.text)
    await update.effective_message.reply_html(
        f"你说：<b>{text}</b>", reply_markup=InlineKeyboardMarkup([[again]]))


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer("好的")
    await query.edit_message_text(f"已收到：{query.data}")


async def document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    doc = update.effective_message.document
    data = bytes(await (await doc.get_file()).download_as_bytearray())
    context.bot_data["downloads"][doc.file_name] = data
    await update.effective_message.reply_text(
        f"收到文件 {doc.file_name}，共 {len(data)} 字节。")


async def quiz(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = await update.effective_message.reply_poll(
        "《人民防空法》自哪一年起施行？", ["1995年", "1997年", "2001年"],
        type=Poll.QUIZ, correct_option_ids=[1], is_anonymous=False,
        explanation="1996年10月29日通过，<b>1997年1月1日</b>起施行。",
        explanation_parse_mode="HTML",
    )
    context.bot_data["polls"][message.poll.id] = (message.chat_id, [1])


async def poll_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    answer = update.poll_answer
    chat_id, correct = context.bot_data["polls"][answer.poll_id]
    await context.bot.send_message(chat_id, "答对了！" if list(answer.option_ids) == correct
                                   else "答错了。")


async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    context.application.stop_running()


def build_app(api: FakeBotApi) -> Application:
    app = (
        ApplicationBuilder().token("TEST").base_url(api.base_url)
        .base_file_url(api.base_file_url).rate_limiter(AIORateLimiter(max_retries=3)).build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("quiz", quiz))
    app.add_handler(CommandHandler("stop", stop))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(MessageHandler(filters.Document.ALL, document))
    app.add_handler(CallbackQueryHandler(button))
    app.add_handler(PollAnswerHandler(poll_answer))
    app.bot_data.update(downloads={}, polls={})
    return app


@contextlib.asynccontextmanager
async def bot_session() -> AsyncIterator[tuple[FakeBotApi, Application]]:
    async with FakeBotApi() as api:
        app = build_app(api)
        async with polling(app):
            yield api, app


def with_bot(body: Callable[[FakeBotApi, Bot], Awaitable[None]]) -> None:
    """Run ``body`` with a fake server, one known user and an initialised plain Bot."""

    async def main() -> None:
        async with FakeBotApi() as api:
            api.user(USER_ID)
            async with Bot("TEST", base_url=api.base_url, base_file_url=api.base_file_url) as bot:
                await body(api, bot)

    run(main())


async def post_json(api: FakeBotApi, method: str, **params: object) -> tuple[int, dict]:
    """Call the fake with a raw JSON body, bypassing PTB."""
    url = f"{api.base_url}TEST/{method}"
    async with aiohttp.ClientSession() as http, http.post(url, json=params) as response:
        return response.status, await response.json()


@pytest.fixture(autouse=True)
def no_leftover_threads() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    leftover = [t for t in set(threading.enumerate()) - before if t.is_alive()]
    assert not leftover, f"threads left running: {leftover}"


# --------------------------------------------------------------------------------------------
# The real Application, end to end
# --------------------------------------------------------------------------------------------


def test_start_command_gets_html_reply() -> None:
    async def main() -> None:
        async with bot_session() as (api, _app):
            reply = await api.user(USER_ID, "小明").send_text("/start")
            assert reply.method == "sendMessage"
            assert reply.text == "你好，欢迎使用人防普法助手！"
            assert reply.message["entities"] == [{"type": "bold", "offset": 3, "length": 2}]
            assert reply.params["text"] == WELCOME and reply.params["parse_mode"] == "HTML"
            assert reply.message["chat"] == {
                "id": USER_ID, "type": "private", "first_name": "小明"}
            assert [m["message_id"] for m in api.sent_messages(USER_ID)] == [reply.message_id]
            assert api.calls("getMe")[0].response["result"]["username"] == "lawbot_test_bot"
            assert api.calls("deleteWebhook")  # the updater's bootstrap

    run(main())


def test_echo_button_press_edits_the_message() -> None:
    async def main() -> None:
        async with bot_session() as (api, _app):
            user = api.user(USER_ID)
            reply = await user.send_text("a < b & c")
            assert reply.text == "你说：a < b & c"
            assert reply.button_texts == ["再说一遍"]

            edited = await user.press(reply, "再说一遍")
            assert (edited.method, edited.message_id) == ("editMessageText", reply.message_id)
            assert edited.text == "已收到：again" and edited.buttons == []
            answers = api.calls("answerCallbackQuery")
            assert [(c.status, c.params["text"]) for c in answers] == [(200, "好的")]
            assert api.sent_messages(USER_ID)[-1]["text"] == "已收到：again"

            again = await user.send_text("再来")  # press by callback_data works too
            assert (await user.press(again, "again")).text == "已收到：again"
            with pytest.raises(LookupError, match="no inline button"):
                await user.press(again, "不存在")

    run(main())


def test_uploaded_document_is_downloaded_byte_for_byte() -> None:
    data = bytes(range(256)) * 64 + "中华人民共和国人民防空法".encode()

    async def main() -> None:
        async with bot_session() as (api, app):
            reply = await api.user(USER_ID).upload("人防法.pdf", data, caption="请看")
            assert app.bot_data["downloads"] == {"人防法.pdf": data}
            assert reply.text == f"收到文件 人防法.pdf，共 {len(data)} 字节。"
            assert api.calls("getFile")[0].ok and api.calls("downloadFile")[0].ok
            assert await api.wait_for(lambda: app.bot_data["downloads"]) == {"人防法.pdf": data}

    run(main())


def test_quiz_poll_and_answer() -> None:
    async def main() -> None:
        async with bot_session() as (api, app):
            user = api.user(USER_ID)
            poll_message = await user.send_text("/quiz")
            poll = poll_message.message["poll"]
            assert (poll["type"], poll["correct_option_ids"], poll["is_anonymous"]) == (
                "quiz", [1], False)
            assert poll["explanation"] == "1996年10月29日通过，1997年1月1日起施行。"
            assert (await user.answer_poll(poll_message, [1])).text == "答对了！"

            stopped = await app.bot.stop_poll(USER_ID, poll_message.message_id)
            assert stopped.is_closed and stopped.options[1].voter_count == 1
            with pytest.raises(ValueError, match="closed"):
                await user.answer_poll(poll_message, [0])

    run(main())


# AIORateLimiter reads RetryAfter.retry_after, which PTB 22 warns will become a timedelta.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_rate_limit_is_retried_by_aio_rate_limiter() -> None:
    async def main() -> None:
        async with bot_session() as (api, _app):
            api.fail_next("sendMessage", retry_after=1)
            reply = await api.user(USER_ID).send_text("/start")
            assert reply.text == "你好，欢迎使用人防普法助手！"
            attempts = api.calls("sendMessage")
            assert [c.status for c in attempts] == [429, 200]
            assert attempts[0].response == {
                "ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1}}
            assert attempts[1].time - attempts[0].time >= 1.0

    run(main())


def test_threaded_fake_serves_an_application_on_another_loop() -> None:
    with FakeBotApi.in_thread() as api:

        async def main() -> None:
            async with polling(build_app(api)):
                reply = await api.user(USER_ID).send_text("你好")  # awaited across loops
                assert reply.text == "你说：你好"

        run(main())


def test_run_polling_against_threaded_fake() -> None:
    with FakeBotApi.in_thread() as api:
        app, user = build_app(api), api.user(USER_ID)
        replies, errors = [], []

        def drive() -> None:
            try:
                replies.append(api.run_sync(user.send_text("/start")))
            except Exception as exc:  # reported by the assertion below
                errors.append(exc)
            finally:
                api.run_sync(user.send_text("/stop", wait=False))

        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        watchdog = threading.Timer(15, loop.call_soon_threadsafe, args=(loop.stop,))
        driver = threading.Thread(target=drive)
        watchdog.start()
        driver.start()
        try:
            app.run_polling(stop_signals=None, close_loop=False)  # blocks until /stop
        finally:
            watchdog.cancel()
            driver.join(10)
            asyncio.set_event_loop(None)
            loop.close()
        assert not errors and replies[0].text == "你好，欢迎使用人防普法助手！"


# --------------------------------------------------------------------------------------------
# Validation, as Telegram does it
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["<b>unclosed", "a < b", "AT&T", "<br>", "<b><i>x</b></i>", "<span>x</span>"]
)
def test_invalid_html_is_a_bad_request(text: str) -> None:
    async def body(api: FakeBotApi, bot: Bot) -> None:
        with pytest.raises(BadRequest, match="(?i)can't parse entities"):
            await bot.send_message(USER_ID, text, parse_mode="HTML")
        assert api.calls("sendMessage")[0].status == 400
        assert api.sent_messages(USER_ID) == []

    with_bot(body)


def test_text_length_counts_utf16_code_units_after_parsing() -> None:
    async def body(api: FakeBotApi, bot: Bot) -> None:
        for too_long in ("x" * 4097, "😀" * 2049):  # 2049 emoji are 4098 UTF-16 units
            with pytest.raises(BadRequest, match="(?i)message is too long"):
                await bot.send_message(USER_ID, too_long)
        assert (await bot.send_message(USER_ID, "😀" * 2048)).text == "😀" * 2048
        tagged = await bot.send_message(USER_ID, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
        assert len(tagged.text) == 4096
        with pytest.raises(BadRequest, match="(?i)text is empty"):
            await bot.send_message(USER_ID, "<b> </b>", parse_mode="HTML")

    with_bot(body)


def test_inline_keyboard_is_validated() -> None:
    async def body(api: FakeBotApi, bot: Bot) -> None:
        def keyboard(data: str) -> InlineKeyboardMarkup:
            return InlineKeyboardMarkup([[InlineKeyboardButton("按钮", callback_data=data)]])

        await bot.send_message(USER_ID, "ok", reply_markup=keyboard("x" * 64))
        for data in ("x" * 65, "法" * 22):  # 22 CJK characters are 66 bytes
            with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
                await bot.send_message(USER_ID, "too long", reply_markup=keyboard(data))
        # Shapes PTB cannot produce, sent as a raw JSON body.
        flat_row = {"inline_keyboard": [{"text": "a", "callback_data": "a"}]}
        status, body = await post_json(api, "sendMessage", chat_id=USER_ID, text="x",
                                       reply_markup=flat_row)
        assert status == 400 and "Array of Arrays" in body["description"]
        status, body = await post_json(api, "sendMessage", chat_id=USER_ID, text="x",
                                       reply_markup={"inline_keyboard": [[{"text": "a"}]]})
        assert body == {"ok": False, "error_code": 400, "description":
                        "Bad Request: text buttons are unallowed in the inline keyboard"}

    with_bot(body)


def test_edits_callbacks_and_chats_are_checked() -> None:
    async def body(api: FakeBotApi, bot: Bot) -> None:
        sent = await bot.send_message(USER_ID, "<i>原文</i>", parse_mode="HTML")
        with pytest.raises(BadRequest, match="(?i)message is not modified"):
            await bot.edit_message_text("<i>原文</i>", USER_ID, sent.message_id,
                                        parse_mode="HTML")
        assert (await bot.edit_message_text("原文", USER_ID, sent.message_id)).text == "原文"
        with pytest.raises(BadRequest, match="(?i)message to edit not found"):
            await bot.edit_message_text("x", USER_ID, 999)
        with pytest.raises(BadRequest, match="(?i)chat not found"):
            await bot.send_message(42, "nobody here")
        with pytest.raises(BadRequest, match="(?i)query id is invalid"):
            await bot.answer_callback_query("123", text="ok")
        with pytest.raises(BadRequest, match="(?i)message_too_long"):
            await bot.answer_callback_query("123", text="长" * 201)
        assert await bot.delete_message(USER_ID, sent.message_id)
        assert api.sent_messages(USER_ID) == []

    with_bot(body)


def test_polls_are_validated() -> None:
    async def body(api: FakeBotApi, bot: Bot) -> None:
        bad_polls = [
            {"question": "只有一个选项", "options": ["甲"]},
            {"question": "选项太多", "options": [str(i) for i in range(11)]},
            {"question": "?" * 301, "options": ["甲", "乙"]},
            {"question": "选项太长", "options": ["甲" * 101, "乙"]},
            {"question": "测验没答案", "options": ["甲", "乙"], "type": "quiz"},
            {"question": "解析太长", "options": ["甲", "乙"], "type": "quiz",
             "correct_option_ids": [0], "explanation": "解" * 201},
            {"question": "时间太短", "options": ["甲", "乙"], "open_period": 3},
        ]
        for kwargs in bad_polls:
            with pytest.raises(BadRequest):
                await bot.send_poll(USER_ID, **kwargs)
        assert [c.status for c in api.calls("sendPoll")] == [400] * len(bad_polls)
        ok = await bot.send_poll(USER_ID, "好", ["甲", "乙"], open_period=600)
        assert api.sent_messages(USER_ID)[-1]["poll"]["open_period"] == 600
        assert [option.text for option in ok.poll.options] == ["甲", "乙"]

    with_bot(body)


def test_bot_uploads_can_be_fetched_again() -> None:
    async def body(api: FakeBotApi, bot: Bot) -> None:
        doc = await bot.send_document(USER_ID, b"%PDF-1.4 fake", filename="report.pdf",
                                      caption="<b>报告</b>", parse_mode="HTML")
        assert (doc.document.file_name, doc.caption) == ("report.pdf", "报告")
        file = await bot.get_file(doc.document.file_id)
        assert bytes(await file.download_as_bytearray()) == b"%PDF-1.4 fake"
        photo = await bot.send_photo(USER_ID, TINY_PNG)
        assert (photo.photo[0].width, photo.photo[0].height) == (2, 3)
        resent = await bot.send_document(USER_ID, doc.document.file_id)
        assert resent.document.file_unique_id == doc.document.file_unique_id
        await bot.set_my_commands([("start", "开始"), ("quiz", "答题")])
        assert [c.command for c in await bot.get_my_commands()] == ["start", "quiz"]
        assert await bot.send_chat_action(USER_ID, "typing")

    with_bot(body)


def test_unknown_method_and_wrong_token() -> None:
    async def body(api: FakeBotApi, bot: Bot) -> None:
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("frobnicate")
        assert await post_json(api, "frobnicate") == (404, {
            "ok": False, "error_code": 404, "description": "Not Found: method not found"})
        with pytest.raises(InvalidToken):
            async with Bot("WRONG", base_url=api.base_url):
                pass

    with_bot(body)


# --------------------------------------------------------------------------------------------
# getUpdates semantics, over raw HTTP
# --------------------------------------------------------------------------------------------


def test_get_updates_long_poll_wakes_on_enqueue_and_confirms_by_offset() -> None:
    async def main() -> None:
        async with FakeBotApi() as api, aiohttp.ClientSession() as http:
            url = f"{api.base_url}TEST/getUpdates"

            async def get_updates(**params: object) -> dict:
                async with http.post(url, json=params) as response:
                    return await response.json()

            loop = asyncio.get_running_loop()
            started = loop.time()
            pending = asyncio.create_task(get_updates(timeout=10))
            await asyncio.sleep(0.2)  # let the long poll reach the server
            assert not pending.done()
            await api.user(USER_ID).send_text("你好", wait=False)
            updates = (await pending)["result"]
            assert loop.time() - started < 1.5
            assert [u["message"]["text"] for u in updates] == ["你好"]

            update_id = updates[0]["update_id"]
            assert (await get_updates(offset=update_id))["result"] == updates  # not confirmed
            started = loop.time()
            assert (await get_updates(offset=update_id + 1, timeout=0.3))["result"] == []
            assert 0.25 <= loop.time() - started < 1.5

            first = asyncio.create_task(get_updates(timeout=10))
            await asyncio.sleep(0.1)
            await get_updates(timeout=0)
            assert (await first)["error_code"] == 409  # terminated by the newer request

    run(main())


# --------------------------------------------------------------------------------------------
# The HTML parser on its own
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "text", "entities"),
    [
        ("<b>粗</b>体", "粗体", [{"type": "bold", "offset": 0, "length": 1}]),
        ("😀<i>x</i>", "😀x", [{"type": "italic", "offset": 2, "length": 1}]),
        ("&lt;a&gt; &amp; &quot; &#20154;&#x9632;", '<a> & " 人防', []),
        ('<a href="https://example.com/?a=1&amp;b=2">链接</a>', "链接",
         [{"type": "text_link", "offset": 0, "length": 2, "url": "https://example.com/?a=1&b=2"}]),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1",
         [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]),
        ('<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>', "st",
         [{"type": "spoiler", "offset": 0, "length": 1},
          {"type": "spoiler", "offset": 1, "length": 1}]),
        ("<blockquote expandable>q</blockquote>", "q",
         [{"type": "expandable_blockquote", "offset": 0, "length": 1}]),
        ("<B><u>x</u></B>", "x", [{"type": "bold", "offset": 0, "length": 1},
                                 {"type": "underline", "offset": 0, "length": 1}]),
        ("a > b", "a > b", []),
    ],
)
def test_parse_html_accepts_telegram_html(source: str, text: str, entities: list) -> None:
    assert parse_html(source) == (text, entities)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("<b>unclosed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("人 < 防", 'Unsupported start tag "" at byte offset 4'),
        ("AT&T", 'Character "&" must be escaped'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ('<a href="x>y', "Unclosed start tag at byte offset 0"),
    ],
)
def test_parse_html_rejects_what_telegram_rejects(source: str, message: str) -> None:
    with pytest.raises(EntityParseError) as excinfo:
        parse_html(source)
    assert message in str(excinfo.value)


def test_lenient_ampersand_and_utf16_len() -> None:
    assert parse_html("AT&T", strict_ampersand=False) == ("AT&T", [])
    assert (utf16_len("人防"), utf16_len("😀"), utf16_len("")) == (2, 2, 0)
