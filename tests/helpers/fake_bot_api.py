"""A fake Telegram Bot API server on loopback, so tests can drive the real PTB ``Application``.

python-telegram-bot talks to this server over real HTTP exactly as it talks to
api.telegram.org (``base_url=f"{api.url}/bot"``), so handlers, filters, the updater's long
polling, file downloads and ``AIORateLimiter`` all run unmodified. Tests play users
(``api.user(...)``), inject flood control (``api.fail_next``) and inspect every request
(``api.calls``). Validation follows the real server closely enough to catch what otherwise
only fails in production: malformed HTML, texts over 4096 UTF-16 code units, callback data
over 64 bytes, malformed keyboards and polls. Error descriptions use Telegram's wording where
it is known; a few are readable approximations. Bytes in, JSON out; nothing here imports
``telegram``.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import logging
import mimetypes
import random
import re
import struct
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, TypeVar

from aiohttp import web

__all__ = [
    "DEFAULT_BOT_USER",
    "ApiError",
    "BotMessage",
    "Call",
    "EntityParseError",
    "FakeBotApi",
    "FakeUser",
    "UploadedFile",
    "parse_html",
    "utf16_len",
]

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_BOT_USER: dict[str, Any] = {
    "id": 123456,
    "is_bot": True,
    "first_name": "人防普法助手",
    "username": "lawbot_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_POLL_QUESTION_LENGTH = 300
MAX_POLL_OPTION_LENGTH = 100
MAX_POLL_EXPLANATION_LENGTH = 200
POLL_OPEN_PERIOD = (5, 600)
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024

# Methods whose successful result is a message the user sees; `wait_reply` returns these.
REPLY_METHODS = frozenset(
    {"sendMessage", "editMessageText", "editMessageReplyMarkup", "sendDocument", "sendPhoto",
     "sendPoll"}
)

# PTB sends form fields as strings (nested values JSON-encoded); Telegram decodes per field.
_JSON_FIELDS = frozenset(
    {"reply_markup", "entities", "caption_entities", "options", "commands", "scope",
     "allowed_updates", "link_preview_options", "reply_parameters", "explanation_entities",
     "question_entities", "correct_option_ids", "media"}
)
_INT_FIELDS = frozenset(
    {"chat_id", "message_id", "offset", "limit", "correct_option_id", "open_period",
     "close_date", "reply_to_message_id", "message_thread_id", "cache_time", "max_connections"}
)
_NUMBER_FIELDS = frozenset({"timeout"})
_BOOL_FIELDS = frozenset(
    {"disable_notification", "protect_content", "is_anonymous", "allows_multiple_answers",
     "show_alert", "drop_pending_updates", "is_closed", "allow_sending_without_reply",
     "disable_content_type_detection", "has_spoiler", "show_caption_above_media",
     "allow_paid_broadcast", "allows_revoting", "members_only", "shuffle_options",
     "allow_adding_options", "hide_results_until_closes"}
)
_CHAT_ACTIONS = frozenset(
    {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
     "upload_document", "choose_sticker", "find_location", "record_video_note",
     "upload_video_note"}
)
_INLINE_BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)
# Update types Telegram withholds unless they are listed in allowed_updates explicitly.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_COMMAND_TOKEN_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram uses for lengths and entity offsets."""
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------------------------
# Errors and recorded values
# --------------------------------------------------------------------------------------------


