"""Draft quiz questions from statute articles, for a reviewer to approve before anyone sees them.

Two kinds, both quoting the article verbatim:

* fill-in-the-blank: a phrase of the article is masked — an amount (五千元以上五万元以下), a
  duration or age (五日, 十八周岁) or an authority (县级以上地方各级人民政府人民防空主管部门) — and the
  wrong options are phrases *of the same kind found elsewhere in the corpus*, never invented;
* true/false: a sentence of the article as it stands, or perturbed (another amount/authority from
  the corpus, or the obligation negated: 应当 → 可以不, 不得 → 可以, 禁止 → 允许).

A wrong option is dropped when putting it into the sentence gives text that the article itself
contains (it would be true) or when the same value/authority appears anywhere in the article.
Everything is seeded by the article's uid, so the same article always yields the same questions.
Generated questions are ``origin="generated"``, ``status="pending"``.
"""
from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from quizzes.model import MAX_EXPLANATION, MAX_OPTION, MAX_STEM, Basis, Question

BLANK = "（　　）"
TRUE_FALSE = ("正确", "错误")
MAX_CLAUSE = 120  # longer sentences are cut at "；" to the clause holding the phrase
MAX_REVIEW = 1000
WANTED_DISTRACTORS = 3

_N = r"(?:[0-9０-９]+(?:\.[0-9]+)?[万千]?|[零〇一二两三四五六七八九十百千万]+)"
_AMOUNT = re.compile(rf"({_N})元(?:(以上)({_N})元(以下)|(至|到)({_N})元|(以上|以下))?")
_DURATION = re.compile(rf"(?<![第0-9０-９月〇零一二两三四五六七八九十百千万.])({_N})(个工作日|个月|小时|周岁|日|天|年)")
_LEVEL = ("县级以上地方各级|县级以上地方|县级以上|设区的市级以上地方各级|设区的市级以上|设区的市级|设区的市|"
          "省、自治区、直辖市|省级|市、区县（自治县）|区县（自治县）|区县|乡、民族乡、镇|乡镇|国家|国务院|市|县|"
          "本级|上一级|所在地|当地|地方各级|各级")
_DEPT = ("人民防空主管部门|国防动员机构|国防交通主管机构|兵役机关|全民国防教育主管部门|教育主管部门|教育行政部门|"
         "交通主管部门|公安机关|有关主管部门|有关部门")
_AUTHORITY = re.compile(rf"(?:({_LEVEL})?人民政府({_DEPT})?|({_LEVEL})?({_DEPT})|国务院|中央军事委员会)")
_RELATIVE = {"本级", "上一级", "所在地", "当地", "地方各级", "各级"}
_GENERIC = {"有关部门", "有关主管部门"}
_FUNCTION_CHARS = set("由经向对报在和或及与并同将按照据请示知告给为是的、，。；：（“")
_NEGATIONS = (("不得", "可以"), ("禁止", "允许"), ("应当", "可以不"))
_CONTINUATIONS = ("其中", "但", "并", "同时", "或者", "其", "对其")
_SENTENCE = re.compile(r"[^。\n]+。?")
_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


@dataclass(frozen=True)
class Span:
    """A maskable phrase of an article body."""

    kind: str  # amount | duration | authority
    shape: str  # only phrases of the same shape replace each other
    text: str
    start: int
    end: int
    value: tuple  # what the phrase means: numbers, or the authority without 地方各级 …


@dataclass(frozen=True)
class Phrase:
    text: str
    value: tuple
    law: str


# ---- finding phrases ---------------------------------------------------------------------

def _number(text: str) -> float:
    from kb.numerals import cn_to_int

    t = text.translate(_DIGITS)
    if t[-1] in "万千" and t[:-1].replace(".", "", 1).isdigit():
        return float(t[:-1]) * (10000 if t[-1] == "万" else 1000)
    if t.replace(".", "", 1).isdigit():
        return float(t)
    return float(cn_to_int(t))


