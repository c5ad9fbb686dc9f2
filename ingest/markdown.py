"""Parser for the corpus Markdown format (LawRefBook conversions of the national law database).

Format: ``# <full title>``, promulgation / amendment history lines, ``<!-- INFO END -->``, then
``##``/``###`` 编章节 headings and one paragraph per line, articles opening with 第N条. Files
without the INFO END marker or the ``#`` title are handled like plain text.
"""
from __future__ import annotations

import re

from kb.model import ParsedLaw
from ingest.assemble import build_law, is_history_line, parse_lines
from ingest.metadata import history_events
from ingest.structure import Heading, clean_line, heading_of, is_article_start, segment

_HEADING = re.compile(r"^\s*(#{1,6})\s+(.*?)\s*#*\s*$")
_COMMENT = re.compile(r"^\s*<!--.*-->\s*$")
_INFO_END = "<!-- INFO END -->"


def parse_markdown(text: str, source_name: str = "") -> ParsedLaw:
    """Parse one law version in the corpus Markdown format."""
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if clean_line(line)), None)
    m = _HEADING.match(lines[first]) if first is not None else None
    if m is None or len(m.group(1)) != 1:
        return parse_lines([_unheading(x) for x in lines], source_format="markdown", source_name=source_name)
    title = clean_line(m.group(2))
    head, body = _split_front(lines[first + 1:])
    history_lines = [x for x in head if is_history_line(x)]
    preamble = [x for x in head if not is_history_line(x)]
    return build_law(
        title=title,
        history=history_events(history_lines),
        body=segment([*preamble, *(_block(x) for x in body if not _COMMENT.match(x))]),
        source_format="markdown",
        source_name=source_name,
        evidence="\n".join(head),
    )


def _split_front(lines: list[str]) -> tuple[list[str], list[str]]:
    """History lines (up to INFO END, or up to the first heading/article) and the body."""
    for i, line in enumerate(lines):
        if _INFO_END in line:
            return [c for c in map(clean_line, lines[:i]) if c], lines[i + 1:]
    for i, line in enumerate(lines):
        text = clean_line(line)
        if _HEADING.match(line) or heading_of(text) or is_article_start(text):
            return [c for c in map(clean_line, lines[:i]) if c], lines[i:]
    return [c for c in map(clean_line, lines) if c], []


def _block(line: str) -> str | Heading:
    m = _HEADING.match(line)
    return Heading(m.group(2), len(m.group(1))) if m else line


def _unheading(line: str) -> str:
    m = _HEADING.match(line)
    return m.group(2) if m else line
