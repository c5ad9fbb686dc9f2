"""Domain synonyms: citizens' words mapped to the statutes' wording, for query expansion.

``kb/data/synonyms.tsv`` holds one group per line, canonical statute term first. A question that
says 防空洞 is expanded with 人民防空工程 so BM25 and the dense model both see the statute word.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Synonyms:
    canonical: dict[str, str]  # any term -> canonical term

    @classmethod
    def parse(cls, text: str) -> "Synonyms":
        mapping: dict[str, str] = {}
        for line in text.splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            terms = [t.strip() for t in line.split("\t") if t.strip()]
            for t in terms[1:]:
                mapping.setdefault(t, terms[0])
        return cls(mapping)

    def expansions(self, text: str) -> list[str]:
        """Canonical terms for the citizen words found in ``text`` (longest match, no overlaps),
        leaving out canonical terms the text already contains."""
        taken = [False] * len(text)
        out: list[str] = []
        for term in sorted(self.canonical, key=len, reverse=True):
            start = text.find(term)
            while start >= 0:
                end = start + len(term)
                if not any(taken[start:end]):
                    for i in range(start, end):
                        taken[i] = True
                    canon = self.canonical[term]
                    if canon not in text and canon not in out:
                        out.append(canon)
                start = text.find(term, end)
        return out

    def expand(self, text: str) -> str:
        extra = self.expansions(text)
        return f"{text} {' '.join(extra)}" if extra else text


@lru_cache(maxsize=1)
def default_synonyms() -> Synonyms:
    return Synonyms.parse(resources.files("kb").joinpath("data", "synonyms.tsv").read_text(encoding="utf-8"))