class ApiError(Exception):
    """A Bot API error, answered as ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(
        self, error_code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False, "error_code": self.error_code, "description": self.description
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass(frozen=True)
class UploadedFile:
    """A multipart file part as received from the bot (e.g. ``sendDocument``)."""

    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(frozen=True)
class Call:
    """One recorded HTTP request to the fake, with the answer it got."""

    method: str
    params: dict[str, Any]
    time: float
    status: int
    response: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(frozen=True)
class BotMessage:
    """A message the bot sent or edited, as the user saw it right after that call."""

    method: str
    chat_id: int
    message_id: int
    message: dict[str, Any]  # Bot API Message JSON, as returned to the bot
    params: dict[str, Any]  # decoded request parameters (the raw HTML is in params["text"])

    @property
    def text(self) -> str | None:
        """Plain text (or caption) after entity parsing."""
        return self.message.get("text", self.message.get("caption"))

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        """Rows of inline keyboard buttons, empty if there is no inline keyboard."""
        return (self.message.get("reply_markup") or {}).get("inline_keyboard", [])

    @property
    def button_texts(self) -> list[str]:
        return [button["text"] for row in self.buttons for button in row]


@dataclass(frozen=True)
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    file_name: str | None
    mime_type: str | None

    def as_document(self) -> dict[str, Any]:
        doc = {"file_id": self.file_id, "file_unique_id": self.file_unique_id,
               "file_size": len(self.data)}
        if self.file_name:
            doc["file_name"] = self.file_name
        if self.mime_type:
            doc["mime_type"] = self.mime_type
        return doc


@dataclass
class _Chat:
    user: FakeUser
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    reply_keyboard: dict[str, Any] | None = None
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def next_message_id(self) -> int:
        return next(self._ids)


# --------------------------------------------------------------------------------------------
# HTML parse mode
# --------------------------------------------------------------------------------------------


class EntityParseError(ValueError):
    """HTML that Telegram would reject with "can't parse entities: <message>"."""


_HTML_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link", "code": "code", "pre": "pre",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}
_HTML_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8}));")
_HTML_SPECIAL_RE = re.compile(r"[<&]")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _decode_entity(match: re.Match[str]) -> str | None:
    name, decimal, hexadecimal = match.groups()
    if name:
        return _NAMED_ENTITIES[name]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


def _unescape(value: str) -> str:
    return _HTML_ENTITY_RE.sub(lambda m: _decode_entity(m) or m.group(0), value)


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    offset: int  # UTF-16 offset in the plain text
    out_index: int  # index into the output chunks, to recover the tag's inner text
    order: int  # opening order: ties between equal entities keep source nesting order
    language: str | None = None


class _HtmlParser:
    """A re-implementation of Telegram's (tdlib's) HTML entity parser."""

    def __init__(self, html: str, strict_ampersand: bool) -> None:
        self.html = html
        self.strict_ampersand = strict_ampersand
        self.i = 0
        self.out: list[str] = []
        self.pos = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []
        self.opened = 0

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        while self.i < len(self.html):
            char = self.html[self.i]
            if char == "<":
                self._end_tag() if self.html.startswith("</", self.i) else self._start_tag()
            elif char == "&":
                self._entity()
            else:
                match = _HTML_SPECIAL_RE.search(self.html, self.i)
                end = match.start() if match else len(self.html)
                self._emit(self.html[self.i:end])
                self.i = end
        if self.stack:
            raise EntityParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"], e["_order"]))
        for entity in self.entities:
            del entity["_order"]
        return "".join(self.out), self.entities

    def _at(self, index: int) -> str:
        return f"at byte offset {len(self.html[:index].encode())}"

    def _emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.pos += utf16_len(chunk)

    def _entity(self) -> None:
        match = _HTML_ENTITY_RE.match(self.html, self.i)
        decoded = _decode_entity(match) if match else None
        if match and decoded is not None:
            self._emit(decoded)
            self.i = match.end()
            return
        if self.strict_ampersand:
            raise EntityParseError(
                f'Character "&" must be escaped as "&amp;" unless it starts an HTML entity '
                f"{self._at(self.i)}"
            )
        self._emit("&")
        self.i += 1

    def _start_tag(self) -> None:
        html, begin = self.html, self.i
        j = begin + 1
        while j < len(html) and not html[j].isspace() and html[j] != ">":
            j += 1
        if j >= len(html):
            raise EntityParseError(f"Unclosed start tag {self._at(begin)}")
        name = html[begin + 1:j].lower()
        if name not in _HTML_TAGS:
            raise EntityParseError(f'Unsupported start tag "{name}" {self._at(begin)}')
        attrs, self.i = self._attributes(name, j, begin)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(f'Tag "span" must have class "tg-spoiler" {self._at(begin)}')
        if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise EntityParseError(
                f'Tag "tg-emoji" must have attribute "emoji-id" {self._at(begin)}')
        self.stack.append(_OpenTag(name, attrs, self.pos, len(self.out), self.opened))
        self.opened += 1

    def _attributes(self, name: str, j: int, begin: int) -> tuple[dict[str, str], int]:
        html, n = self.html, len(self.html)
        attrs: dict[str, str] = {}
        unclosed = EntityParseError(f"Unclosed start tag {self._at(begin)}")
        while True:
            while j < n and html[j].isspace():
                j += 1
            if j >= n:
                raise unclosed
            if html[j] == ">":
                return attrs, j + 1
            k = j
            while k < n and not html[k].isspace() and html[k] not in "=>":
                k += 1
            attr = html[j:k].lower()
            if not attr:
                raise EntityParseError(
                    f'Empty attribute name in the tag "{name}" {self._at(begin)}')
            j = k
            while j < n and html[j].isspace():
                j += 1
            if j >= n or html[j] != "=":
                if name == "blockquote" and attr == "expandable":
                    attrs[attr] = ""
                    continue
                raise EntityParseError(
                    f'Expected equal sign in declaration of an attribute of the tag "{name}" '
                    f"{self._at(begin)}"
                )
            j += 1
            while j < n and html[j].isspace():
                j += 1
            if j >= n:
                raise unclosed
            if html[j] in "\"'":
                end = html.find(html[j], j + 1)
                if end == -1:
                    raise unclosed
                attrs[attr] = _unescape(html[j + 1:end])
                j = end + 1
            else:
                k = j
                while k < n and (html[k].isalnum() or html[k] in ".-"):
                    k += 1
                if k == j:
                    raise EntityParseError(
                        f'Expected quote in declaration of an attribute of the tag "{name}" '
                        f"{self._at(begin)}"
                    )
                attrs[attr] = html[j:k]
                j = k

    def _end_tag(self) -> None:
        begin = self.i
        end = self.html.find(">", begin)
        if end == -1:
            raise EntityParseError(f"Unclosed end tag {self._at(begin)}")
        name = self.html[begin + 2:end].strip().lower()
        if not self.stack:
            raise EntityParseError(f"Unexpected end tag {self._at(begin)}")
        tag = self.stack.pop()
        if name != tag.name:
            raise EntityParseError(
                f'Unmatched end tag {self._at(begin)}, expected "</{tag.name}>", '
                f'found "</{name}>"'
            )
        self.i = end + 1
        self._close(tag)

    def _close(self, tag: _OpenTag) -> None:
        css_class = tag.attrs.get("class", "")
        if tag.name == "code" and self.stack and self.stack[-1].name == "pre" \
                and css_class.startswith("language-"):
            # <pre><code class="language-x"> is one pre entity with a language.
            self.stack[-1].language = css_class[len("language-"):]
            return
        length = self.pos - tag.offset
        if length == 0:
            return  # Telegram drops empty entities
        entity: dict[str, Any] = {"type": _HTML_TAGS[tag.name], "offset": tag.offset,
                                  "length": length, "_order": tag.order}
        if tag.name == "a":
            entity["url"] = tag.attrs.get("href") or "".join(self.out[tag.out_index:])
        elif tag.name == "pre" and tag.language:
            entity["language"] = tag.language
        elif tag.name == "blockquote" and "expandable" in tag.attrs:
            entity["type"] = "expandable_blockquote"
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.attrs["emoji-id"]
        self.entities.append(entity)


def parse_html(html: str, *, strict_ampersand: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram-flavoured HTML into plain text and Bot API entities (UTF-16 offsets).

    Raises EntityParseError for what Telegram rejects: unsupported or unclosed tags, mismatched
    end tags, a raw ``<``. With ``strict_ampersand`` (the default) a raw ``&`` that does not
    start ``&lt;``/``&gt;``/``&amp;``/``&quot;``/``&#NN;`` is rejected too, as the Bot API
    documentation requires; the real server tolerates it, which hides escaping bugs until a
    user types ``<``.
    """
    return _HtmlParser(html, strict_ampersand).run()


