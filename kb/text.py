"""Chinese tokenisation for BM25: jieba with the domain dictionary, minus stopwords.

The jieba tokenizer is built lazily (loading its dictionary takes a second) and once per process.
"""
from __future__ import annotations

import logging
import re
from functools import lru_cache
from importlib import resources

_KEEP = re.compile(r"[\u4e00-\u9fff]|[A-Za-z0-9]")


def _data_lines(name: str) -> list[str]:
    text = resources.files("kb").joinpath("data", name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return frozenset(_data_lines("stopwords.txt"))


@lru_cache(maxsize=1)
def domain_words() -> tuple[str, ...]:
    """Words of the domain dictionary (first column of ``domain_dict.txt``)."""
    try:
        return tuple(line.split()[0] for line in _data_lines("domain_dict.txt"))
    except FileNotFoundError:
        return ()


@lru_cache(maxsize=1)
def _tokenizer():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    try:
        for line in _data_lines("domain_dict.txt"):
            parts = line.split()
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            tk.add_word(parts[0], freq)
    except FileNotFoundError:
        pass
    return tk


def add_words(words) -> None:
    """Teach the tokenizer extra words (law short names, synonyms) at run time."""
    tk = _tokenizer()
    for w in words:
        if len(w) > 1:
            tk.add_word(w)


def tokenize(text: str) -> list[str]:
    """Search-mode jieba tokens (coarse words plus their parts), lower-cased, no stopwords."""
    stop = stopwords()
    out = []
    for tok in _tokenizer().cut_for_search(text):
        tok = tok.strip().lower()
        if tok and tok not in stop and _KEEP.search(tok):
            out.append(tok)
    return out


def words_of(text: str) -> list[str]:
    """Whole jieba words (no sub-words, stopwords kept): what a sentence is about, word by word."""
    return [w for w in _tokenizer().lcut(text) if _KEEP.search(w)]
