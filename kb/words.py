"""The words a question is about, in the statutes' wording: shared by the ranker and the decision.

A citizen writes 防空洞 where the statute says 人民防空工程; counting which of the question's words an
article contains only means something once both speak the same language. :func:`content_tokens`
replaces citizens' words by their canonical statute terms (kb/data/synonyms.tsv), cuts the result
into whole words and drops stopwords and question fillers.
"""
from __future__ import annotations

import re

from kb.synonyms import default_synonyms
from kb.text import stopwords, words_of

# Question words that say nothing about the subject (kept out of the coverage counts).
_FILLER = re.compile(r"^(可以|能|能否|不能|吗|要|需要|是|有|没有|会|该|应该|应当|怎么|咋个|啥子|哪个|规定|法律|规定|"
                     r"请问|想|问|知道|一下|这样|那样|现在|一般|还是|得|行|不行|要得|什么|啥|多少|好多)$")


def canonical(question: str) -> str:
    """The question with citizens' words replaced by the statutes' (防空洞 → 人民防空工程)."""
    syn = default_synonyms().canonical
    out, i = [], 0
    terms = sorted(syn, key=len, reverse=True)
    while i < len(question):
        term = next((t for t in terms if question.startswith(t, i)), None)
        out.append(syn[term] if term else question[i])
        i += len(term) if term else 1
    return "".join(out)


def content_tokens(question: str) -> list[str]:
    """The words of the question that name its subject (whole words, statute wording)."""
    stop = stopwords()
    words = (w.strip().lower() for w in words_of(canonical(question)))
    return [w for w in dict.fromkeys(words) if len(w) >= 2 and w not in stop and not _FILLER.match(w)]