def _script(text: str) -> str:
    return "arabic" if re.search(r"[0-9０-９]", text) else "cn"


def authority_value(level: str, dept: str, text: str) -> tuple[str, str]:
    """(level, body) of an authority, so that 县级以上地方各级人民政府人民防空主管部门 and
    县级以上人民防空主管部门 mean the same: ("县级以上", "人民防空主管部门")."""
    if not level and not dept:
        return (text, "")  # 国务院, 中央军事委员会
    return (re.sub(r"地方各级|地方|^各级", "", level), dept or "人民政府")


def _overlaps(a: tuple, b: tuple) -> bool:
    """Two authorities too close to tell apart in a question: one names the other, or one is
    the government whose department the other is (县级以上人民政府 / 县级以上人民防空主管部门)."""
    x, y = "".join(a), "".join(b)
    return x in y or y in x or (a[0] == b[0] and "人民政府" in (a[1], b[1]))


def find_spans(body: str) -> list[Span]:
    """Amounts, durations/ages and specific authorities in an article body, in text order."""
    spans: list[Span] = []
    for m in _AMOUNT.finditer(body):
        try:
            if m.group(3):
                value, shape = (_number(m.group(1)), _number(m.group(3))), "range"
            elif m.group(6):
                value, shape = (_number(m.group(1)), _number(m.group(6))), "to"
            else:
                value, shape = (_number(m.group(1)),), m.group(7) or "plain"
        except (ValueError, IndexError):
            continue
        spans.append(Span("amount", f"amount:{shape}:{_script(m.group(0))}", m.group(0), m.start(), m.end(), value))
    for m in _DURATION.finditer(body):
        try:
            value = _number(m.group(1))
        except (ValueError, IndexError):
            continue
        if m.group(2) == "年" and (value >= 100 or re.match(r"\s*[0-9０-９一二三四五六七八九十]+月", body[m.end():])):
            continue  # a date, not a duration
        spans.append(Span("duration", f"duration:{m.group(2)}:{_script(m.group(1))}", m.group(0), m.start(), m.end(),
                          (value,)))
    for m in _AUTHORITY.finditer(body):
        text = m.group(0)
        level = m.group(1) or m.group(3) or ""
        dept = m.group(2) or m.group(4) or ""
        # 本级/上一级/当地 … depend on the sentence; 有关部门 says nothing: neither makes a good option
        specific = (text in ("国务院", "中央军事委员会") or level or dept) and level not in _RELATIVE \
            and dept not in _GENERIC
        prev = body[m.start() - 1] if m.start() else ""
        glued = "\u4e00" <= prev <= "\u9fff" and prev not in _FUNCTION_CHARS  # 大军区|人民防空主管部门
        if specific and not glued and len(text) >= 3:
            spans.append(Span("authority", "authority", text, m.start(), m.end(),
                              authority_value(level, dept, text)))
    taken: list[Span] = []
    for s in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if all(s.end <= t.start or s.start >= t.end for t in taken):
            taken.append(s)
    return sorted(taken, key=lambda s: s.start)


def article_body(article) -> str:
    return article.text[len(article.label):].strip() if article.text.startswith(article.label) else article.text


class PhrasePool:
    """Every maskable phrase of the corpus by shape: where wrong options come from."""

    def __init__(self, articles: Iterable) -> None:
        self.by_shape: dict[str, dict[str, Phrase]] = {}
        for a in articles:
            for s in find_spans(article_body(a)):
                self.by_shape.setdefault(s.shape, {}).setdefault(s.text, Phrase(s.text, s.value, a.law_title))

    def candidates(self, shape: str) -> list[Phrase]:
        return sorted(self.by_shape.get(shape, {}).values(), key=lambda p: p.text)


# ---- choosing wrong options --------------------------------------------------------------

