"""Fixtures for the application layer: a small statute store (three laws) and the hash embedder."""
from __future__ import annotations

import pytest

from kb.model import Paragraph, ParsedArticle, ParsedLaw

CN = "一二三四五六七八九"


def small_law(title: str, region: str, n: int, short=(), date: str = "2020-01-01") -> ParsedLaw:
    arts = tuple(ParsedArticle(i, "", f"第{CN[i - 1]}条", (Paragraph(f"{title}第{i}条的内容。"),),
                               chapter=("第一章 总则",) if i <= 2 else ("第二章 防护",))
                 for i in range(1, n + 1))
    return ParsedLaw(title=title, articles=arts, version_date=date, short_names=short, region=region)


@pytest.fixture
def small_kb(settings):
    """A knowledge base holding two laws (hash embedder; no index: FAQ and browsing need none)."""
    from kb.service import KnowledgeBase

    kb = KnowledgeBase(settings)
    kb.store.load_law(small_law("中华人民共和国人民防空法", "全国", 5, ("人防法",)))
    kb.store.load_law(small_law("重庆市人民防空条例", "重庆市", 3, ("重庆人防条例",)))
    yield kb
    kb.close()
