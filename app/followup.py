"""Follow-up questions in a conversation: "那第二十五条呢？" right after an answer quoting the 人防法
asks about the 人防法's 第二十五条.

A channel keeps the law (and article) its last answer quoted and passes them with the next
question; :func:`in_context` makes that law explicit when the question refers to an article
without naming any law, so the core's reference lookup answers it. Other questions pass
unchanged. (A fuller resolver — "罚多少？" after an article — may replace this one.)
"""
from __future__ import annotations

import re

from kb.query import LawCatalog
from kb.store import Store

MAX_CONTEXT = 100
_ARTICLE_REF = re.compile(r"第\s*(?:[0-9０-９]+|[零〇一二两三四五六七八九十百千廿卅卌]+)\s*条")


def in_context(store: Store, question: str, law: str = "", catalog: LawCatalog | None = None) -> str:
    """``question`` with ``law`` prefixed when it cites an article of no named law."""
    law = (law or "").strip()[:MAX_CONTEXT]
    text = (question or "").strip()
    if not law or not _ARTICLE_REF.search(text):
        return question
    catalog = catalog or LawCatalog.from_laws(store.laws())
    if catalog.find(text) or not catalog.find(law):  # names a law itself, or the context is unknown
        return question
    return f"《{law}》{text}"
