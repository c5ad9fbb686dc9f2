"""Plain-text rendering of answers and articles for the terminal (CLI ``ask`` and ``chat``)."""
from __future__ import annotations

from app.answering import Reply, faq_lines
from kb.answer import Answer
from kb.model import Article


def version_label(article: Article) -> str:
    if not article.version_date:
        return ""
    y, m, d = article.version_date.split("-")
    return f"（{int(y)}年{int(m)}月{int(d)}日版本）"


def article_block(article: Article, highlight: str = "") -> str:
    """The article verbatim; the answering sentence repeated after it (the quote is never altered)."""
    block = f"《{article.law_title}》{article.label}{version_label(article)}：\n「{article.text}」"
    if article.repealed:
        block = f"⚠️ {article.repeal_notice()}\n{block}"
    if highlight and highlight in article.text and highlight != article.text:
        block += f"\n要点：{highlight}"
    return block


def related_line(answer: Answer) -> str:
    return ("相关条文：" + "、".join(f"《{a.law_title}》{a.label}" for a in answer.related)) if answer.related else ""


def render_answer(reply: Reply | Answer) -> str:
    """A reply as terminal text (a bare core Answer is shown as its Reply without resolved basis)."""
    reply = reply if isinstance(reply, Reply) else Reply(reply)
    answer = reply.answer
    if answer.kind == "faq":
        return "\n".join(faq_lines(reply))
    if answer.kind != "statute":
        quoted = ["依据" + article_block(q.article, q.highlight) for q in answer.quotes]  # advice: the rule
        return "\n".join(p for p in (answer.message, *quoted, related_line(answer), answer.help_line) if p)
    lines = []
    for i, quote in enumerate(answer.quotes):
        prefix = "依据" if i == 0 else "另见"
        lines.append(prefix + article_block(quote.article, quote.highlight))
    if answer.related:
        lines.append(related_line(answer))
    lines.append(answer.disclaimer + answer.help_line)
    return "\n".join(lines)


def inline_diff(old: str, new: str) -> str:
    """The new text with deletions as [-…-] and insertions as {+…+} (character level)."""
    from difflib import SequenceMatcher

    out = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(new[j1:j2])
            continue
        if i2 > i1:
            out.append(f"[-{old[i1:i2]}-]")
        if j2 > j1:
            out.append(f"{{+{new[j1:j2]}+}}")
    return "".join(out)


def describe_report(report) -> str:
    """One line saying what loading a file did (for staff)."""
    date = report.version_date or "未注明日期"
    title = f"《{report.law_title}》"
    if report.action == "created":
        return f"新增 {title}（{date} 版本）：{report.article_count} 条"
    if report.action == "unchanged":
        return f"未变化 {title}（{date} 版本）：内容与已导入的相同，未作改动"
    counts = f"新增 {len(report.added)} 条、修改 {len(report.changed)} 条、删除 {len(report.removed)} 条"
    detail = "".join(f"；{name}：{'、'.join(items)}" for name, items in
                     (("新增", report.added), ("修改", report.changed), ("删除", report.removed)) if items)
    if report.action == "replaced":
        return (f"更正 {title}：{date} 版本已按新文件更正（原文本保留在审计记录中）；{counts}{detail}"
                f"。用 lawbot diff 查看改动")
    if report.action == "restored":
        return f"恢复 {title}：{date} 版本重新生效（与刚才的现行版本相比：{counts}{detail}）"
    if report.action == "new_version":
        return (f"更新 {title}：{date} 新版本成为现行版本，{report.superseded_date or '旧'} 版本转为历史版本；"
                f"{counts}{detail}" + ("。用 lawbot diff 查看新旧条文" if report.changed else ""))
    return f"历史 {title}：{date} 版本早于现行版本，已作为历史版本保存（与现行版本相比：{counts}）"