def _clause(body: str, span: Span) -> tuple[str, int] | None:
    """The sentence (or "；" clause of a long one) holding the span, and the span's offset in it."""
    for m in _SENTENCE.finditer(body):
        if m.start() <= span.start and span.end <= m.end():
            start, text = m.start(), m.group(0)
            break
    else:
        return None
    if text.lstrip(" 　").startswith("（"):
        return None  # an item of a list: meaningless without its lead-in
    if len(text) > MAX_CLAUSE:
        pieces = [(p.start(), p.group(0)) for p in re.finditer(r"[^；]+；?", text)]
        for offset, piece in pieces:
            if offset <= span.start - start and span.end - start <= offset + len(piece):
                if offset and piece.startswith(_CONTINUATIONS):
                    return None  # 其中…, 但…: meaningless without the part before
                start, text = start + offset, piece
                break
    lead = len(text) - len(text.lstrip(" 　"))
    start, text = start + lead, text.strip(" 　")
    if len(text) > MAX_CLAUSE + 30 or text.startswith("（") or len(text) < 8:
        return None
    return text, span.start - start


def _is_true(clause: str, offset: int, span: Span, phrase: str, body: str) -> bool:
    filled = clause[:offset] + phrase + clause[offset + len(span.text):]
    return filled in body


def distractors(span: Span, clause: str, offset: int, body: str, law: str, pool: PhrasePool,
                rng: random.Random) -> list[str]:
    """Up to three phrases of the span's shape from the corpus that make the clause false."""
    in_article = find_spans(body)
    used_values = {s.value for s in in_article if s.shape == span.shape}
    used_values.add(span.value)
    good: list[Phrase] = []
    for p in pool.candidates(span.shape):
        if p.value in used_values or p.text in body or len(p.text) > MAX_OPTION:
            continue
        if span.kind == "authority" and any(_overlaps(v, p.value) for v in used_values):
            continue  # 县级以上人民防空主管部门 vs 人民防空主管部门: not clearly wrong
        if _is_true(clause, offset, span, p.text, body):
            continue
        good.append(p)
    same_law = [p for p in good if p.law == law]
    others = [p for p in good if p.law != law]
    rng.shuffle(same_law)
    rng.shuffle(others)
    chosen: list[Phrase] = []
    for p in same_law + others:  # no two options meaning (nearly) the same
        if any(p.value == c.value or (span.kind == "authority" and _overlaps(c.value, p.value)) for c in chosen):
            continue
        chosen.append(p)
        if len(chosen) == WANTED_DISTRACTORS:
            break
    return [p.text for p in chosen]


# ---- questions ---------------------------------------------------------------------------

def _rng(*parts: str) -> random.Random:
    return random.Random(int(hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16], 16))


def _qid(*parts: str) -> str:
    return "gen-" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:12]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_TOPIC_RULES = (  # (words in the law title, words in the article, topic of quizzes.bank.TOPICS)
    (("人民防空", "人防", "民防"), ("警报",), "alarm"),
    (("人民防空", "人防", "民防"), ("工程", "地下室", "建设"), "works"),
    (("人民防空", "人防", "民防"), (), "rights"),
    (("兵役", "军事设施"), (), "military"),
    (("国防教育",), (), "education"),
    (("国防动员", "运力", "国防交通"), (), "mobilization"),
)


def topic_of(article) -> str:
    """The bank topic an article's questions belong to (campaigns draw by topic)."""
    for titles, words, topic in _TOPIC_RULES:
        if any(t in article.law_title for t in titles) and (not words or any(w in article.text for w in words)):
            return topic
    return "rights"


def _base(article, **fields) -> Question:
    return Question(basis=(Basis(article.law_title, article.number, article.suffix),),
                    review=_cut(f"《{article.law_title}》{article.text}", MAX_REVIEW),
                    topic=topic_of(article), audience=("public", "student"),
                    origin="generated", status="pending", location=article.uid, **fields)


