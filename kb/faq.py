"""Staff-curated question/answer pairs, each with its legal basis, matched before retrieval.

A pair's basis is a list of (law title, article number) that must exist in the store when the
pair is added or imported. Where no statute states the answer (the three air-raid alarm signals
and what to do when they sound), a pair may instead rest on a named non-statute source (国家人民防空
办公室统一规定的防空警报信号 …); the reply then says so. Seed pairs for those 6·5 basics ship in
``kb/data/faq_seed.jsonl`` and are added once per home (a pair staff retire stays retired). Each
basis is pinned to the article text it was written against (:mod:`kb.dependants`): a pair whose
article changed is not served until staff re-approve it. Matching compares the citizen's question
with the pair's question by dense similarity and character overlap; only a confident match is used.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Sequence

import numpy as np

from kb import audit, dependants
from kb.errors import KBError, NotFoundError
from kb.logbook import normalize
from kb.lookup import find_article, find_law
from kb.store import Store
from kb.synonyms import default_synonyms

MAX_QUESTION, MAX_ANSWER, MAX_SOURCE = 300, 2000, 200
SEED_KEY = "faq_seed"
SOURCE_DISCLAIMER = "以上解答由工作人员依据所注出处整理，仅供参考。"
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
    source: str = ""  # a named non-statute source, when no statute states the answer

    def source_line(self) -> str:
        """How a reply names a non-statute source (empty when the pair rests on statutes)."""
        return f"出处（非法律条文）：{self.source}" if self.source else ""

    def disclaimer(self, statute_disclaimer: str) -> str:
        """The closing line: a pair resting only on a named source does not claim statutes."""
        return statute_disclaimer if self.basis else SOURCE_DISCLAIMER

    def basis_refs(self) -> tuple[dependants.Ref, ...]:
        return tuple(dependants.Ref(b.law, b.article, b.suffix) for b in self.basis)


@dataclass(frozen=True)
class FaqMatch:
    entry: FaqEntry
    score: float


def _char_bigrams(text: str) -> set[str]:
    t = normalize(text)
    return {t[i:i + 2] for i in range(len(t) - 1)} or {t}


class FaqBook:
    """CRUD and matching over the ``faq`` table."""

    def __init__(self, store: Store, home_region: str = "重庆市", seed: bool = False):
        self.store, self.home_region = store, home_region
        self._cache: tuple[tuple[int, ...], np.ndarray] | None = None
        if seed:
            self.seed()

    def seed(self) -> int:
        """Add the packaged seed pairs this home has not had yet; returns how many."""
        if getattr(self.store, "read_only", False):
            return 0  # a read-only home serves what it has
        rows = seed_pairs()
        mark = str(hash_rows(rows))
        have = self.store.db.execute("SELECT value FROM meta WHERE key=?", (SEED_KEY,)).fetchone()
        if have and have[0] == mark:
            return 0
        added = 0
        with self.store.db.atomic():
            for row in rows:
                cur = self.store.db.execute(
                    "INSERT OR IGNORE INTO faq (question, answer, basis, created_by, source, seed_key)"
                    " VALUES (?, ?, '[]', 'seed', ?, ?)", (row["question"], row["answer"], row["source"], row["key"]))
                added += cur.rowcount
            self.store.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (SEED_KEY, mark))
        self._cache = None
        return added

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
            raise FaqError("每条问答都需要至少一条法律依据（例如：人防法第二十二条），或在没有条文规定时注明出处。")
        return tuple(out)

    def add(self, question: str, answer: str, basis: str | Sequence[Basis] = "", created_by: str = "",
            source: str = "") -> FaqEntry:
        """A new pair resting on statute articles (``basis``) and/or a named non-statute
        ``source``; the bases are pinned to the articles' current text."""
        question, answer, source = question.strip(), answer.strip(), (source or "").strip()
        if not question or not answer:
            raise FaqError("问题和答案都不能为空。")
        if len(question) > MAX_QUESTION or len(answer) > MAX_ANSWER or len(source) > MAX_SOURCE:
            raise FaqError(f"问题不超过 {MAX_QUESTION} 字，答案不超过 {MAX_ANSWER} 字，出处不超过 {MAX_SOURCE} 字。")
        if isinstance(basis, str):
            bases = self.parse_basis(basis) if basis.strip() or not source else ()
        else:
            bases = tuple(basis)
        if not bases and not source:
            raise FaqError("每条问答都需要法律依据（例如：人防法第二十二条）或注明出处。")
        with self.store.db.atomic():
            cur = self.store.db.execute(
                "INSERT INTO faq (question, answer, basis, created_by, source) VALUES (?, ?, ?, ?, ?)",
                (question, answer, json.dumps([b.__dict__ for b in bases], ensure_ascii=False), created_by,
                 source))
            entry = FaqEntry(cur.lastrowid, question, answer, bases, created_by, source)
            dependants.pin(self.store, "faq", str(entry.id), entry.basis_refs(), created_by or audit.SYSTEM,
                           record=False)
            audit.record(self.store.db, created_by or audit.SYSTEM, "faq:add", bases[0].law if bases else "",
                         {"faq": entry.id, "question": question, "source": source})
        self._cache = None
        return entry

    def remove(self, faq_id: int, actor: str = audit.SYSTEM) -> bool:
        with self.store.db.atomic():
            cur = self.store.db.execute("UPDATE faq SET active=0 WHERE id=? AND active=1", (faq_id,))
            if cur.rowcount:
                audit.record(self.store.db, actor, "faq:remove", "", {"faq": faq_id})
        self._cache = None
        return cur.rowcount > 0

    def import_csv(self, data: str, created_by: str = "") -> list[FaqEntry]:
        """Columns 问题/question, 答案/answer, 依据/basis. All rows or none; errors name the row.
        ``data`` is text: decoding a file is the caller's job (``app.curation.decode_csv``)."""
        rows = list(csv.DictReader(io.StringIO(data)))
        cols = {"question": ("问题", "question"), "answer": ("答案", "answer"),
                "basis": ("依据", "法律依据", "basis"), "source": ("出处", "source")}
        parsed, errors = [], []
        for lineno, row in enumerate(rows, 2):
            get = {k: next((row[c] for c in names if c in row and row[c] is not None), "") for k, names in cols.items()}
            try:
                q, a = get["question"].strip(), get["answer"].strip()
                if not q or not a:
                    raise FaqError("问题或答案为空")
                src = get["source"].strip()
                parsed.append((q, a, self.parse_basis(get["basis"]) if get["basis"].strip() or not src else (),
                               src))
            except FaqError as exc:
                errors.append(f"第 {lineno} 行：{exc}")
        if errors:
            raise FaqError("导入失败，未做任何改动。" + " ".join(errors[:10]))
        if not parsed:
            raise FaqError("文件中没有问答（需要列：问题、答案、依据）。")
        with self.store.db.atomic():
            out = [self.add(q, a, b, created_by, src) for q, a, b, src in parsed]
        return out

    # ---- reading -------------------------------------------------------------------------

    def entries(self) -> list[FaqEntry]:
        rows = self.store.db.execute(
            "SELECT id, question, answer, basis, created_by, source FROM faq WHERE active=1 ORDER BY id").fetchall()
        return [FaqEntry(r[0], r[1], r[2], tuple(Basis(**b) for b in json.loads(r[3])), r[4], r[5])
                for r in rows]

    def flagged(self) -> list[dependants.Flagged]:
        """Pairs whose cited article text changed since they were written or last approved."""
        return dependants.flagged(self.store, "faq", [(str(e.id), e.basis_refs()) for e in self.entries()])

    def approve(self, faq_id: int, actor: str) -> int:
        """Staff re-approve a flagged pair for the articles' current text."""
        entry = self.get(faq_id)
        if entry is None:
            raise FaqError(f"没有编号为 {faq_id} 的问答。")
        return dependants.pin(self.store, "faq", str(faq_id), entry.basis_refs(), actor)

    def get(self, faq_id: int) -> FaqEntry | None:
        return next((e for e in self.entries() if e.id == faq_id), None)

    def valid_basis(self, entry: FaqEntry) -> bool:
        """True while every cited article still exists in the current text of its law."""
        for b in entry.basis:
            try:
                law = find_law(self.store, b.law, self.home_region)
            except NotFoundError:
                return False
            if law.repealed or self.store.article(law.id, b.article, b.suffix) is None:
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
        if best.basis and dependants.flagged(self.store, "faq", [(str(best.id), best.basis_refs())]):
            return None  # its article changed: not served until re-approved
        return FaqMatch(best, best_score)


def seed_pairs() -> list[dict]:
    """The packaged seed pairs (``kb/data/faq_seed.jsonl``): key, question, answer, source."""
    path = resources.files("kb").joinpath("data", "faq_seed.jsonl")
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def hash_rows(rows: list[dict]) -> str:
    from kb.store import sha256

    return sha256(json.dumps(rows, ensure_ascii=False, sort_keys=True))[:16]
