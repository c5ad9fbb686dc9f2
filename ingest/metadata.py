"""Facts about a law that its text states only indirectly: dates, history, level, region, short names.

Sources publish a title and a few history lines ("2009年8月27日 第十一届全国人民代表大会常务委员会
…修正"); the statute model wants an ISO version date, the legal level (法律 / 行政法规 / …), the
region a local regulation applies to, and the short names citizens actually type (人防法).
"""
from __future__ import annotations

import re
from typing import Iterable, Sequence

from kb.model import HistoryEvent
from kb.numerals import cn_to_int
from kb.regions import BY_NAME, PROVINCES, Region, province_prefix

_Y = r"[0-9０-９〇零○一二三四五六七八九]{4}"
_MD = r"[0-9０-９一二三四五六七八九十]{1,3}"
DATE_RE = re.compile(rf"({_Y})\s*年\s*({_MD})\s*月\s*({_MD})\s*日")
_EVENT_START = re.compile(rf"(?:^|(?<=[\s；;])|(?<=根据))(?={_Y}\s*年)")
# 国防教育法(2024-09-13).md (corpus) or 重要军工设施保护条例_20250519.docx (flk downloads)
_FILENAME_DATE = re.compile(r"[(（](\d{4})-(\d{1,2})-(\d{1,2})[)）]|_(\d{4})(\d{2})(\d{2})(?=\.\w+$|$)")
_PRC = "中华人民共和国"
# Substitutions people make in law names; only natural, widely used ones.
_ABBREVIATIONS = (("人民防空", "人防"),)
_WELL_KNOWN = {
    "民事诉讼法": "民诉法", "刑事诉讼法": "刑诉法", "行政诉讼法": "行诉法",
    "道路交通安全法": "道交法", "消费者权益保护法": "消法", "未成年人保护法": "未保法",
}
_IMPLEMENTING = re.compile(r"实施《(?:中华人民共和国)?(.+?)》(办法|条例|细则|规定)")

_CITY_CONGRESS = re.compile(r"([\u4e00-\u9fff]{2,4})市(?:第\S{1,4}届)?人民代表大会")
_JUDICIAL_TITLE = re.compile(r"^最高人民(?:法院|检察院)|^关于(?:审理|适用|办理|执行).*解释(?:[（(][^）)]*[）)])?$")
_JUDICIAL_BODY = re.compile(r"最高人民法院审判委员会|最高人民检察院(?:第\S{1,4}届)?检察委员会")
_STATE_COUNCIL = re.compile(
    r"国务院(?:、[^令。]{0,20})?令|中央军事委员会令|国务院[^。\n]{0,20}(?:批准|公布|发布|常务会议)|"
    r"《国务院关于[^》]*》|政务院[^。\n]{0,10}(?:批准|公布|发布)")
# National 条例 are administrative regulations (规章 may not be called 条例).
_STATE_COUNCIL_TITLE = re.compile(r"^(?:中华人民共和国)?国务院|条例(?:[（(][^）)]*[）)])?$")
_MINISTRY = re.compile(r"令\s*[（(]?\s*第\s*[0-9０-９一二三四五六七八九十百]+\s*号|[部委局署行办室]务会议")

LEVELS = ("法律", "行政法规", "地方性法规", "地方政府规章", "司法解释", "部门规章", "其他")


def iso_date(match: re.Match[str]) -> str | None:
    """ISO date from a DATE_RE match, or None if it is not a real calendar date."""
    try:
        y, m, d = (cn_to_int(g) for g in match.groups())
    except ValueError:
        return None
    if not (1900 <= y <= 2200 and 1 <= m <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{m:02d}-{d:02d}"


def first_date(text: str) -> str | None:
    for m in DATE_RE.finditer(text):
        found = iso_date(m)
        if found:
            return found
    return None


def filename_date(name: str) -> str | None:
    """The version date carried in a corpus file name: 国防教育法(2024-09-13).md -> 2024-09-13."""
    m = _FILENAME_DATE.search(name)
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups() if g is not None)
    return f"{y:04d}-{mo:02d}-{d:02d}" if 1 <= mo <= 12 and 1 <= d <= 31 else None


def history_events(lines: Iterable[str]) -> tuple[HistoryEvent, ...]:
    """History events from history lines; a parenthesised line with several dates is split."""
    events: list[HistoryEvent] = []
    for line in lines:
        text = _unwrap(line.strip())
        starts = [m.start() for m in _EVENT_START.finditer(text)] or [0]
        starts[0] = 0  # text before the first date ("根据") belongs to the first event
        for begin, end in zip(starts, starts[1:] + [len(text)]):
            piece = _clean_event(text[begin:end])
            date = first_date(piece)
            if date and piece:
                events.append(HistoryEvent(date, piece))
    return tuple(events)


def _unwrap(text: str) -> str:
    if text[:1] in "（(" and text[-1:] in "）)":
        return text[1:-1].strip()
    return text


