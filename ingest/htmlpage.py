"""Parser for statute web pages (www.gov.cn, people's congress sites, saved copies).

Pages bury the statute under navigation, share buttons and footers, sometimes twice (a hidden print
copy). We drop scripts, styles and hidden elements, turn the page into lines, and keep the smallest
element that holds the most distinct article numbers. A page shell whose text is filled in by
JavaScript (flk.npc.gov.cn) has no articles at all and is refused with a hint, never imported empty.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from bs4 import BeautifulSoup, NavigableString, Tag

from kb.model import ParsedLaw
from kb.numerals import cn_to_int
from ingest.assemble import is_title_like, parse_lines, tidy_title
from ingest.errors import DecodeError, NoArticlesError
from ingest.structure import ARTICLE_RE, clean_line, is_article_start
from ingest.textdecode import bom_encoding, check_not_garbage

NO_TEXT_DETAIL = "该网页不含法规正文（可能需要在浏览器中加载），请下载 DOCX 或复制正文后再导入。"
_DROP = {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas",
         "select", "button", "textarea", "head", "map", "audio", "video"}
_BLOCK = {"p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
          "main", "table", "tbody", "thead", "ul", "ol", "dl", "dd", "dt", "blockquote", "header",
          "footer", "nav", "aside", "form", "center", "address", "figure", "hr", "body", "html"}
_HTML_SPACE = re.compile(r"[ \t\r\n\f]+")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_ENCODING_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030"}


def decode_html(data: bytes, filename: str = "") -> str:
    """Decode a page by its BOM, then its meta charset, then UTF-8, then GB18030."""
    found = bom_encoding(data)
    candidates = [found[0]] if found else []
    m = _META_CHARSET.search(data[:8192])
    if m:
        declared = m.group(1).decode("ascii").lower()
        candidates.append(_ENCODING_ALIASES.get(declared, declared))
    candidates += ["utf-8", "gb18030"]
    start = found[1] if found else 0
    for name in candidates:
        try:
            text = data[start:].decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        check_not_garbage(text, filename)
        return text
    raise DecodeError(filename)


@dataclass
class _Page:
    lines: list[str]
    blocks: list[tuple[int, int]]  # line ranges of block elements, in document order


def parse_html(data: bytes | str, source_name: str = "") -> ParsedLaw:
    """Parse a statute web page; raises NoArticlesError for pages without statute text."""
    text = decode_html(data, source_name) if isinstance(data, bytes) else data
    soup = BeautifulSoup(text, "html.parser")
    page_title = soup.title.get_text(" ", strip=True) if soup.title else ""
    page = _walk(soup, skip_hidden=True)
    best = _body_range(page)
    if best is None:
        page = _walk(soup, skip_hidden=False)
        best = _body_range(page)
    if best is None:
        raise NoArticlesError(source_name, NO_TEXT_DETAIL)
    start, end = best
    return parse_lines(
        page.lines[start:end], source_format="html", source_name=source_name, title_strategy="last",
        lead_lines=page.lines[:start], fallback_title=_title_from_page_title(page_title),
        no_articles_detail=NO_TEXT_DETAIL)


def _walk(soup: BeautifulSoup, *, skip_hidden: bool) -> _Page:
    """Flatten the document to lines: blocks and <br> break lines, HTML whitespace collapses."""
    lines: list[str] = []
    blocks: list[tuple[int, int]] = []
    buf: list[str] = []

    def flush() -> None:
        line = "".join(buf)
        buf.clear()
        if line.strip():
            lines.append(line)

    stack: list[tuple[object, int]] = [(soup, -1)]
    while stack:
        node, opened_at = stack.pop()
        if opened_at >= 0:  # closing a block element
            flush()
            blocks.append((opened_at, len(lines)))
            continue
        if isinstance(node, NavigableString):
            if type(node) is NavigableString:  # not a comment, doctype or CDATA
                buf.append(_HTML_SPACE.sub(" ", str(node)))
            continue
        if not isinstance(node, Tag) or node.name in _DROP or (skip_hidden and _hidden(node)):
            continue
        if node.name == "br":
            flush()
        elif node.name == "pre":
            flush()
            lines.extend(x for x in node.get_text().splitlines() if x.strip())
        elif node.name in _BLOCK or node is soup:
            flush()
            stack.append((node, len(lines)))
            stack.extend((child, -1) for child in reversed(node.contents))
        else:
            stack.extend((child, -1) for child in reversed(node.contents))
    flush()
    return _Page(lines, blocks)


def _hidden(tag: Tag) -> bool:
    return tag.has_attr("hidden") or bool(_HIDDEN_STYLE.search(str(tag.get("style") or "")))


def _body_range(page: _Page) -> tuple[int, int] | None:
    """The line range of the smallest block holding the most distinct article numbers."""
    where: list[int] = []
    numbers: list[int] = []
    for i, line in enumerate(page.lines):
        text = clean_line(line)
        if is_article_start(text):
            where.append(i)
            numbers.append(cn_to_int(ARTICLE_RE.match(text).group(1)))
    if not where:
        return None
    # Visit blocks by how many article lines they hold; distinct numbers can only be fewer.
    counted = sorted(((bisect_left(where, end) - bisect_left(where, start), start, end)
                      for start, end in page.blocks), reverse=True)
    best: tuple[int, int] | None = None
    best_key = (0, 0)
    for count, start, end in counted:
        if count == 0 or count < best_key[0]:
            break
        distinct = len(set(numbers[bisect_left(where, start):bisect_left(where, end)]))
        key = (distinct, -(end - start))
        if key > best_key:
            best, best_key = (start, end), key
    return best


def _title_from_page_title(page_title: str) -> str:
    """A law title from <title> ("…电子招标投标办法__2013年第13号国务院公报_中国政府网")."""
    for part in re.split(r"_+|\s[-–—|]\s|\|", page_title):
        words = tidy_title(part).split()
        for candidate in (tidy_title(part), words[-1] if words else ""):
            if candidate and is_title_like(candidate):
                return candidate
    return ""
