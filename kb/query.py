"""Understanding a question before retrieval: article references, law names and places.

Pure functions over the question text and a :class:`LawCatalog` (titles and the names people
use for them). Exact references such as 人防法第二十二条, 《国防动员法》第四十九条 or
重庆人防条例第三十条 are resolved here and answered by lookup, not by similarity.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb.model import Law
from kb.numerals import cn_to_int
from kb.regions import CITIES, PROVINCES

CN_PREFIX = "中华人民共和国"
_NUM = r"[0-9０-９]+|[零〇一二两三四五六七八九十百千廿卅卌]+"
_SUFFIX = r"(之[一二三四五六七八九十]+)?"
_REF = re.compile(rf"第\s*({_NUM})\s*条{_SUFFIX}")
# A reference typed carelessly right after a law name: 国防法12条, 《国防法》12, 兵役法 二十条.
# Without 条 the number must end the phrase (人防法2009年修订 is no reference).
_LOOSE_AFTER_LAW = re.compile(
    rf"^[》」』”\"]?\s*(?:的)?\s*(?:第\s*)?({_NUM})\s*(条{_SUFFIX})?"
    r"(?![0-9０-９零〇一二两三四五六七八九十百千年月日号元块岁周天个人次名位项款平米%．.万])")

# Districts and counties of the home region people name instead of the city (重庆 by default).
CHONGQING_PLACES = (
    "渝北", "渝中", "江北", "南岸", "沙坪坝", "九龙坡", "大渡口", "巴南", "北碚", "万州", "涪陵", "黔江",
    "长寿", "江津", "合川", "永川", "南川", "綦江", "大足", "璧山", "铜梁", "潼南", "荣昌", "开州", "梁平",
    "武隆", "城口", "丰都", "垫江", "忠县", "云阳", "奉节", "巫山", "巫溪", "石柱", "秀山", "酉阳", "彭水",
    "两江新区", "解放碑", "观音桥", "山城",
)




@dataclass(frozen=True)
class ArticleRef:
    """A reference found in a question: which law (if named) and which article."""

    law_id: int | None
    number: int
    suffix: str = ""
    span: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class QueryInfo:
    """What the question names, used to steer retrieval."""

    text: str
    refs: tuple[ArticleRef, ...] = ()
    law_ids: tuple[int, ...] = ()
    regions: tuple[str, ...] = ()
    residual: str = ""  # the question with references and law names removed


@dataclass
class LawCatalog:
    """Every name a law goes by, for longest-match detection in questions."""

    laws: list[Law]
    aliases: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def from_laws(cls, laws: list[Law]) -> "LawCatalog":
        cat = cls(laws)
        for law in laws:
            for name in law_aliases(law):
                ids = cat.aliases.setdefault(name, [])
                if law.id not in ids:
                    ids.append(law.id)
        return cat

    def by_id(self, law_id: int) -> Law | None:
        return next((l for l in self.laws if l.id == law_id), None)

    def find(self, text: str) -> list[tuple[int, int, list[int]]]:
        """Non-overlapping (start, end, law ids) of law names in ``text``, longest first."""
        found: list[tuple[int, int, list[int]]] = []
        taken = [False] * len(text)
        for name in sorted(self.aliases, key=len, reverse=True):
            start = text.find(name)
            while start >= 0:
                end = start + len(name)
                if not any(taken[start:end]):
                    found.append((start, end, self.aliases[name]))
                    for i in range(start, end):
                        taken[i] = True
                start = text.find(name, end)
        return sorted(found)


# Abbreviations in common use that no rule derives (people write 国动法 for 国防动员法).
ABBREVIATIONS = {
    "国防动员法": ("国动法",),
    "军事设施保护法": ("军设法", "军事设施法", "军设保护法"),
    "军事设施保护法实施办法": ("军设法实施办法",),
    "国防交通法": ("国交法",),
    "民用运力国防动员条例": ("运力动员条例", "民用运力条例"),
}


def law_aliases(law: Law) -> set[str]:
    """Full title, stored short names, and the forms derived from them."""
    names = {law.title, *law.short_names}
    base = law.title[len(CN_PREFIX):] if law.title.startswith(CN_PREFIX) else law.title
    names.add(base)
    names.update(ABBREVIATIONS.get(base, ()))
    names |= {n.replace("人民防空", "人防") for n in names}
    if law.region != "全国" and law.region.endswith(("省", "市")):
        short = law.region[:-1]
        names |= {short + n[len(law.region):] for n in names if n.startswith(law.region)}
        # the bare name (人防条例) is shared by every region's regulation; pick() prefers home
        names |= {n[len(p):] for n in names for p in (law.region, short) if n.startswith(p)
                  and len(n) - len(p) >= 4}
    names.update({n.replace("《", "").replace("》", "") for n in names})
    return {n for n in names if len(n) >= 3}


def detect_regions(text: str, home_region: str) -> tuple[str, ...]:
    """Province-level regions named in the question (districts of the home region count as it)."""
    found = [r.name for r in PROVINCES if r.short in text]
    found += [province for city, province in CITIES.items() if city in text]
    if home_region.startswith("重庆") and any(p in text for p in CHONGQING_PLACES):
        found.append(home_region)
    return tuple(dict.fromkeys(found))


def understand(text: str, catalog: LawCatalog, home_region: str = "重庆市") -> QueryInfo:
    """Find article references, law names and places in a question."""
    names = catalog.find(text)
    refs: list[ArticleRef] = []
    for m in _REF.finditer(text):
        try:
            number = cn_to_int(m.group(1))
        except ValueError:
            continue
        law_id = _law_before(text, m.start(), names, catalog, home_region, text)
        if law_id is None and not names:
            law_id = fuzzy_law(text[max(0, m.start() - 16):m.start()], catalog, home_region)
        refs.append(ArticleRef(law_id, number, m.group(2) or "", m.span()))
    refs += _loose_refs(text, names, refs, catalog, home_region)
    refs.sort(key=lambda r: r.span)
    refs += _listed_refs(text, refs)
    law_ids = tuple(dict.fromkeys(pick(ids, catalog, home_region, text) for _, _, ids in names))
    regions = detect_regions(text, home_region)
    residual = text
    for start, end in sorted([(s, e) for s, e, _ in names] + [r.span for r in refs], reverse=True):
        residual = residual[:start] + " " + residual[end:]
    return QueryInfo(text, tuple(refs), law_ids, regions, residual.strip(" 《》<>“”\"'"))


def _loose_refs(text: str, names, refs: list[ArticleRef], catalog: LawCatalog,
                home_region: str) -> list[ArticleRef]:
    """References written without 第 or 条 right after a law name (国防法12条, 《国防法》12)."""
    out = []
    for _, end, ids in names:
        m = _LOOSE_AFTER_LAW.match(text[end:])
        if not m or any(r.span[0] < end + m.end() and end <= r.span[1] for r in refs):
            continue
        if not m.group(2) and not m.group(0).lstrip("》」』”\" 的").startswith("第") \
                and not m.group(1).isdigit() and end + m.end() < len(text) \
                and not _SPAN_STOP.match(text[end + m.end()]):
            continue  # 国防法三令五申: a Chinese numeral with neither 第 nor 条 must end the phrase
        try:
            number = cn_to_int(m.group(1))
        except ValueError:
            continue
        if 0 < number < 1000:
            out.append(ArticleRef(pick(ids, catalog, home_region, text), number, m.group(3) or "",
                                  (end + m.start(1) - (1 if "第" in m.group(0) else 0), end + m.end())))
    return out


_LISTED = re.compile(rf"^\s*(?:和|与|及|、|,|，|还有)\s*(?:第\s*)?({_NUM})\s*条{_SUFFIX}")


def _listed_refs(text: str, refs: list[ArticleRef]) -> list[ArticleRef]:
    """Further articles listed after a reference of the same law (人防法12条和22条)."""
    out: list[ArticleRef] = []
    taken = {r.span for r in refs}
    for ref in refs:
        prev = ref
        while (m := _LISTED.match(text[prev.span[1]:])) is not None:
            span = (prev.span[1] + m.start(1), prev.span[1] + m.end())
            if any(s[0] <= span[0] < s[1] for s in taken):
                break
            try:
                prev = ArticleRef(ref.law_id, cn_to_int(m.group(1)), m.group(2) or "", span)
            except ValueError:
                break
            out.append(prev)
            taken.add(span)
    return out


def pick(ids: list[int], catalog: LawCatalog, home_region: str, text: str) -> int:
    """Among laws sharing a name (人防条例 …), prefer a region named in the text, then home."""
    if len(ids) == 1:
        return ids[0]
    named = detect_regions(text, home_region)
    laws = [catalog.by_id(i) for i in ids]
    for region in (*named, home_region, "全国"):
        for law in laws:
            if law and law.region == region:
                return law.id
    return ids[0]


def _law_before(text: str, pos: int, names, catalog: LawCatalog, home_region: str, full: str) -> int | None:
    """The law a reference at ``pos`` belongs to: the nearest law name before it, else the only one named."""
    before = [(s, e, ids) for s, e, ids in names if e <= pos]
    if before:
        s, e, ids = before[-1]
        between = text[e:pos]
        if len(between) <= 6 or not _REF.search(between):
            return pick(ids, catalog, home_region, full)
    after = [ids for s, e, ids in names if s >= pos]
    if after and not before:
        return pick(after[0], catalog, home_region, full)
    return None


_SPAN_STOP = re.compile(r"[，。？！、；：,.?!;:\s]")


def _lcs(a: str, b: str) -> int:
    prev = [0] * (len(b) + 1)
    for ca in a:
        cur = [0]
        for j, cb in enumerate(b):
            cur.append(prev[j] + 1 if ca == cb else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def fuzzy_law(span: str, catalog: LawCatalog, home_region: str) -> int | None:
    """The law a loosely written name refers to (民用运力动员条例, 浙江人防实施办法).

    Used only right before an article reference, where a law name is certain to stand. Each alias
    is scored by how many of its characters appear in order in the span; most covered wins.
    """
    span = _SPAN_STOP.split(span)[-1].strip("《》“”\"'")
    if len(span) < 3:
        return None
    best, best_score = None, 0.0
    for alias, ids in catalog.aliases.items():
        common = _lcs(span, alias)
        coverage = common / len(alias)
        if common < 4 or coverage < 0.7:
            continue
        score = common - 0.5 * (len(alias) - common)
        if score > best_score:
            best, best_score = pick(ids, catalog, home_region, span), score
    return best
