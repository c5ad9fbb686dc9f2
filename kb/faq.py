"""Staff-curated question/answer pairs, each with its legal basis, matched before retrieval.

A pair's basis is a list of (law title, article number) that must exist in the store when the
pair is added or imported. Matching compares the citizen's question with the pair's question by
dense similarity and character overlap; only a confident match is used.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from kb.errors import KBError, NotFoundError
from kb.logbook import normalize
from kb.lookup import find_article, find_law
from kb.store import Store
from kb.synonyms import default_synonyms

MAX_QUESTION, MAX_ANSWER = 300, 2000
_BASIS_SPLIT = re.compile(r"[;；\n]+")
_BASIS_ONE = re.compile(r"^\s*《?(.+?)》?\s*(第?\s*[0-9０-９零〇一二两三四五六七八九十百千]+\s*条?(?:之[一二三四五六七八九十]+)?)\s*$")


class FaqError(KBError):
    """A pair that cannot be stored (bad basis, empty text, bad CSV row)."""


@dataclass(frozen=True)
class Basis:
    law: str
    article: int
    suffix: str = ""
    label: str = ""

    def citation(self) -> str:
        return f"《{self.law}》{self.label or f'第{self.article}条'}"


@dataclass(frozen=True)
class FaqEntry:
    id: int
    question: str
    answer: str
    basis: tuple[Basis, ...]
    created_by: str = ""


@dataclass(frozen=True)
class FaqMatch:
    entry: FaqEntry
    score: float


def _char_bigrams(text: str) -> set[str]:
    t = normalize(text)
    return {t[i:i + 2] for i in range(len(t) - 1)} or {t}


class FaqBook:
    """CRUD and matching over the ``faq`` table."""

    def __init__(self, store: Store, home_region: str = "重庆市"):
        self.store, self.home_region = store, home_region
        self._cache: tuple[tuple[int, ...], np.ndarray] | None = None

    # ---- writing -------------------------------------------------------------------------

    def parse_basis(self, text: str) -> tuple[Basis, ...]:
        """``人防法第二十二条；重庆人防条例 26`` → resolved bases (each must exist in the store)."""
        out = []
        for part in filter(None, (p.strip() for p in _BASIS_SPLIT.split(text or ""))):
            m = _BASIS_ONE.match(part.replace("、", " "))
            if not m:
                raise FaqError(f"无法识别法律依据“{part}”（例如：人防法第二十二条）。")
            try:
                art = find_article(self.store, m.group(1).strip(), m.group(2), None, self.home_region)
            except NotFoundError as exc:
                raise FaqError(str(exc)) from exc
            out.append(Basis(art.law_title, art.number, art.suffix, art.label))
        if not out:
            raise FaqError("每条问答都需要至少一条法律依据（例如：人防法第二十二条）。")
        return tuple(out)

    def add(self, question: str, answer: str, basis: str | Sequence[Basis], created_by: str = "") -> FaqEntry:
        question, answer = question.strip(), answer.strip()
        if not question or not answer:
            raise FaqError("问题和答案都不能为空。")
        if len(question) > MAX_QUESTION or len(answer) > MAX_ANSWER:
            raise FaqError(f"问题不超过 {MAX_QUESTION} 字，答案不超过 {MAX_ANSWER} 字。")
        bases = self.parse_basis(basis) if isinstance(basis, str) else tuple(basis)
        with self.store.db.atomic():
            cur = self.store.db.execute(
                "INSERT INTO faq (question, answer, basis, created_by) VALUES (?, ?, ?, ?)",
                (question, answer, json.dumps([b.__dict__ for b in bases], ensure_ascii=False), created_by))
        self._cache = None
        return FaqEntry(cur.lastrowid, question, answer, bases, created_by)

    def remove(self, faq_id: int) -> bool:
        with self.store.db.atomic():
            cur = self.store.db.execute("UPDATE faq SET active=0 WHERE id=? AND active=1", (faq_id,))
        self._cache = None
        return cur.rowcount > 0

    def import_csv(self, data: str, created_by: str = "") -> list[FaqEntry]:
        """Columns 问题/question, 答案/answer, 依据/basis. All rows or none; errors name the row.
        ``data`` is text: decoding a file is the caller's job (``app.curation.decode_csv``)."""
        rows = list(csv.DictReader(io.StringIO(data)))
        cols = {"question": ("问题", "question"), "answer": ("答案", "answer"), "basis": ("依据", "法律依据", "basis")}
        parsed, errors = [], []
        for lineno, row in enumerate(rows, 2):
            get = {k: next((row[c] for c in names if c in row and row[c] is not None), "") for k, names in cols.items()}
            try:
                q, a = get["question"].strip(), get["answer"].strip()
                if not q or not a:
                    raise FaqError("问题或答案为空")
                parsed.append((q, a, self.parse_basis(get["basis"])))
            except FaqError as exc:
                errors.append(f"第 {lineno} 行：{exc}")
        if errors:
            raise FaqError("导入失败，未做任何改动。" + " ".join(errors[:10]))
        if not parsed:
            raise FaqError("文件中没有问答（需要列：问题、答案、依据）。")
        with self.store.db.atomic():
            out = [self.add(q, a, b, created_by) for q, a, b in parsed]
        return out

    # ---- reading -------------------------------------------------------------------------

    def entries(self) -> list[FaqEntry]:
        rows = self.store.db.execute(
            "SELECT id, question, answer, basis, created_by FROM faq WHERE active=1 ORDER BY id").fetchall()
        return [FaqEntry(r[0], r[1], r[2], tuple(Basis(**b) for b in json.loads(r[3])), r[4]) for r in rows]

    def get(self, faq_id: int) -> FaqEntry | None:
        return next((e for e in self.entries() if e.id == faq_id), None)

    def valid_basis(self, entry: FaqEntry) -> bool:
        """True while every cited article still exists in the current text of its law."""
        for b in entry.basis:
            try:
                law = find_law(self.store, b.law, self.home_region)
            except NotFoundError:
                return False
            if self.store.article(law.id, b.article, b.suffix) is None:
                return False
        return True

    def match(self, question: str, embedder, threshold: float = 0.80) -> FaqMatch | None:
        """The pair asking the same thing, if similar enough (dense cosine blended with overlap).

        Deliberately conservative: a wrong curated answer is worse than quoting the statute, and
        e5 scores a different question on the same topic (出租要审批吗 vs 可以出租吗) as high as a
        paraphrase, so character overlap must agree too."""
        entries = self.entries()
        if not entries:
            return None
        # Both sides are compared in statute wording (防空洞 -> 人民防空工程) so synonyms align.
        expand = default_synonyms().expand
        ids = tuple(e.id for e in entries)
        if self._cache is None or self._cache[0] != ids:
            self._cache = (ids, embedder.embed_queries([expand(e.question) for e in entries]))
        qv = embedder.embed_queries([expand(question)])[0]
        cos = self._cache[1] @ qv
        grams = _char_bigrams(expand(question))
        best, best_score = None, 0.0
        for e, c in zip(entries, cos):
            g = _char_bigrams(expand(e.question))
            overlap = len(grams & g) / len(grams | g)
            score = 0.7 * float(c) + 0.3 * overlap if normalize(e.question) != normalize(question) else 1.0
            if score > best_score:
                best, best_score = e, score
        if best is None or best_score < threshold or not self.valid_basis(best):
            return None
        return FaqMatch(best, best_score)
