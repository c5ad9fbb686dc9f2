"""Browsing screens: laws → chapters → articles, as HTML plus inline keyboards (pure).

A law version's chapters are the top-level headings of its articles, in order; a chapter is
addressed by its position in that list, so "vc:<version>:<i>" names the same chapter for as long
as the version exists (versions are never edited, only superseded).
"""
from __future__ import annotations

from typing import Sequence

from app.browsing import Chapter, chapters_of  # noqa: F401 (re-exported for the handlers)
from bot.telegram import callbacks as cb
from bot.telegram.render import Reply, article_block, button, esc, keyboard, replies
from kb.model import Article, Law

LAWS_PER_PAGE = 10
ARTICLES_PER_PAGE = 20
NO_CHAPTER = "（未分章）"


def _nav(prev_data: str | None, next_data: str | None) -> list:
    row = []
    if prev_data:
        row.append(button("◀ 上一页", prev_data))
    if next_data:
        row.append(button("下一页 ▶", next_data))
    return row


def _pages(total: int, size: int) -> int:
    return max(1, (total + size - 1) // size)


def laws_screen(laws: Sequence[Law], page: int) -> list[Reply]:
    if not laws:
        return [Reply("知识库里还没有法规。")]
    pages = _pages(len(laws), LAWS_PER_PAGE)
    page = min(max(page, 0), pages - 1)
    shown = laws[page * LAWS_PER_PAGE:(page + 1) * LAWS_PER_PAGE]
    head = f"<b>📚 已收录 {len(laws)} 部法规</b>" + (f"（第 {page + 1}/{pages} 页）" if pages > 1 else "")
    lines = [f"{page * LAWS_PER_PAGE + i}. 《{esc(law.title)}》（{esc(law.region)}，"
             f"{esc(law.version_date or '未注明日期')}版，{law.article_count} 条）"
             for i, law in enumerate(shown, 1)]
    rows = [[button(f"{page * LAWS_PER_PAGE + i}. {law.title}", cb.version(law.current_version_id))]
            for i, law in enumerate(shown, 1) if law.current_version_id]
    rows.append(_nav(cb.laws(page - 1) if page > 0 else None,
                     cb.laws(page + 1) if page + 1 < pages else None))
    return replies([head + "\n请选择要浏览的法规：", "\n".join(lines)], keyboard(rows))


def _version_note(article: Article) -> str:
    date = article.version_date or "未注明日期"
    return f"{esc(date)} 版本" + ("" if article.is_current else "（历史版本）")


def law_screen(articles: Sequence[Article]) -> list[Reply]:
    """The chapters of one version (or its article list when it has no chapters)."""
    chapters = chapters_of(articles)
    if len(chapters) == 1:
        return chapter_screen(articles, 0, 0)
    first = articles[0]
    head = f"<b>《{esc(first.law_title)}》</b>{_version_note(first)}，共 {len(articles)} 条\n请选择章节："
    rows = [[button(f"{c.name or NO_CHAPTER}（{c.articles[0].label}起）",
                    cb.chapter(first.version_id, c.index))] for c in chapters]
    rows.append([button("↩ 法规列表", cb.laws(0))])
    return replies([head], keyboard(rows))


def chapter_screen(articles: Sequence[Article], index: int, page: int) -> list[Reply]:
    chapters = chapters_of(articles)
    if not 0 <= index < len(chapters):
        return [Reply("这一章已不存在，请重新浏览。", keyboard([[button("↩ 法规列表", cb.laws(0))]]))]
    chapter, first = chapters[index], articles[0]
    arts = chapter.articles
    pages = _pages(len(arts), ARTICLES_PER_PAGE)
    page = min(max(page, 0), pages - 1)
    shown = arts[page * ARTICLES_PER_PAGE:(page + 1) * ARTICLES_PER_PAGE]
    title = f"<b>《{esc(first.law_title)}》</b>" + (f" {esc(chapter.name)}" if chapter.name else "")
    head = title + f"\n{_version_note(first)}" + (f"，第 {page + 1}/{pages} 页" if pages > 1 else "")
    lines = [f"{esc(a.label)}　{esc(_gist(a))}" for a in shown]
    labels = [button(a.label, cb.article(a.id)) for a in shown]
    rows = [labels[i:i + 4] for i in range(0, len(labels), 4)]
    rows.append(_nav(cb.chapter(first.version_id, index, page - 1) if page > 0 else None,
                     cb.chapter(first.version_id, index, page + 1) if page + 1 < pages else None))
    back = [button("↩ 章节目录", cb.version(first.version_id))] if len(chapters) > 1 else []
    rows.append(back + [button("📚 法规列表", cb.laws(0))])
    return replies([head, "\n".join(lines)], keyboard(rows))


def _gist(article: Article, n: int = 24) -> str:
    body = article.text[len(article.label):].strip() if article.text.startswith(article.label) else article.text
    body = body.replace("\n", " ")
    return body if len(body) <= n else body[:n] + "…"


def article_screen(articles: Sequence[Article], article_id: int) -> list[Reply]:
    """One article with 上一条 / 下一条 within its version and a way back to its chapter."""
    pos = next((i for i, a in enumerate(articles) if a.id == article_id), None)
    if pos is None:
        return [Reply("这条条文已不存在，请重新浏览。", keyboard([[button("📚 法规列表", cb.laws(0))]]))]
    article = articles[pos]
    chapters = chapters_of(articles)
    chapter = next(c for c in chapters if any(a.id == article_id for a in c.articles))
    nav = []
    if pos > 0:
        nav.append(button(f"◀ {articles[pos - 1].label}", cb.article(articles[pos - 1].id)))
    if pos + 1 < len(articles):
        nav.append(button(f"{articles[pos + 1].label} ▶", cb.article(articles[pos + 1].id)))
    page = chapter.articles.index(article) // ARTICLES_PER_PAGE
    back = [button("↩ 本章目录", cb.chapter(article.version_id, chapter.index, page)),
            button("📚 法规列表", cb.laws(0))]
    return replies([article_block(article, chapter=True)], keyboard([nav, back]))