def _trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Strip surrounding whitespace like Telegram does, keeping entity offsets right."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_len(text[:len(text) - len(text.lstrip())])
    size = utf16_len(stripped)
    trimmed = []
    for entity in entities:
        start = max(0, entity["offset"] - shift)
        end = min(size, entity["offset"] + entity["length"] - shift)
        if end > start:
            trimmed.append({**entity, "offset": start, "length": end - start})
    return stripped, trimmed


# --------------------------------------------------------------------------------------------
# Request decoding and validation helpers
# --------------------------------------------------------------------------------------------


def _coerce(key: str, value: Any) -> Any:
    """Decode one form value the way Telegram does for that field."""
    if not isinstance(value, str):
        return value
    try:
        if key in _JSON_FIELDS:
            return json.loads(value)
        if key in _INT_FIELDS:
            return int(value)
        if key in _NUMBER_FIELDS:
            return float(value) if "." in value else int(value)
        if key in _BOOL_FIELDS:
            return value.lower() in ("true", "1")
    except ValueError:
        if key == "chat_id":
            return value  # "@channelusername"
        if key == "reply_markup":
            raise _bad("can't parse reply keyboard markup JSON object") from None
        raise _bad(f'can\'t parse field "{key}"') from None
    return value


async def _read_params(request: web.Request) -> dict[str, Any]:
    raw: dict[str, Any] = dict(request.query)
    if request.body_exists:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise _bad("can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise _bad("JSON request body must be an object")
            raw.update(body)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    value = UploadedFile(value.filename, value.content_type, value.file.read())
                raw[key] = value
    return {key: _coerce(key, value) for key, value in raw.items()}


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _bad("can't parse inline keyboard button: Text must be non-empty")
    actions = [key for key in _INLINE_BUTTON_ACTIONS if key in button]
    if not actions:
        raise _bad("text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise _bad("can't parse inline keyboard button: exactly one optional field must be used")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise _bad("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not re.match(r"(https?|tg)://\S+$", url):
            raise _bad(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def _check_reply_markup(markup: Any, *, inline_only: bool = False) -> dict[str, Any] | None:
    """Validate reply_markup's shape like Telegram; returns it unchanged."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array '
                       "of Arrays")
        for row in rows:
            for button in row:
                _check_inline_button(button)
        return markup
    if inline_only:
        raise _bad("inline keyboard expected")
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
        for button in (button for row in rows for button in row):
            text = button if isinstance(button, str) else (button or {}).get("text")
            if not isinstance(text, str) or not text:
                raise _bad("keyboard button text must be non-empty")
        return markup
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return markup
    raise _bad("can't parse reply keyboard markup JSON object")


def _check_text(text: str, what: str = "text") -> None:
    if not text:
        raise _bad(f"message {what} is empty")
    if utf16_len(text) > MAX_TEXT_LENGTH:
        raise _bad("message is too long")


def _image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG; a plausible default for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    return 100, 100


def _message_id_of(message: BotMessage | dict[str, Any] | int) -> int:
    if isinstance(message, BotMessage):
        return message.message_id
    if isinstance(message, dict):
        return int(message["message_id"])
    return int(message)


def _update_type(update: dict[str, Any]) -> str:
    return next(key for key in update if key != "update_id")


# --------------------------------------------------------------------------------------------
# Simulated users
# --------------------------------------------------------------------------------------------


class FakeUser:
    """A Telegram user in a private chat with the bot (chat id == user id).

    Every action enqueues an update for the bot and, unless ``wait=False``, returns the bot's
    next message to this chat (see ``wait_reply``). Actions may be awaited from any event loop;
    they run on the fake's loop.
    """

    def __init__(self, api: FakeBotApi, id: int, first_name: str, *, last_name: str | None,
                 username: str | None, language_code: str | None) -> None:
        self._api = api
        self.id = id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.blocked = False  # True: the bot gets 403 "bot was blocked by the user"
        self.last_message: dict[str, Any] | None = None  # the last message this user sent
        self._cursor = 0  # index into the fake's reply log; replies before it are consumed

    def to_dict(self) -> dict[str, Any]:
        """Bot API User JSON."""
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                user[key] = getattr(self, key)
        return user

    def chat_dict(self) -> dict[str, Any]:
        """Bot API Chat JSON for the private chat with this user."""
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        for key in ("last_name", "username"):
            if getattr(self, key):
                chat[key] = getattr(self, key)
        return chat

    @property
    def reply_keyboard(self) -> dict[str, Any] | None:
        """The ReplyKeyboardMarkup the bot currently shows this user, if any."""
        return self._api._chats[self.id].reply_keyboard

    async def send_text(self, text: str, *, wait: bool = True,
                        timeout: float = 10.0) -> BotMessage | None:
        """Send a text message; ``/commands`` get bot_command entities like in Telegram."""
        return await self._api._on_loop(self._send_text(text, wait, timeout))

    async def press(self, message: BotMessage | dict[str, Any] | int, button: str, *,
                    wait: bool = True, timeout: float = 10.0) -> BotMessage | None:
        """Press an inline button (matched by text, then by callback_data) on a bot message."""
        return await self._api._on_loop(self._press(message, button, wait, timeout))

    async def upload(self, filename: str, data: bytes, caption: str | None = None, *,
                     mime_type: str | None = None, wait: bool = True,
                     timeout: float = 10.0) -> BotMessage | None:
        """Send a document; its bytes are served by getFile and the file download URL."""
        return await self._api._on_loop(
            self._upload(filename, data, caption, mime_type, wait, timeout)
        )

    async def answer_poll(self, poll_message: BotMessage | dict[str, Any] | int,
                          option_ids: list[int], *, wait: bool = True,
                          timeout: float = 10.0) -> BotMessage | None:
        """Vote in a non-anonymous poll the bot sent: a poll_answer (and poll) update."""
        return await self._api._on_loop(
            self._answer_poll(poll_message, option_ids, wait, timeout)
        )

    async def wait_reply(self, timeout: float = 10.0) -> BotMessage:
        """The bot's next message to this chat since the last action or reply returned."""
        return await self._api._on_loop(self._wait_reply(timeout))

    # The implementations below run on the fake's event loop.

    def _new_message(self, **content: Any) -> dict[str, Any]:
        chat = self._api._chats[self.id]
        message = {"message_id": chat.next_message_id(), "from": self.to_dict(),
                   "chat": self.chat_dict(), "date": int(time.time()), **content}
        chat.messages[message["message_id"]] = message
        self.last_message = message
        return message

    async def _act(self, *updates: dict[str, Any], wait: bool,
                   timeout: float) -> BotMessage | None:
        self._cursor = len(self._api._replies)
        for update in updates:
            await self._api._enqueue(update)
        return await self._wait_reply(timeout) if wait else None

    async def _send_text(self, text: str, wait: bool, timeout: float) -> BotMessage | None:
        if not text.strip() or utf16_len(text) > MAX_TEXT_LENGTH:
            raise ValueError("a Telegram client sends 1-4096 UTF-16 code units of text")
        content: dict[str, Any] = {"text": text}
        entities = [
            {"type": "bot_command", "offset": utf16_len(text[:m.start()]),
             "length": utf16_len(m.group())}
            for m in _COMMAND_TOKEN_RE.finditer(text)
        ]
        if entities:
            content["entities"] = entities
        message = self._new_message(**content)
        return await self._act({"message": message}, wait=wait, timeout=timeout)

    async def _press(self, message: BotMessage | dict[str, Any] | int, button: str,
                     wait: bool, timeout: float) -> BotMessage | None:
        message_id = _message_id_of(message)
        current = self._api._chats[self.id].messages.get(message_id)
        if current is None:
            raise LookupError(f"message {message_id} is not in chat {self.id} (deleted?)")
        buttons = [b for row in (current.get("reply_markup") or {}).get("inline_keyboard", [])
                   for b in row]
        chosen = next((b for b in buttons if b.get("text") == button), None) or next(
            (b for b in buttons if b.get("callback_data") == button), None)
        if chosen is None:
            labels = [b.get("text") for b in buttons]
            raise LookupError(f"no inline button {button!r} on message {message_id}: {labels}")
        if "callback_data" not in chosen:
            raise ValueError(f"button {button!r} is not a callback button: {chosen}")
        query_id = str(next(self._api._ids))
        self._api._callback_queries[query_id] = False
        query = {"id": query_id, "from": self.to_dict(), "message": copy.deepcopy(current),
                 "chat_instance": f"chat-instance-{self.id}", "data": chosen["callback_data"]}
        return await self._act({"callback_query": query}, wait=wait, timeout=timeout)

    async def _upload(self, filename: str, data: bytes, caption: str | None,
                      mime_type: str | None, wait: bool, timeout: float) -> BotMessage | None:
        mime_type = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        stored = self._api._store_file(data, filename, mime_type, "documents")
        content: dict[str, Any] = {"document": stored.as_document()}
        if caption:
            content["caption"] = caption
        message = self._new_message(**content)
        return await self._act({"message": message}, wait=wait, timeout=timeout)

    async def _answer_poll(self, poll_message: BotMessage | dict[str, Any] | int,
                           option_ids: list[int], wait: bool,
                           timeout: float) -> BotMessage | None:
        message_id = _message_id_of(poll_message)
        message = self._api._chats[self.id].messages.get(message_id)
        if message is None or "poll" not in message:
            raise LookupError(f"no poll message {message_id} in chat {self.id}")
        poll = message["poll"]
        if poll["is_anonymous"]:
            raise ValueError("bots get poll_answer updates only for non-anonymous polls "
                             "(send_poll(..., is_anonymous=False))")
        if poll["is_closed"]:
            raise ValueError("the poll is closed")
        options = poll["options"]
        if any(not 0 <= i < len(options) for i in option_ids) or len(set(option_ids)) != len(
                option_ids):
            raise ValueError(f"invalid option ids {option_ids} for {len(options)} options")
        if len(option_ids) > 1 and not poll["allows_multiple_answers"]:
            raise ValueError("this poll allows only one answer")
        votes = self._api._poll_votes.setdefault(poll["id"], {})
        if self.id in votes and not poll["allows_revoting"]:
            raise ValueError("this poll does not allow changing the answer")
        if poll["type"] == "quiz" and not option_ids:
            raise ValueError("quiz answers cannot be retracted")
        for i in votes.get(self.id, []):
            options[i]["voter_count"] -= 1
        for i in option_ids:
            options[i]["voter_count"] += 1
        votes[self.id] = list(option_ids)
        if not option_ids:
            del votes[self.id]
        poll["total_voter_count"] = len(votes)
        answer = {"poll_id": poll["id"], "user": self.to_dict(), "option_ids": list(option_ids),
                  "option_persistent_ids": [options[i]["persistent_id"] for i in option_ids]}
        # Telegram sends the new poll state (polls sent by the bot) and the user's answer.
        return await self._act({"poll": copy.deepcopy(poll)}, {"poll_answer": answer},
                               wait=wait, timeout=timeout)

    async def _wait_reply(self, timeout: float) -> BotMessage:
        replies = self._api._replies

        def next_reply() -> tuple[int, BotMessage] | None:
            for index in range(self._cursor, len(replies)):
                if replies[index].chat_id == self.id:
                    return index, replies[index]
            return None

        found = await self._api._wait(next_reply, timeout)
        if found is None:
            raise TimeoutError(
                f"no bot reply in chat {self.id} within {timeout}s"
                f"{self._api._failure_summary()}"
            )
        index, reply = found
        self._cursor = index + 1
        return reply


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


class FakeBotApi:
    """The fake Bot API server; see the module docstring and tests/helpers/README.md.

    Use ``async with FakeBotApi() as api:`` inside a test's event loop, or
    ``with FakeBotApi.in_thread() as api:`` to run it on a background thread with its own loop
    (for code that blocks, like ``Application.run_polling``).
    """

    def __init__(self, token: str | None = "TEST", *, bot_user: dict[str, Any] | None = None,
                 strict_ampersand: bool = True, max_poll_options: int = 10,
                 host: str = "127.0.0.1") -> None:
        self.token = token  # None accepts any token
        self.bot_user = dict(bot_user or DEFAULT_BOT_USER)
        self.strict_ampersand = strict_ampersand
        self.max_poll_options = max_poll_options  # Bot API 9.1+ allows 12; 10 is safe everywhere
        self.host = host
        self.port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._closing = False
        self._changed = asyncio.Condition()
        self._ids = itertools.count(1)
        self._calls: list[Call] = []
        self._replies: list[BotMessage] = []
        self._users: dict[int, FakeUser] = {}
        self._chats: dict[int, _Chat] = {}
        self._queue: list[dict[str, Any]] = []
        self._history: dict[int, dict[str, Any]] = {}  # every update enqueued, by update_id
        self._again: list[dict[str, Any]] = []  # confirmed updates Telegram sends once more
        # Telegram's update ids are large and differ between bots; a fresh start per fake keeps a
        # bot's inbox (which skips ids it has handled) from mistaking a new fake's updates for repeats.
        self._update_ids = itertools.count(random.randrange(10_000, 2**31 - 10**7))
        self._allowed_updates: frozenset[str] | None = None
        self._poll_generation = 0
        self._webhook: dict[str, Any] | None = None
        self._failures: dict[str, list[int]] = {}
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._callback_queries: dict[str, bool] = {}  # query id -> answered
        self._poll_votes: dict[str, dict[int, list[int]]] = {}
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._methods: dict[str, tuple[str, Callable[[dict[str, Any]], Coroutine[Any, Any, Any]]]]
        self._methods = {name.lower(): (name, handler) for name, handler in {
            "getMe": self._get_me, "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook, "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info, "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands, "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "sendDocument": self._send_document, "sendPhoto": self._send_photo,
            "getFile": self._get_file, "sendPoll": self._send_poll, "stopPoll": self._stop_poll,
            "sendChatAction": self._send_chat_action, "deleteMessage": self._delete_message,
            "close": self._true, "logOut": self._true,
        }.items()}

    # ---- lifecycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        if self.port is None:
            raise RuntimeError("FakeBotApi is not running")
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)``."""
        return f"{self.url}/file/bot"

    async def start(self) -> None:
        """Bind an ephemeral loopback port and start serving on the running loop."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._loop = asyncio.get_running_loop()
        self._closing = False
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, 0).start()
        self.port = self._runner.addresses[0][1]
        _LOGGER.debug("FakeBotApi listening on %s", self.url)

    async def stop(self) -> None:
        """Release pending long polls and stop the server."""
        self._closing = True
        await self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @classmethod
    @contextlib.contextmanager
    def in_thread(cls, *args: Any, **kwargs: Any) -> Iterator[FakeBotApi]:
        """Run a FakeBotApi on a daemon thread with its own event loop; stops it on exit."""
        api = cls(*args, **kwargs)
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="fake-bot-api", daemon=True)
        thread.start()
        try:
            asyncio.run_coroutine_threadsafe(api.start(), loop).result(timeout=10)
            try:
                yield api
            finally:
                asyncio.run_coroutine_threadsafe(api.stop(), loop).result(timeout=10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            loop.close()

    def run_sync(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Run a coroutine (e.g. ``user.send_text(...)``) on the fake's loop from another thread
        and block for its result. Meant for ``in_thread`` mode."""
        if self._loop is None:
            coro.close()
            raise RuntimeError("FakeBotApi is not running")
        with contextlib.suppress(RuntimeError):
            if asyncio.get_running_loop() is self._loop:
                coro.close()
                raise ValueError("run_sync would deadlock on the fake's own loop; use await")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    async def _on_loop(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` on the fake's loop, whichever loop the caller runs on."""
        loop = self._loop
        if loop is None:
            coro.close()
            raise RuntimeError("FakeBotApi is not running")
        if asyncio.get_running_loop() is loop:
            return await coro
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop))

    # ---- the test-facing API ---------------------------------------------------------------

    def user(self, id: int = 1001, first_name: str = "测试用户", *,
             last_name: str | None = None, username: str | None = None,
             language_code: str | None = "zh-hans") -> FakeUser:
        """The user with this id (created on first use) and its private chat with the bot."""
        if id not in self._users:
            user = FakeUser(self, id, first_name, last_name=last_name, username=username,
                            language_code=language_code)
            self._users[id] = user
            self._chats[id] = _Chat(user)
        return self._users[id]

    def calls(self, method: str | None = None) -> list[Call]:
        """Recorded requests in arrival order, optionally only one method (case-insensitive).
        File downloads are recorded as the pseudo-method ``downloadFile``."""
        calls = list(self._calls)
        if method is None:
            return calls
        return [call for call in calls if call.method.lower() == method.lower()]

    def sent_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """Current state of the bot's undeleted messages in a chat, by message_id."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        return [copy.deepcopy(message) for _, message in sorted(chat.messages.items())
                if message["from"]["id"] == self.bot_user["id"]]

    def fail_next(self, method: str, n: int = 1, retry_after: int = 1) -> None:
        """Answer the next ``n`` calls of ``method`` with 429 Too Many Requests."""
        self._failures.setdefault(method.lower(), []).extend([retry_after] * n)

    async def push_update(self, update: dict[str, Any]) -> int:
        """Enqueue a raw update (one update-type key, no update_id); returns its update_id."""
        if len([key for key in update if key != "update_id"]) != 1:
            raise ValueError("an update needs exactly one update-type key")
        return await self._on_loop(self._enqueue(update))

    async def redeliver(self, update_id: int) -> None:
        """Deliver an update once more with its original ``update_id``, as Telegram does when the
        bot restarted before confirming it or a webhook POST timed out (polling only here)."""
        update = copy.deepcopy(self._history[update_id])

        async def again() -> None:
            self._again.append(update)
            await self._notify()

        await self._on_loop(again())

    def update_ids(self) -> list[int]:
        """The ids of every update enqueued so far, oldest first."""
        return list(self._history)

    async def wait_for(self, condition: Callable[[], T], timeout: float = 10.0) -> T:
        """Wait until ``condition()`` is truthy and return its value. It is re-evaluated
        whenever the fake's state changes (and every 0.1 s for state outside the fake)."""
        result = await self._on_loop(self._wait(condition, timeout, recheck=0.1))
        if not result:
            raise TimeoutError(f"condition not met within {timeout}s{self._failure_summary()}")
        return result

    # ---- internals: waiting and updates ----------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _wait(self, predicate: Callable[[], T], timeout: float,
                    recheck: float | None = None) -> T | None:
        """Wait on the state-change condition until ``predicate()`` is truthy or time is up."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, timeout)
        async with self._changed:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - loop.time()
                if remaining <= 0 or self._closing:
                    return None
                if recheck is not None:
                    remaining = min(remaining, recheck)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)

    async def _enqueue(self, update: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        self._queue.append({"update_id": update_id, **update})
        self._history[update_id] = copy.deepcopy(self._queue[-1])
        await self._notify()
        return update_id

    def _deliverable(self) -> bool:
        if self._again:
            return True
        allowed = self._allowed_updates
        self._queue = [
            update for update in self._queue
            if (_update_type(update) in allowed if allowed
                else _update_type(update) not in _OPT_IN_UPDATES)
        ]
        return bool(self._queue)

    def _failure_summary(self) -> str:
        failed = [call for call in self._calls[-50:] if not call.ok]
        if not failed:
            return ""
        lines = [f"{call.method}: {call.response.get('description')}" for call in failed[-5:]]
        return "; recent failed bot calls: " + " | ".join(lines)

    # ---- internals: HTTP -------------------------------------------------------------------

    async def _handle_method(self, request: web.Request) -> web.Response:
        started = time.time()
        name = request.match_info["method"]
        params: dict[str, Any] = {}
        entry = self._methods.get(name.lower())
        if entry is not None:
            name = entry[0]
        try:
            self._check_token(request.match_info["token"])
            params = await _read_params(request)
            if entry is None:
                raise ApiError(404, "Not Found: method not found")
            pending = self._failures.get(name.lower())
            if pending:
                retry_after = pending.pop(0)
                raise ApiError(429, f"Too Many Requests: retry after {retry_after}",
                               {"retry_after": retry_after})
            body: dict[str, Any] = {"ok": True, "result": await entry[1](params)}
            status = 200
        except ApiError as exc:
            body, status = exc.to_json(), exc.error_code
        self._calls.append(Call(name, params, started, status, body))
        _LOGGER.debug("%s %s -> %s", name, params, status)
        await self._notify()
        return web.json_response(body, status=status,
                                 dumps=lambda obj: json.dumps(obj, ensure_ascii=False))

    async def _handle_file(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        stored = self._files_by_path.get(path)
        status = 200 if stored is not None else 404
        if self.token is not None and request.match_info["token"] != self.token:
            status = 401
        body = {"ok": status == 200} if status == 200 else {
            "ok": False, "error_code": status,
            "description": "Unauthorized" if status == 401 else "Not Found"}
        self._calls.append(Call("downloadFile", {"file_path": path}, time.time(), status, body))
        await self._notify()
        if status != 200:
            return web.json_response(body, status=status)
        return web.Response(body=stored.data, content_type="application/octet-stream")

    def _check_token(self, token: str) -> None:
        if self.token is not None and token != self.token:
            raise ApiError(401, "Unauthorized")

    # ---- internals: chats, messages, files -------------------------------------------------

    def _chat(self, params: dict[str, Any]) -> _Chat:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise _bad("chat not found")
        if chat.user.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _formatted(self, text: Any, parse_mode: Any, entities: Any,
                   what: str = "text") -> tuple[str, list[dict[str, Any]]]:
        if text is None:
            return "", []
        if not isinstance(text, str):
            raise _bad(f"{what} must be a String")
        if not parse_mode:
            plain, found = text, list(entities) if isinstance(entities, list) else []
        elif str(parse_mode).lower() == "html":
            try:
                plain, found = parse_html(text, strict_ampersand=self.strict_ampersand)
            except EntityParseError as exc:
                raise _bad(f"can't parse entities: {exc}") from None
        elif str(parse_mode).lower() in ("markdown", "markdownv2"):
            plain, found = text, []  # not validated by this fake
        else:
            raise _bad(f"unsupported parse_mode {parse_mode!r}")
        return _trim(plain, found)

    def _caption(self, params: dict[str, Any]) -> dict[str, Any]:
        caption, entities = self._formatted(params.get("caption"), params.get("parse_mode"),
                                            params.get("caption_entities"), "caption")
        if utf16_len(caption) > MAX_CAPTION_LENGTH:
            raise _bad("message caption is too long")
        content: dict[str, Any] = {}
        if caption:
            content["caption"] = caption
        if entities:
            content["caption_entities"] = entities
        return content

    def _reply_to(self, chat: _Chat, params: dict[str, Any]) -> dict[str, Any] | None:
        reply = params.get("reply_parameters")
        if reply is None and params.get("reply_to_message_id"):
            reply = {"message_id": params["reply_to_message_id"],
                     "allow_sending_without_reply": params.get("allow_sending_without_reply")}
        if not isinstance(reply, dict):
            return None
        target = chat.messages.get(reply.get("message_id"))  # type: ignore[arg-type]
        if target is None:
            if reply.get("allow_sending_without_reply"):
                return None
            raise _bad("message to be replied not found")
        return {key: value for key, value in target.items() if key != "reply_to_message"}

    def _post(self, method: str, chat: _Chat, params: dict[str, Any],
              markup: dict[str, Any] | None, **content: Any) -> dict[str, Any]:
        """Store a new bot message, log it as a reply and return its JSON."""
        message: dict[str, Any] = {
            "message_id": chat.next_message_id(),
            "from": {key: value for key, value in self.bot_user.items()
                     if key in ("id", "is_bot", "first_name", "username")},
            "chat": chat.user.chat_dict(), "date": int(time.time()),
            **{key: value for key, value in content.items() if value not in (None, [], "")},
        }
        reply_to = self._reply_to(chat, params)
        if reply_to:
            message["reply_to_message"] = reply_to
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup  # Message.reply_markup is inline-only
        elif markup and "keyboard" in markup:
            chat.reply_keyboard = markup
        elif markup and markup.get("remove_keyboard"):
            chat.reply_keyboard = None
        chat.messages[message["message_id"]] = message
        return self._log_reply(method, chat, message, params)

    def _log_reply(self, method: str, chat: _Chat, message: dict[str, Any],
                   params: dict[str, Any]) -> dict[str, Any]:
        snapshot = copy.deepcopy(message)
        self._replies.append(BotMessage(method, chat.user.id, message["message_id"], snapshot,
                                        params))
        return copy.deepcopy(message)

    def _editable(self, chat: _Chat, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("inline_message_id"):
            raise _bad("inline messages are not supported by FakeBotApi")
        message_id = params.get("message_id")
        if message_id is None:
            raise _bad("message_id is empty")
        message = chat.messages.get(message_id)
        if message is None:
            raise _bad("message to edit not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise _bad("message can't be edited")
        return message

    def _store_file(self, data: bytes, file_name: str | None, mime_type: str | None,
                    folder: str) -> _StoredFile:
        n = next(self._ids)
        suffix = PurePosixPath(file_name).suffix if file_name else ""
        stored = _StoredFile(file_id=f"FAKE-{folder}-{n:06d}", file_unique_id=f"uniq{n:06d}",
                             file_path=f"{folder}/file_{n}{suffix}", data=bytes(data),
                             file_name=file_name, mime_type=mime_type)
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _input_file(self, params: dict[str, Any], key: str, folder: str) -> _StoredFile:
        value = params.get(key)
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value[len("attach://"):])
        if isinstance(value, UploadedFile):
            if not value.data:
                raise _bad("file must be non-empty")
            mime = value.content_type or mimetypes.guess_type(value.filename or "")[0]
            return self._store_file(value.data, value.filename, mime, folder)
        if isinstance(value, str) and value:
            if value in self._files:
                return self._files[value]
            if value.startswith(("http://", "https://")):
                raise _bad("failed to get HTTP URL content")
            raise _bad("wrong file identifier/HTTP URL specified")
        raise _bad(f"there is no {key} in the request")

    # ---- Bot API methods -------------------------------------------------------------------

    async def _true(self, params: dict[str, Any]) -> bool:
        return True

    async def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return dict(self.bot_user)

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self._webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        offset = params.get("offset") or 0
        limit = min(max(params.get("limit") or 100, 1), 100)
        timeout = min(max(params.get("timeout") or 0, 0), 50)
        if params.get("allowed_updates") is not None:
            self._allowed_updates = frozenset(params["allowed_updates"]) or None
        if offset > 0:  # confirm everything before offset
            self._queue = [u for u in self._queue if u["update_id"] >= offset]
        elif offset < 0:  # keep only the last -offset updates
            self._queue = self._queue[offset:]
        self._poll_generation += 1
        generation = self._poll_generation
        await self._wait(lambda: self._poll_generation != generation or self._deliverable(),
                         timeout)
        if self._poll_generation != generation and not self._closing:
            raise ApiError(409, "Conflict: terminated by other getUpdates request; make sure "
                                "that only one bot instance is running")
        again, self._again = self._again, []
        return copy.deepcopy(again + self._queue[:limit])

    async def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = params.get("url") or ""
        if not url:
            return await self._delete_webhook(params)
        if not url.startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        self._webhook = {"url": url, "allowed_updates": params.get("allowed_updates")}
        if params.get("drop_pending_updates"):
            self._queue.clear()
        return True

    async def _delete_webhook(self, params: dict[str, Any]) -> bool:
        self._webhook = None
        if params.get("drop_pending_updates"):
            self._queue.clear()
        return True

    async def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {"url": (self._webhook or {}).get("url", ""),
                                "has_custom_certificate": False,
                                "pending_update_count": len(self._queue)}
        if self._webhook and self._webhook.get("allowed_updates"):
            info["allowed_updates"] = self._webhook["allowed_updates"]
        return info

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), params.get("language_code") or ""

    async def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("too many commands")
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_RE.fullmatch(
                    str(command.get("command", ""))):
                raise _bad("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise _bad("command description must be 1-256 characters")
        self._commands[self._commands_key(params)] = copy.deepcopy(commands)
        return True

    async def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return copy.deepcopy(self._commands.get(self._commands_key(params), []))

    async def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    async def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        text, entities = self._formatted(params.get("text"), params.get("parse_mode"),
                                         params.get("entities"))
        _check_text(text)
        markup = _check_reply_markup(params.get("reply_markup"))
        return self._post("sendMessage", chat, params, markup, text=text, entities=entities)

    async def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        message = self._editable(chat, params)
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        text, entities = self._formatted(params.get("text"), params.get("parse_mode"),
                                         params.get("entities"))
        _check_text(text)
        markup = _check_reply_markup(params.get("reply_markup"), inline_only=True)
        if (text, entities, markup) == (message["text"], message.get("entities", []),
                                        message.get("reply_markup")):
            raise _bad(_NOT_MODIFIED)
        message["text"] = text
        for key, value in (("entities", entities), ("reply_markup", markup)):
            if value:
                message[key] = value
            else:
                message.pop(key, None)  # editing without reply_markup drops the keyboard
        message["edit_date"] = int(time.time())
        return self._log_reply("editMessageText", chat, message, params)

    async def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        message = self._editable(chat, params)
        markup = _check_reply_markup(params.get("reply_markup"), inline_only=True)
        if markup == message.get("reply_markup"):
            raise _bad(_NOT_MODIFIED)
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = int(time.time())
        return self._log_reply("editMessageReplyMarkup", chat, message, params)

    async def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        text = params.get("text")
        if isinstance(text, str) and utf16_len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise _bad("MESSAGE_TOO_LONG")
        query_id = str(params.get("callback_query_id") or "")
        if self._callback_queries.get(query_id) is not False:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        self._callback_queries[query_id] = True
        return True

    async def _send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        stored = self._input_file(params, "document", "documents")
        content = self._caption(params)
        markup = _check_reply_markup(params.get("reply_markup"))
        return self._post("sendDocument", chat, params, markup, document=stored.as_document(),
                          **content)

    async def _send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        stored = self._input_file(params, "photo", "photos")
        content = self._caption(params)
        markup = _check_reply_markup(params.get("reply_markup"))
        width, height = _image_size(stored.data)
        size = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.data), "width": width, "height": height}
        return self._post("sendPhoto", chat, params, markup, photo=[size], **content)

    async def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise _bad("wrong file_id or the file is temporarily unavailable")
        if len(stored.data) > MAX_DOWNLOAD_SIZE:
            raise _bad("file is too big")
        return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.data), "file_path": stored.file_path}

    def _poll_options(self, options: Any) -> list[str]:
        if not isinstance(options, list):
            raise _bad("can't parse options JSON object")
        texts = [option.get("text") if isinstance(option, dict) else option for option in options]
        if len(texts) < 2:
            raise _bad("poll must have at least 2 option")
        if len(texts) > self.max_poll_options:
            raise _bad(f"poll can't have more than {self.max_poll_options} options")
        for text in texts:
            if not isinstance(text, str) or not text.strip():
                raise _bad("poll options must be non-empty")
            if utf16_len(text) > MAX_POLL_OPTION_LENGTH:
                raise _bad(f"poll options length must not exceed {MAX_POLL_OPTION_LENGTH}")
        if len(set(texts)) != len(texts):
            raise _bad("POLL_OPTION_DUPLICATE")
        return [text.strip() for text in texts]

    def _quiz_fields(self, params: dict[str, Any], n_options: int) -> dict[str, Any]:
        correct = params.get("correct_option_ids")
        if correct is None and params.get("correct_option_id") is not None:
            correct = [params["correct_option_id"]]
        if not isinstance(correct, list) or not correct:
            raise _bad("correct_option_id must be specified for quiz polls")
        if any(not isinstance(i, int) or not 0 <= i < n_options for i in correct) or sorted(
                set(correct)) != correct:
            raise _bad("wrong correct option id specified")
        if len(correct) > 1 and not params.get("allows_multiple_answers"):
            raise _bad("a quiz with one answer must have exactly one correct option")
        explanation, entities = self._formatted(
            params.get("explanation"), params.get("explanation_parse_mode"),
            params.get("explanation_entities"), "explanation")
        if utf16_len(explanation) > MAX_POLL_EXPLANATION_LENGTH:
            raise _bad("explanation is too long")
        if explanation.count("\n") > 2:
            raise _bad("explanation can't contain more than 2 line feeds")
        fields: dict[str, Any] = {"correct_option_ids": correct}  # correct_option_id: < 9.6
        if explanation:
            fields["explanation"] = explanation
        if entities:
            fields["explanation_entities"] = entities
        return fields

    async def _send_poll(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        question, question_entities = self._formatted(
            params.get("question"), params.get("question_parse_mode"),
            params.get("question_entities"), "question")
        if not question:
            raise _bad("poll question must be non-empty")
        if utf16_len(question) > MAX_POLL_QUESTION_LENGTH:
            raise _bad("poll question length must not exceed 300")
        options = self._poll_options(params.get("options"))
        poll_type = params.get("type") or "regular"
        if poll_type not in ("regular", "quiz"):
            raise _bad("wrong poll type specified")
        open_period = params.get("open_period")
        low, high = POLL_OPEN_PERIOD
        if open_period is not None and not low <= open_period <= high:
            raise _bad("open_period must be between 5 and 600 seconds")
        poll: dict[str, Any] = {
            "id": f"{next(self._ids):019d}", "question": question,
            "options": [{"text": text, "voter_count": 0, "persistent_id": str(i)}
                        for i, text in enumerate(options)],
            "total_voter_count": 0, "is_closed": bool(params.get("is_closed", False)),
            "is_anonymous": params.get("is_anonymous", True) is not False, "type": poll_type,
            "allows_multiple_answers": bool(params.get("allows_multiple_answers", False)),
            "allows_revoting": bool(params.get("allows_revoting", poll_type != "quiz")),
            "members_only": bool(params.get("members_only", False)),
        }
        if question_entities:
            poll["question_entities"] = question_entities
        if poll_type == "quiz":
            poll.update(self._quiz_fields(params, len(options)))
        if open_period is not None:
            poll["open_period"] = open_period
        if params.get("close_date") is not None:
            poll["close_date"] = params["close_date"]
        markup = _check_reply_markup(params.get("reply_markup"))
        return self._post("sendPoll", chat, params, markup, poll=poll)

    async def _stop_poll(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        message = chat.messages.get(params.get("message_id"))  # type: ignore[arg-type]
        if message is None or "poll" not in message:
            raise _bad("message with poll to stop not found")
        if message["poll"]["is_closed"]:
            raise _bad("poll has already been closed")
        markup = _check_reply_markup(params.get("reply_markup"), inline_only=True)
        message["poll"]["is_closed"] = True
        if markup:
            message["reply_markup"] = markup
        return copy.deepcopy(message["poll"])

    async def _send_chat_action(self, params: dict[str, Any]) -> bool:
        self._chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    async def _delete_message(self, params: dict[str, Any]) -> bool:
        chat = self._chat(params)
        if chat.messages.pop(params.get("message_id"), None) is None:  # type: ignore[arg-type]
            raise _bad("message to delete not found")
        return True



def assert_all_ok(api: FakeBotApi) -> None:
    """Telegram accepted every message the bot sent (valid HTML, lengths, keyboards); 429s are
    retried by the rate limiter and getUpdates 409s only mean a poll ended by stop()."""
    failed = [(c.method, c.status, c.response.get("description")) for c in api.calls()
              if not c.ok and c.status != 429 and c.method != "getUpdates"]
    assert not failed, failed


@contextlib.asynccontextmanager
async def polling(app: Any) -> AsyncIterator[Any]:
    """Run a python-telegram-bot ``Application`` the way ``run_polling`` does (``post_init``, start,
    updater polling), and stop it the same way (updater, application, ``post_stop``)."""
    async with app:
        if app.post_init:
            await app.post_init(app)
        await app.start()
        await app.updater.start_polling(timeout=5)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
            if app.post_stop:
                await app.post_stop(app)
