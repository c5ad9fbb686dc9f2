"""Checking that every 《…》第N条 a reply asserts exists in the store before it is shown.

Statute text quoted verbatim may mention other laws; what is checked here is what *we* claim:
citation headers, related-article lists, FAQ answers and their legal basis.
"""
from __future__ import annotations

import re

from kb.errors import NotFoundError
from kb.lookup import find_article

CITATION = re.compile(r"《((?:[^《》]|《[^《》]*》){2,80})》\s*(第[0-9０-９零〇一二两三四五六七八九十百千]+条(?:之[一二三四五六七八九十]+)?)")


def invalid_citations(text: str, store, home_region: str = "重庆市") -> list[str]:
    """Citations in ``text`` that do not resolve to a current article (empty when all are valid)."""
    bad = []
    for m in CITATION.finditer(text):
        try:
            find_article(store, m.group(1), m.group(2), None, home_region)
        except NotFoundError:
            bad.append(m.group(0))
    return bad
