"""From a flat list of lines to a :class:`ParsedLaw`: front matter (title, history), body, metadata.

HTML, DOCX and plain text all deliver "the document as lines" with the title and history at the top
and no markup saying which is which; this module finds them by the conventions of Chinese statute
publishing, and every format (Markdown included) assembles its law through :func:`build_law`.
"""
from __future__ import annotations

import re
from pathlib import PurePath
from typing import Literal, Sequence

from kb.model import HistoryEvent, ParsedLaw
from ingest.errors import NoArticlesError
from ingest.metadata import (DATE_RE, effective_date, first_date, history_events, law_level,
                             law_region, short_names, version_date)
from ingest.structure import Segmented, clean_line, heading_of, is_article_start, segment, strip_toc

_TITLE_RE = re.compile(
    r"[^。；;，,：:]{1,80}?(?:法|法典|条例|办法|规定|规则|细则|决定|解释|意见|通知|批复|章程|准则|纲要|"
    r"公约|协定|议定书|修正案|答复|规程|守则)(?:[（(][^）)]{1,24}[）)])?")
_HISTORY_WORDS = re.compile(r"通过|修正|修订|公布|施行|发布|批准|颁布|废止")
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff《》（）〈〉])\s+(?=[\u4e00-\u9fff《》（）〈〉])")


def tidy_title(text: str) -> str:
    """Collapse whitespace and drop the letter-spacing some layouts put between Chinese characters."""
    return _CJK_GAP.sub("", re.sub(r"\s+", " ", text).strip())


def is_title_like(line: str) -> bool:
    return bool(_TITLE_RE.fullmatch(tidy_title(line)))


def is_history_line(line: str) -> bool:
    """"（2001年12月29日…通过 2021年…修正）" style lines under a title."""
    return bool(DATE_RE.search(line)) and (line[:1] in "（(" or bool(_HISTORY_WORDS.search(line)))


def build_law(*, title: str, history: Sequence[HistoryEvent], body: Segmented, source_format: str,
              source_name: str, evidence: str = "", fallback_date: str | None = None,
              no_articles_detail: str | None = None) -> ParsedLaw:
    """Attach metadata to segmented text; refuse a document without articles."""
    if not body.articles:
        raise NoArticlesError(source_name, no_articles_detail)
    facts = "\n".join([evidence, *(e.text for e in history)])
    region = law_region(title, facts)
    dated = version_date(source_name, history, fallback_date)
    return ParsedLaw(
        title=title,
        articles=body.articles,
        history=tuple(history),
        version_date=dated,
        effective_date=effective_date([e.text for e in history], [a.text for a in body.articles], dated),
        short_names=short_names(title, region),
        level=law_level(title, facts, region),
        region=region,
        preamble="\n".join(body.preamble),
        appendix="\n".join(body.appendix),
        source_format=source_format,
        source_name=source_name,
    )


def parse_lines(lines: Sequence[str], *, source_format: str, source_name: str,
                title_strategy: Literal["first", "last"] = "first", lead_lines: Sequence[str] = (),
                fallback_title: str = "", no_articles_detail: str | None = None) -> ParsedLaw:
    """Parse a document given as lines whose title and history precede the first heading/article.

    ``title_strategy="first"`` (text, DOCX) takes the first title-like line; ``"last"`` (web pages,
    where letterheads and orders come first) the one closest to the body, then ``lead_lines``.
    """
    cleaned = strip_toc([c for c in (clean_line(x) for x in lines) if c])
    start = next((i for i, x in enumerate(cleaned) if heading_of(x) or is_article_start(x)), len(cleaned))
    head, rest = cleaned[:start], cleaned[start:]
    at = _title_index(head, title_strategy)
    if at is None:
        title = _lead_title(lead_lines) or tidy_title(fallback_title) or _title_from_name(source_name)
        before, after = [], head
    else:
        title, before, after = tidy_title(head[at]), head[:at], head[at + 1:]
    history_lines = [x for x in after if is_history_line(x)]
    preamble = [x for x in after if not is_history_line(x) and x != title]
    return build_law(
        title=title or "未命名法规",
        history=history_events(history_lines),
        body=segment([*preamble, *rest]),
        source_format=source_format,
        source_name=source_name,
        evidence="\n".join([*lead_lines[-20:], *before]),
        fallback_date=_signature_date(before),
        no_articles_detail=no_articles_detail,
    )


def _title_index(head: Sequence[str], strategy: str) -> int | None:
    order = range(len(head)) if strategy == "first" else range(len(head) - 1, -1, -1)
    for i in order:
        if is_title_like(head[i]) and not is_history_line(head[i]):
            return i
    return 0 if strategy == "first" and head else None


def _title_from_name(source_name: str) -> str:
    """国防教育法(2024-09-13).md -> 国防教育法; the last resort when the text has no title line."""
    stem = PurePath(source_name).stem if source_name else ""
    return tidy_title(re.sub(r"[(（]\d{4}-\d{1,2}-\d{1,2}[)）]$|_\d{8}$", "", stem))


def _lead_title(lead_lines: Sequence[str]) -> str:
    for line in reversed(lead_lines[-30:]):
        if is_title_like(line):
            return tidy_title(line)
    return ""


def _signature_date(lines: Sequence[str]) -> str | None:
    """The date under a promulgation order's signatures ("2013年2月4日" alone on a line)."""
    for line in reversed(lines):
        m = DATE_RE.fullmatch(clean_line(line))
        if m:
            return first_date(line)
    return None
