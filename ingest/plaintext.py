"""Parser for plain text: a statute pasted into a .txt file or a chat message.

The first non-empty line is the title, history lines ("（2001年…通过）") may follow, then
chapters and articles exactly as in the other formats.
"""
from __future__ import annotations

from kb.model import ParsedLaw
from ingest.assemble import parse_lines


def parse_text(text: str, source_name: str = "") -> ParsedLaw:
    """Parse a statute given as plain text."""
    return parse_lines(text.splitlines(), source_format="text", source_name=source_name)