def _clean_event(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip(" ，,；;、\u3000")
    text = re.sub(r"^根据\s*|\s*根据$", "", text).strip()
    if text[:1] in "（(" and not re.search(r"[）)]", text[1:]):
        text = text[1:].strip()
    if text[-1:] in "）)" and not re.search(r"[（(]", text):
        text = text[:-1].strip()
    return text


def version_date(source_name: str, history: Sequence[HistoryEvent],
                 fallback: str | None = None) -> str | None:
    """The file name's (YYYY-MM-DD) if any, else the latest history date, else ``fallback``."""
    return filename_date(source_name) or max((e.date for e in history), default=None) or fallback


_IN_FORCE = re.compile(rf"自\s*(?:({_Y})\s*年\s*({_MD})\s*月\s*({_MD})\s*日|(公布|发布)之日)\s*起?\s*施行")


def effective_date(history: Sequence[str], articles: Sequence[str],
                   dated: str | None) -> str | None:
    """The date this version takes effect (施行), when the file states one for it.

    The history's newest line (…修订，自2024年9月21日起施行) or the closing article (本法自…起施行)
    may name it; 自公布之日起施行 means the version date. A stated date earlier than the version date
    belongs to the original text (人防法 says 1997-01-01; its 2009 amendment took effect on
    promulgation), so it is not this version's: None, and readers fall back to the version date."""
    texts = [*reversed(history), *reversed(articles[-3:])]
    for text in texts:
        for m in _IN_FORCE.finditer(text):
            found = dated if m.group(4) else iso_date(_DateGroups(m))
            if found and (dated is None or found >= dated):
                return found
    return None


class _DateGroups:
    """Adapter giving ``iso_date`` the three date groups of an ``_IN_FORCE`` match."""

    def __init__(self, match: re.Match[str]):
        self._groups = match.groups()[:3]

    def groups(self):
        return self._groups


def law_region(title: str, evidence: str = "") -> str:
    """全国, a province-level region (重庆市) or a city named by the title (洛阳市)."""
    province = province_prefix(title) or _province_short_prefix(title)
    if province:
        return province.name
    m = re.match(r"([\u4e00-\u9fff]{2,6}?)(市|自治州|经济特区)", title)
    if m:
        city = m.group(1) + ("自治州" if m.group(2) == "自治州" else "市")
        if city in evidence:
            return city
    for m in _CITY_CONGRESS.finditer(evidence):
        if title.startswith(m.group(1)):
            return m.group(1) + "市"
    for region in PROVINCES:
        if re.search(rf"{region.name}(?:第[一二三四五六七八九十]+届)?人民代表大会", evidence):
            return region.name
    return "全国"


def _province_short_prefix(title: str) -> Region | None:
    """上海港口条例 / 中国（上海）自由贸易试验区条例: a region's short form opening the title."""
    title = re.sub(r"^中国[（(]([^）)]{2,4})[）)]", r"\1", title)
    for region in PROVINCES:
        if len(region.short) >= 2 and title.startswith(region.short):
            return region
    return None


def law_level(title: str, evidence: str, region: str) -> str:
    """The legal level, from the title, the history / promulgation text and the region."""
    if _JUDICIAL_TITLE.search(title) or _JUDICIAL_BODY.search(evidence):
        return "司法解释"
    if region != "全国":
        if re.search(r"人民政府令|人民政府(?:第\S{1,6}次)?常务会议", evidence):
            return "地方政府规章"
        return "地方性法规"
    if "全国人民代表大会" in evidence or (
            title.startswith(_PRC) and re.search(r"(?<!办)法(?:典)?(?:[（(][^）)]*[）)])?$", title)):
        return "法律"
    if _STATE_COUNCIL_TITLE.search(title) or _STATE_COUNCIL.search(evidence):
        return "行政法规"
    if _MINISTRY.search(evidence):
        return "部门规章"
    return "其他"


def short_names(title: str, region: str = "全国") -> tuple[str, ...]:
    """Names people use for the law: 中华人民共和国人民防空法 -> (人防法, 人民防空法)."""
    names: list[str] = []
    stripped = title.removeprefix(_PRC).replace(f"《{_PRC}", "《")
    if region != "全国" and title.startswith(region):
        rest = stripped[len(region):]
        short = BY_NAME[region].short if region in BY_NAME else region.removesuffix("市")
        compact, formal = _compact_forms(rest)
        for form in compact:
            names += [short + form, region + form]
        names += [region + form for form in formal]
        names += [stripped] if formal else [short + rest, stripped]
    else:
        compact, formal = _compact_forms(stripped)
        names += [*compact, *formal, stripped]
    unique = dict.fromkeys(n for n in names if n and n != title and len(n) >= 2)
    return tuple(unique)


def _compact_forms(name: str) -> tuple[list[str], list[str]]:
    """Abbreviated spellings of a region-less name: compact ones (人防条例) and formal ones.

    实施《人民防空法》办法 gives compact 人防办法 and formal 实施《人民防空法》办法, 实施人防法办法.
    """
    m = _IMPLEMENTING.fullmatch(name)
    if m:
        law, kind = m.groups()
        short_law = _abbreviate(law)
        compact = [short_law.removesuffix("法") + kind] if short_law != law else []
        return compact, [f"实施《{law}》{kind}", f"实施{short_law}{kind}"]
    short = _abbreviate(name)
    return ([short] if short != name else []), []


def _abbreviate(name: str) -> str:
    if name in _WELL_KNOWN:
        return _WELL_KNOWN[name]
    for long, short in _ABBREVIATIONS:
        name = name.replace(long, short)
    return name
