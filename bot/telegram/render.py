"""Answers and articles as Telegram HTML: every dynamic string escaped, every message ≤ 4,096.

Pure functions (no I/O): an :class:`kb.answer.Answer` or an article in, a list of
:class:`Reply` (HTML text plus an optional inline keyboard) out. Long replies are split between
blocks (an article is one block), never inside a tag; the keyboard goes on the last message.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from app.answering import Reply as AppReply
from app.answering import faq_lines
from bot.render_text import version_label
from bot.telegram import callbacks as cb
from kb.answer import Answer
from kb.model import Article

MAX_MESSAGE = 4096  # Telegram's limit, in UTF-16 code units of the parsed text
QUOTE_LIMIT = 1200  # longer articles are excerpted in answers; 查看全文 shows them whole
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Reply:
    """One message to send: Telegram HTML and an optional inline keyboard."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None


def esc(text: object) -> str:
    """Escape a dynamic string for Telegram's HTML parse mode (&, <, >)."""
    return html.escape(str(text), quote=False)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


def keyboard(rows: Iterable[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup | None:
    rows = [list(r) for r in rows if r]
    return InlineKeyboardMarkup(rows) if rows else None


# ---- splitting -------------------------------------------------------------------------------

def _hard_split(block: str, limit: int) -> list[str]:
    """Last resort for one line longer than a message: cut its plain text, re-escaped."""
    out, piece, size = [], [], 0
    for ch in html.unescape(_TAG.sub("", block)):
        escaped = esc(ch)
        n = utf16_len(escaped)
        if size + n > limit:
            out.append("".join(piece))
            piece, size = [], 0
        piece.append(escaped)
        size += n
    if piece:
        out.append("".join(piece))
    return out


def _join(pieces: Iterable[str], limit: int, sep: str) -> list[str]:
    """Greedily join pieces (each within ``limit``) into as few chunks as fit."""
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}{sep}{piece}" if current else piece
        if utf16_len(candidate) <= limit:
            current = candidate
        else:
            if current:
                chunks.append(current)
            current = piece
    if current:
        chunks.append(current)
    return chunks


def _split_block(block: str, limit: int) -> list[str]:
    """A block as pieces within ``limit``: whole if it fits, else by line (tags never span lines)."""
    if utf16_len(block) <= limit:
        return [block]
    if "<blockquote>" in block:  # an article too long for one message: its lines, unquoted
        block = block.replace("<blockquote>", "").replace("</blockquote>", "")
    parts: list[str] = []
    for line in block.split("\n"):
        parts.extend(_hard_split(line, limit) if utf16_len(line) > limit else [line])
    return _join(parts, limit, "\n")


def pack(blocks: Iterable[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Join blocks into as few messages as fit within ``limit``; split only between blocks."""
    return _join((piece for block in blocks for piece in _split_block(block, limit)), limit, "\n\n")


def replies(blocks: Iterable[str], kb: InlineKeyboardMarkup | None = None) -> list[Reply]:
    """Blocks packed into messages; the keyboard rides on the last one."""
    chunks = pack(b for b in blocks if b)
    if not chunks:
        chunks = ["（无内容）"]
    return [Reply(c, kb if i == len(chunks) - 1 else None) for i, c in enumerate(chunks)]


# ---- articles --------------------------------------------------------------------------------

def citation(article: Article) -> str:
    return f"《{esc(article.law_title)}》{esc(article.label)}"


def _marked(text: str, highlight: str) -> str:
    """The text escaped, with the first occurrence of ``highlight`` in bold."""
    if highlight and highlight in text and highlight != text:
        before, after = text.split(highlight, 1)
        return f"{esc(before)}<b>{esc(highlight)}</b>{esc(after)}"
    return esc(text)


def article_block(article: Article, highlight: str = "", prefix: str = "",
                  limit: int | None = None, chapter: bool = False) -> str:
    """《law》第N条 (version), then the article verbatim in a quote (excerpted past ``limit``)."""
    head = f"{prefix}<b>{citation(article)}</b>{esc(version_label(article))}"
    if not article.is_current:
        head += "（历史版本）"
    if article.repealed:
        head += f"\n⚠️ {esc(article.repeal_notice())}"
    if chapter and article.chapter:
        head += f"\n<i>{esc(article.chapter)}</i>"
    text = article.text
    if limit and len(text) > limit:
        shown = _marked(text[:limit], highlight) + "……"
        body = f"<blockquote>{shown}</blockquote>\n（条文较长，点“查看全文”阅读全部。）"
        if highlight and highlight not in text[:limit]:
            body += f"\n要点：<b>{esc(highlight)}</b>"
        return f"{head}\n{body}"
    return f"{head}\n<blockquote>{_marked(text, highlight)}</blockquote>"


def is_excerpted(article: Article) -> bool:
    return len(article.text) > QUOTE_LIMIT


# ---- answers ---------------------------------------------------------------------------------

def _feedback_row(answer: Answer) -> list[InlineKeyboardButton]:
    if answer.log_id is None:
        return []
    return [button("👍 有帮助", cb.feedback(answer.log_id, True)),
            button("👎 没帮助", cb.feedback(answer.log_id, False))]


def _footer(*parts: str) -> str:
    text = "".join(p for p in parts if p)
    return f"<i>{esc(text)}</i>" if text else ""


def answer_replies(answer: AppReply | Answer, basis: Sequence[Article] = ()) -> list[Reply]:
    """An answer of any kind as messages: an :class:`app.answering.Reply` (a bare core
    :class:`Answer` with ``basis``, the FAQ pair's resolved articles, is wrapped in one)."""
    reply = answer if isinstance(answer, AppReply) else AppReply(answer, tuple(basis))
    answer = reply.answer
    if answer.kind == "statute":
        return _statute(answer)
    if answer.kind == "faq":
        return _faq(reply)
    if answer.kind in ("decline", "advice", "military"):
        row = [button("📚 浏览已收录的法规", cb.laws(0))] if answer.kind == "decline" else []
        if answer.related:
            row.append(button("🔗 相关条文", cb.related(a.id for a in answer.related)))
        quoted = [article_block(q.article, q.highlight, "📖 依据", QUOTE_LIMIT) for q in answer.quotes]
        related = [_related_line(answer)] if answer.related else []
        return replies([esc(answer.message), *quoted, *related, esc(answer.help_line)],
                       keyboard([row]) if row else None)
    return replies([esc(answer.message)])  # chitchat, invalid


def _related_line(answer: Answer) -> str:
    return "相关条文：" + "、".join(citation(a) for a in answer.related)


def _statute(answer: Answer) -> list[Reply]:
    blocks = [article_block(q.article, q.highlight, "📖 依据" if i == 0 else "另见", QUOTE_LIMIT)
              for i, q in enumerate(answer.quotes)]
    if answer.related:
        blocks.append(_related_line(answer))
    blocks.append(_footer(answer.disclaimer, answer.help_line))
    first = []
    if answer.lead:
        first.append(button("📄 查看全文", cb.full(answer.lead.article.id)))
    if answer.related:
        first.append(button("🔗 相关条文", cb.related(a.id for a in answer.related)))
    return replies(blocks, keyboard([first, _feedback_row(answer)]))


def _faq(reply: AppReply) -> list[Reply]:
    message, basis_line, footer = faq_lines(reply)
    blocks = [f"💡 {esc(message)}", esc(basis_line), f"<i>{esc(footer)}</i>"]
    first = [button("📄 查看依据条文", cb.show_article(reply.basis[0].id))] if reply.basis else []
    return replies(blocks, keyboard([first, _feedback_row(reply.answer)]))


# ---- whole articles and chapters ------------------------------------------------------------

def full_article_replies(article: Article) -> list[Reply]:
    kb = keyboard([[button("📚 在目录中浏览", cb.version(article.version_id))]])
    return replies([article_block(article, chapter=True)], kb)


def chapter_replies(articles: Sequence[Article], chapter_name: str, version_id: int) -> list[Reply]:
    """A whole chapter, one article per block, split between articles."""
    first = articles[0]
    span = f"{esc(first.label)}至{esc(articles[-1].label)}" if len(articles) > 1 else esc(first.label)
    head = (f"<b>《{esc(first.law_title)}》{esc(chapter_name) or '全文'}</b>"
            f"{esc(version_label(first))}（{span}）")
    blocks = [head] + [f"<blockquote>{esc(a.text)}</blockquote>" for a in articles]
    kb = keyboard([[button("📚 在目录中浏览", cb.version(version_id))]])
    return replies(blocks, kb)


def related_replies(articles: Sequence[Article]) -> list[Reply]:
    if not articles:
        return [Reply("这些条文已不在知识库中，请重新提问。")]
    blocks = ["<b>🔗 相关条文</b>"] + [article_block(a, limit=QUOTE_LIMIT) for a in articles]
    kb = keyboard([[button(f"{a.label}（{_short(a.law_title)}）", cb.show_article(a.id))] for a in articles])
    return replies(blocks, kb)


def _short(title: str, n: int = 10) -> str:
    t = title.removeprefix("中华人民共和国")
    return t if len(t) <= n else t[:n] + "…"
