"""Callback data for inline buttons: short, self-contained, resolvable from SQLite.

Every button carries the row ids it needs ("a:49", "fb:120:+"), never article text and never a
key into an in-memory map, so keyboards keep working after a restart. Telegram allows at most
64 bytes; :func:`_checked` enforces it when the data is built.
"""
from __future__ import annotations

import re

MAX_BYTES = 64

# prefix -> pattern of the whole data string (used by the CallbackQueryHandlers)
ARTICLE = re.compile(r"^([as]):(\d+)$")       # one article: a = edit the screen, s = new message
FULL = re.compile(r"^f:(\d+)$")               # 查看全文 under an answer (new message)
RELATED = re.compile(r"^r:(\d+(?:,\d+)*)$")   # 相关条文 under an answer
FEEDBACK = re.compile(r"^fb:(\d+):([+-])$")   # 👍 / 👎 on a logged question
LAWS = re.compile(r"^L:(\d+)$")               # law list, page n
VERSION = re.compile(r"^v:(\d+)$")            # chapters of one law version
CHAPTER = re.compile(r"^vc:(\d+):(-?\d+):(\d+)$")  # articles of chapter i of a version, page n
ANSWER = re.compile(r"^ua:(\d+)$")            # staff: answer an unanswered question as an FAQ
UPLOAD = re.compile(r"^up:(\d+):([yn])$")     # staff: confirm / cancel a previewed upload
FAQ_REMOVE = re.compile(r"^fd:(\d+)$")        # staff: retire an FAQ pair


def _checked(data: str) -> str:
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def article(article_id: int) -> str:
    return _checked(f"a:{article_id}")


def show_article(article_id: int) -> str:
    return _checked(f"s:{article_id}")


def full(article_id: int) -> str:
    return _checked(f"f:{article_id}")


def related(article_ids) -> str:
    ids = list(article_ids)
    while ids and len(f"r:{','.join(map(str, ids))}".encode()) > MAX_BYTES:
        ids.pop()
    return _checked("r:" + ",".join(map(str, ids)))


def feedback(log_id: int, positive: bool) -> str:
    return _checked(f"fb:{log_id}:{'+' if positive else '-'}")


def laws(page: int = 0) -> str:
    return _checked(f"L:{page}")


def version(version_id: int) -> str:
    return _checked(f"v:{version_id}")


def chapter(version_id: int, index: int, page: int = 0) -> str:
    return _checked(f"vc:{version_id}:{index}:{page}")


def answer(log_id: int) -> str:
    return _checked(f"ua:{log_id}")


def upload(upload_id: int, confirm: bool) -> str:
    return _checked(f"up:{upload_id}:{'y' if confirm else 'n'}")


def faq_remove(faq_id: int) -> str:
    return _checked(f"fd:{faq_id}")


# ---- quizzes (bot/telegram/quiz*.py): attempt, campaign and item ids only ---------------------
# A shown-option mask is a bit set over the options as the participant saw them (≤ 6 bits).

QUIZ_ANSWER = re.compile(r"^qa:(\d+):(\d+):(\d+)$")   # answer / submit: attempt, position, mask
QUIZ_TOGGLE = re.compile(r"^qt:(\d+):(\d+):(\d+)$")   # multi-answer: the selection after this press
QUIZ_MORE = re.compile(r"^qm:(\d+):(\d+)$")           # 了解更多: the legal basis of an answered item
QUIZ_MENU = re.compile(r"^qj:(\d+):([spr])$")         # campaign menu: scored / practice / rank
QUIZ_SKIP = re.compile(r"^qk:(\d+):([a-z_]+)$")       # registration: skip an optional field


def quiz_answer(attempt_id: int, position: int, mask: int) -> str:
    return _checked(f"qa:{attempt_id}:{position}:{mask}")


def quiz_toggle(attempt_id: int, position: int, mask: int) -> str:
    return _checked(f"qt:{attempt_id}:{position}:{mask}")


def quiz_more(attempt_id: int, position: int) -> str:
    return _checked(f"qm:{attempt_id}:{position}")


def quiz_menu(campaign_id: int, action: str) -> str:
    return _checked(f"qj:{campaign_id}:{action}")


def quiz_skip(campaign_id: int, field: str) -> str:
    return _checked(f"qk:{campaign_id}:{field}")


def mask_of(shown) -> int:
    return sum(1 << i for i in set(shown))


def shown_of(mask: int) -> tuple[int, ...]:
    return tuple(i for i in range(mask.bit_length()) if mask >> i & 1)
