"""Article segmentation shared by every format: lines in, chapter paths and 条/款/项 out.

Markdown, HTML, DOCX and plain text differ only in how they deliver lines; what counts as an
article boundary, a heading or an item is one legal-drafting convention, so it lives here once.
An article starts only at a line that begins with 第N条 (or 第N条之一) *and* whose number is a
plausible successor of the previous article, so cross-references ("第二十条规定的……") that
happen to open a line never split an article.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from kb.model import Paragraph, ParsedArticle
from kb.numerals import cn_to_int, int_to_cn

_NUM = r"[零〇○一二三四五六七八九十百千两]+|[0-9０-９]+"
ARTICLE_RE = re.compile(rf"第({_NUM})条(之[一二三四五六七八九十]+)?(\s*)(.*)", re.S)
HEADING_RE = re.compile(rf"第({_NUM})(分编|编|章|节)\s*(.*)", re.S)
ITEM_RE = re.compile(r"[（(]\s*(?:[一二三四五六七八九十百]+|\d+)\s*[）)]|[一二三四五六七八九十百]+、|\d+[.．、](?!\d)")
APPENDIX_RE = re.compile(
    r"(?:附件|附表)[0-9０-９一二三四五六七八九十]*(?:[：:][^。]{0,60})?|附[：:][^。]{0,60}")
# After "第N条" with no space, these continuations mean a cross-reference, not a new article.
_REFERENCE_START = re.compile(
    r"(?:规定|第|[、，,。；;：:的所和及至或条款项]|中的|中“|修改|增加|删除|改为|相应|以外|以下|以上|之规定)")
# Where a source ran two articles into one line: sentence end, whitespace, 第N条.
_MERGED_RE = re.compile(r"(?<=[。；;：:”」）)])\s+(?=第)")
_HEADING_NOT_TITLE = re.compile(r"(?:的|规定|[、，,和至所])")
_ZERO_WIDTH = "\ufeff\u200b\u200c\u200d\u2060"
_SPACES = re.compile(r"\s+")
_RANKS = {"编": 1, "分编": 2, "章": 3, "节": 4}
_MAX_HEADING_CHARS = 50


@dataclass(frozen=True)
class Heading:
    """An explicit heading from the source markup (a Markdown ``## …`` line); ``level`` counts the #."""

    text: str
    level: int = 2


@dataclass(frozen=True)
class Segmented:
    """What segmentation yields: text before the first article, the articles, trailing appendices."""

    preamble: tuple[str, ...]
    articles: tuple[ParsedArticle, ...]
    appendix: tuple[str, ...] = ()


def clean_line(line: str) -> str:
    """Strip whitespace (ASCII, full-width U+3000, nbsp) and zero-width characters from both ends."""
    return line.strip().strip(_ZERO_WIDTH).strip()


def collapse_spaces(text: str) -> str:
    """Collapse runs of whitespace (full-width spaces included) to one ASCII space."""
    return _SPACES.sub(" ", text).strip()


def normalize_heading(text: str) -> str:
    """"第一章　总　　则" -> "第一章 总则": one space after the label, spaced-out titles joined."""
    text = collapse_spaces(clean_line(text))
    m = HEADING_RE.fullmatch(text)
    if not m:
        return text
    title = m.group(3).strip()
    if re.fullmatch(r"\S(?: \S)+", title):  # letter-spaced "总 则" / "附 则"
        title = title.replace(" ", "")
    label = f"第{m.group(1)}{m.group(2)}"
    return f"{label} {title}" if title else label


def heading_of(line: str) -> str | None:
    """The normalised heading if a bare line is a 编/章/节 heading ("第二章 防护重点"), else None."""
    if len(line) > _MAX_HEADING_CHARS or any(p in line for p in "。；;"):
        return None
    m = HEADING_RE.fullmatch(line)
    if not m or _HEADING_NOT_TITLE.match(m.group(3)):
        return None
    return normalize_heading(line)


def heading_rank(heading: str, markdown_level: int | None = None) -> int:
    """Nesting rank: 编 1, 分编 2, 章 3, 节 4; other Markdown headings rank by their # count."""
    m = HEADING_RE.fullmatch(heading)
    if m:
        return _RANKS[m.group(2)]
    return (markdown_level or 2) + 1


def is_article_start(line: str) -> bool:
    """True if the line looks like an article opening on its own (no sequence context)."""
    m = ARTICLE_RE.match(line)
    return bool(m) and not _is_reference(m)


@dataclass
class _Open:
    number: int
    suffix: str
    chapter: tuple[str, ...]
    paragraphs: list[tuple[str, list[str]]]

    def close(self) -> ParsedArticle:
        paras = tuple(Paragraph(text, tuple(items)) for text, items in self.paragraphs)
        label = f"第{int_to_cn(self.number)}条{self.suffix}"
        return ParsedArticle(self.number, self.suffix, label, paras, self.chapter)


class _Segmenter:
    def __init__(self) -> None:
        self.path: list[tuple[int, str]] = []
        self.preamble: list[str] = []
        self.appendix: list[str] = []
        self.articles: list[ParsedArticle] = []
        self.current: _Open | None = None
        self.last: tuple[int, int] | None = None  # (number, suffix index) of the last article

    def feed(self, item: str | Heading) -> None:
        text = clean_line(item.text if isinstance(item, Heading) else item)
        if not text:
            return
        if self.appendix or (self.current is not None and APPENDIX_RE.fullmatch(text)):
            self.appendix.append(text)
        elif isinstance(item, Heading):
            self._heading(normalize_heading(text), item.level)
        else:
            self._line(text)

    def _heading(self, text: str, level: int | None) -> None:
        # A heading does not close the open article: stray text after it stays with that article.
        rank = heading_rank(text, level)
        while self.path and self.path[-1][0] >= rank:
            self.path.pop()
        self.path.append((rank, text))

    def _line(self, line: str) -> None:
        rest: str | None = line
        while rest:
            head, rest = self._split_merged(rest)
            self._one_line(head)

    def _split_merged(self, line: str) -> tuple[str, str | None]:
        """Split "…。 第十六条 …" where a source ran the next article into this line."""
        if "第" not in line[1:]:
            return line, None
        m = ARTICLE_RE.match(line)
        if m and _plausible(_order(m), bool(m.group(3)), m.group(4), self.last):
            expected = _order(m)[0] + 1
        elif self.last is not None:
            expected = self.last[0] + 1
        else:
            return line, None
        for cut in _MERGED_RE.finditer(line):
            nxt = ARTICLE_RE.match(line, cut.end())
            if nxt and not nxt.group(2) and cn_to_int(nxt.group(1)) == expected and not _is_reference(nxt):
                return line[:cut.start()], line[cut.end():]
        return line, None

    def _one_line(self, line: str) -> None:
        heading = heading_of(line)
        if heading:
            self._heading(heading, None)
        elif self._try_article(line):
            pass
        elif self.current is None:
            self.preamble.append(line)
        else:
            self._body_line(line)

    def _body_line(self, line: str) -> None:
        assert self.current is not None
        paras = self.current.paragraphs
        if paras and ITEM_RE.match(line):
            paras[-1][1].append(line)
        elif not paras and ITEM_RE.match(line):
            paras.append(("", [line]))
        else:
            paras.append((line, []))

    def _try_article(self, line: str) -> bool:
        m = ARTICLE_RE.match(line)
        if not m:
            return False
        order = _order(m)
        number, suffix = order[0], m.group(2) or ""
        if not _plausible(order, bool(m.group(3)), m.group(4), self.last):
            return False
        self._close()
        self.last = order
        chapter = tuple(text for _, text in self.path)
        rest = clean_line(m.group(4))
        self.current = _Open(number, suffix, chapter, [])
        if rest:
            self._body_line(rest)
        return True

    def _close(self) -> None:
        if self.current is not None:
            self.articles.append(self.current.close())
            self.current = None

    def result(self) -> Segmented:
        self._close()
        return Segmented(tuple(self.preamble), tuple(self.articles), tuple(self.appendix))


def _order(m: re.Match[str]) -> tuple[int, int]:
    """(number, suffix index) of an ARTICLE_RE match: 第二十条之一 -> (20, 1)."""
    suffix = m.group(2)
    return cn_to_int(m.group(1)), cn_to_int(suffix[1:]) if suffix else 0


def _is_reference(m: re.Match[str]) -> bool:
    """第N条 directly followed by 规定/第…/的… is a cross-reference, not an article opening."""
    return not m.group(3) and bool(m.group(4)) and bool(_REFERENCE_START.match(m.group(4)))


def _plausible(order: tuple[int, int], spaced: bool, rest: str, last: tuple[int, int] | None) -> bool:
    """Decide whether "第N条…" opening a line starts a new article after article ``last``."""
    if not spaced and rest and _REFERENCE_START.match(rest):
        return False
    if last is None:
        return spaced or not rest or order == (1, 0)
    if order <= last:
        return False
    number, suffix_index = order
    if number == last[0] or (number == last[0] + 1 and suffix_index == 0):
        return True
    return spaced or not rest  # a gap in numbering needs an explicit separator


def segment(lines: Iterable[str | Heading]) -> Segmented:
    """Split lines into preamble, articles (with chapter paths, 款 and 项) and appendices."""
    seg = _Segmenter()
    for item in lines:
        seg.feed(item)
    return seg.result()


def strip_toc(lines: Sequence[str]) -> list[str]:
    """Drop a table of contents (目录 followed by chapter titles) that precedes the body.

    The TOC ends where its first entry appears again (the body's first heading); if it never
    does, only the heading-like lines right after 目录 are dropped.
    """
    out = list(lines)
    for i, line in enumerate(out):
        if collapse_spaces(line).replace(" ", "") not in ("目录", "目次"):
            continue
        entries = out[i + 1:]
        first = _toc_key(entries[0]) if entries else ""
        for j, entry in enumerate(entries[1:], start=1):
            if is_article_start(clean_line(entry)) or len(clean_line(entry)) > _MAX_HEADING_CHARS:
                break
            if first and _toc_key(entry) == first:
                return out[:i] + entries[j:]
        k = 0
        while k < len(entries) and heading_of(clean_line(entries[k])):
            k += 1
        return out[:i] + entries[k:]
    return out


def _toc_key(line: str) -> str:
    """A TOC entry without dot leaders and page numbers, for matching against the body heading."""
    text = re.sub(r"[.\s…·．\u3000]+\d*$", "", clean_line(line))
    return collapse_spaces(text).replace(" ", "")
