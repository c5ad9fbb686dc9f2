"""One place where a citizen's question is cleaned and bounded before anything reads it.

Questions arrive from the terminal, Telegram, the web and batch files with HTML markup
(``<b>防空洞</b>``), entities (``&nbsp;``), zero-width and control characters pasted from other
apps, and full-width letters and digits (``ＡＢ１２``). Left in, they change which articles are
retrieved, so every channel hands the raw text to :func:`normalize_question` exactly once, in the
core (``kb.assistant``), before question understanding and retrieval. Chinese punctuation
(，。？！：；（）) is kept as typed: it carries meaning and the parsers expect it.

The work per question is bounded here too: :data:`MAX_QUESTION` characters after cleaning is the
single limit every channel and the batch contract apply (:func:`question_problem`), and
:func:`normalize_question` never looks at more than :data:`MAX_RAW` characters of input.
"""
from __future__ import annotations

import html
import re
import unicodedata

MAX_QUESTION = 500  # characters, after cleaning: the one limit for ask, search, batch, bot and web
MAX_RAW = MAX_QUESTION * 8  # raw input beyond this is over-long whatever its markup

TOO_LONG = "您的问题有点长（超过 {limit} 字），请用一两句话说明您最想了解的情况，例如“防空洞能租来开店吗？”。"
EMPTY = "请输入您想了解的问题。"

_BLOCKS = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>")
_BREAKS = re.compile(r"<br\s*/?>|</p\s*>|</div\s*>|</li\s*>", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def _width(ch: str) -> str:
    """Full-width ASCII letters, digits and the ideographic space as their half-width forms."""
    code = ord(ch)
    if ch == "\u3000":
        return " "
    if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A:
        return chr(code - 0xFEE0)
    return ch


def _clean_char(ch: str) -> str:
    cat = unicodedata.category(ch)
    if cat == "Cf":  # zero-width spaces and joiners, BOM, soft hyphen, bidi controls
        return ""
    if cat in ("Cc", "Zl", "Zp"):  # control characters and line separators read as spaces
        return " "
    return _width(ch)


def _strip_markup(text: str) -> str:
    if "<" not in text:
        return text
    text = _BLOCKS.sub(" ", _COMMENT.sub(" ", text))
    text = _BREAKS.sub(" ", text)
    return _TAG.sub("", text)


def normalize_question(text: str | None) -> str:
    """The question as retrieval should see it: no markup, entities, invisible or control
    characters; full-width letters and digits half-width; runs of whitespace as one space."""
    text = unicodedata.normalize("NFC", (text or "")[:MAX_RAW])
    text = _strip_markup(text)
    if "&" in text:
        text = _strip_markup(html.unescape(text))  # &lt;b&gt; is markup too once unescaped
    text = "".join(_clean_char(ch) for ch in text)
    return _SPACE.sub(" ", text).strip()


def too_long(raw: str | None) -> bool:
    """Over :data:`MAX_QUESTION` characters once cleaned (markup does not count against a user)."""
    raw = raw or ""
    return len(raw) > MAX_RAW or len(normalize_question(raw)) > MAX_QUESTION


def question_problem(raw: str | None) -> str | None:
    """A polite Chinese message if the question cannot be answered as sent (empty or over-long),
    else None. Every channel and the batch contract use this one check."""
    if too_long(raw):
        return TOO_LONG.format(limit=MAX_QUESTION)
    if not normalize_question(raw):
        return EMPTY
    return None