def fill_in(article, span: Span, clause: str, offset: int, wrong: Sequence[str], rng: random.Random) -> Question | None:
    masked = clause[:offset] + BLANK + clause[offset + len(span.text):]
    if span.text in masked:
        return None  # the answer would be visible elsewhere in the sentence
    stem = f"根据《{article.law_title}》，{masked}"
    if len(stem) > MAX_STEM:
        return None
    options = [span.text, *wrong]
    rng.shuffle(options)
    return _base(article, id=_qid(article.uid, "fill", clause, span.text), stem=stem, options=tuple(options),
                 correct=(options.index(span.text),), difficulty="medium",
                 explanation=_cut(f"《{article.law_title}》{article.label}规定：{clause}", MAX_EXPLANATION))


def true_false(article, clause: str, statement: str) -> Question | None:
    stem = f"判断正误：根据《{article.law_title}》，{statement}"
    if len(stem) > MAX_STEM:
        return None
    right = statement == clause
    verdict = "正确" if right else "错误"
    return _base(article, id=_qid(article.uid, "tf", statement), stem=stem, options=TRUE_FALSE,
                 correct=(0 if right else 1,), difficulty="easy",
                 explanation=_cut(f"{verdict}。《{article.law_title}》{article.label}规定：{clause}", MAX_EXPLANATION))


def negate(clause: str) -> str | None:
    for word, opposite in _NEGATIONS:
        if word in clause:
            return clause.replace(word, opposite, 1)
    return None


def questions_for_article(article, pool: PhrasePool) -> list[Question]:
    """At most one fill-in-the-blank and one true/false question; [] when nothing is worth asking."""
    body = article_body(article)
    rng = _rng(article.uid)
    priority = {"amount": 0, "duration": 1, "authority": 2}
    usable = []
    for span in sorted(find_spans(body), key=lambda s: (priority[s.kind], s.start)):
        found = _clause(body, span)
        if found is None:
            continue
        wrong = distractors(span, *found, body, article.law_title, pool, rng)
        if len(wrong) >= 2:
            usable.append((span, *found, wrong))
    out: list[Question] = []
    if usable:
        q = fill_in(article, usable[0][0], usable[0][1], usable[0][2], usable[0][3], rng)
        if q:
            out.append(q)
    out += _true_false_for(article, body, usable[1:] or usable, rng)
    return out


def _true_false_for(article, body: str, usable: list, rng: random.Random) -> list[Question]:
    if usable:
        span, clause, offset, wrong = usable[0]
        false_statement = clause[:offset] + wrong[0] + clause[offset + len(span.text):]
    else:
        clause = next((c.group(0).strip() for c in _SENTENCE.finditer(body)
                       if 8 <= len(c.group(0).strip()) <= MAX_CLAUSE and not c.group(0).strip().startswith("（")
                       and negate(c.group(0))), None)
        if clause is None:
            return []
        false_statement = negate(clause)
    if false_statement in body:
        return []
    statement = clause if rng.random() < 0.5 else false_statement
    q = true_false(article, clause, statement)
    return [q] if q else []


# ---- whole laws --------------------------------------------------------------------------

def generate(statutes, law: str, numbers: Sequence[str] = (), *, limit: int | None = None,
             home_region: str = "重庆市") -> list[Question]:
    """Questions for the given articles of a law (all its current articles when none are given).

    ``statutes`` is a kb Store; raises kb NotFoundError for an unknown law or article."""
    from kb.errors import NotFoundError
    from kb.lookup import find_law, parse_article_number

    found = find_law(statutes, law, home_region)
    if numbers:
        articles = []
        for n in numbers:
            number, suffix = parse_article_number(n)
            art = statutes.article(found.id, number, suffix)
            if art is None:
                raise NotFoundError(f"《{found.title}》没有第{number}条{suffix}（共 {found.article_count} 条）。")
            articles.append(art)
    else:
        articles = statutes.law_articles(found.id)
    pool = PhrasePool(statutes.current_articles())
    out: list[Question] = []
    for art in articles:
        out += questions_for_article(art, pool)
        if limit is not None and len(out) >= limit:
            return out[:limit]
    return out
