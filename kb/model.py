"""Typed values of the statute model: a law's text as parsed, and articles as stored.

These frozen dataclasses cross module boundaries (parsers -> store -> retrieval -> channels);
nothing passes raw dicts around.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Paragraph:
    """One 款 of an article: its lead text and the 项 listed under it (（一）…, （二）…)."""

    text: str
    items: tuple[str, ...] = ()

    def render(self) -> str:
        return "\n".join((self.text, *self.items)) if self.text else "\n".join(self.items)


@dataclass(frozen=True)
class ParsedArticle:
    """One 条 as parsed from a source file.

    ``number`` is the integer article number (22 for 第二十二条); ``suffix`` is "" or an
    之一-style suffix ("之一", "之二"); ``chapter`` is the heading path (("第二章 防护重点",)).
    """

    number: int
    suffix: str
    label: str
    paragraphs: tuple[Paragraph, ...]
    chapter: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Stable key inside one version: "22" or "22之一"."""
        return f"{self.number}{self.suffix}"

    @property
    def text(self) -> str:
        """The article's exact text, label first, paragraphs separated by newlines."""
        body = "\n".join(p.render() for p in self.paragraphs)
        return f"{self.label} {body}" if body else self.label


@dataclass(frozen=True)
class HistoryEvent:
    """One line of a law's promulgation / amendment history."""

    date: str  # ISO yyyy-mm-dd
    text: str


@dataclass(frozen=True)
class ParsedLaw:
    """A whole law version as a parser returns it; no database ids yet."""

    title: str
    articles: tuple[ParsedArticle, ...]
    history: tuple[HistoryEvent, ...] = ()
    version_date: str | None = None  # ISO date of this text (last amendment / adoption)
    effective_date: str | None = None  # ISO date this text takes effect (施行), when the file says
    short_names: tuple[str, ...] = ()
    level: str = ""  # 法律 / 行政法规 / 地方性法规 / 司法解释 / 部门规章 / 其他
    region: str = "全国"
    status: str = "现行有效"
    preamble: str = ""
    appendix: str = ""  # text after the articles (附件 …), kept out of the last article
    source_format: str = "markdown"
    source_name: str = ""

    @property
    def law_key(self) -> str:
        """Identity of the law across versions (its full title)."""
        return self.title


@dataclass(frozen=True)
class Law:
    """A law as stored, with its current version."""

    id: int
    title: str
    short_names: tuple[str, ...]
    level: str
    region: str
    current_version_id: int | None
    version_date: str | None
    status: str
    article_count: int = 0
    repealed_on: str | None = None
    effective_date: str | None = None  # of the current version, when its file states one

    @property
    def repealed(self) -> bool:
        return self.status == "已废止"


@dataclass(frozen=True)
class Article:
    """A stored article of one version, addressable by ``uid`` such as 人民防空法@2009-08-27#22."""

    id: int
    uid: str
    law_id: int
    law_title: str
    version_id: int
    version_date: str | None
    number: int
    suffix: str
    label: str
    chapter: str
    text: str
    is_current: bool = True
    region: str = "全国"
    effective_date: str | None = None
    law_status: str = "现行有效"
    repealed_on: str | None = None

    @property
    def repealed(self) -> bool:
        return self.law_status == "已废止"

    def repeal_notice(self) -> str:
        """What every channel says above the text of a repealed law (empty when in force)."""
        if not self.repealed:
            return ""
        since = f"已于 {self.repealed_on} 废止" if self.repealed_on else "已废止"
        return f"《{self.law_title}》{since}，以下为废止前的文本，仅供查考，不再作为现行规定。"

    @property
    def citation(self) -> str:
        return f"《{self.law_title}》{self.label}"


@dataclass(frozen=True)
class ArticleChange:
    """One article that differs between two versions: ``kind`` is changed, added or removed."""

    number: int
    suffix: str
    label: str
    kind: str
    old_text: str
    new_text: str


@dataclass(frozen=True)
class Hit:
    """One retrieved article with its fused score and where it came from."""

    article: Article
    score: float
    sources: tuple[str, ...] = field(default=())
