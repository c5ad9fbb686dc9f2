"""Staff screens (pure): upload previews and results, /unanswered, /faq and /stats."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Sequence
from zoneinfo import ZoneInfo

from bot.telegram import callbacks as cb
from bot.telegram.render import Reply, button, esc, keyboard, replies
from kb.faq import FaqEntry
from kb.logbook import Stats, UnansweredGroup
from kb.store import LoadReport

MAX_LABELS = 30  # article labels listed per change kind
ACTIONS = {
    "created": "新法规",
    "new_version": "新版本（将成为现行版本）",
    "history": "较早的版本（将作为历史版本保存）",
    "unchanged": "与已导入的版本相同",
    "replaced": "同日期版本的更正（原文本保留在审计记录中）",
    "restored": "先前撤回或被更正的版本（将重新生效）",
}


def local_time(iso: str, tz: str = "Asia/Shanghai") -> str:
    """'2026-11-26T06:20:57Z' → '11-26 14:20' in the configured time zone (Asia/Shanghai: UTC+8)."""
    try:
        at = datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except (TypeError, ValueError):
        return esc(iso)
    return at.astimezone(ZoneInfo(tz)).strftime("%m-%d %H:%M")


def _labels(name: str, labels: Sequence[str]) -> str:
    shown = "、".join(labels[:MAX_LABELS])
    more = f" 等 {len(labels)} 条" if len(labels) > MAX_LABELS else ""
    return f"{name} {len(labels)} 条：{esc(shown)}{more}" if labels else f"{name} 0 条"


def change_lines(report: LoadReport) -> list[str]:
    lines = [f"《{esc(report.law_title)}》",
             f"版本：{esc(report.version_date or '未注明日期')}，共 {report.article_count} 条",
             f"类型：{ACTIONS.get(report.action, esc(report.action))}"]
    if report.action == "new_version" and report.superseded_date:
        lines.append(f"现行版本 {esc(report.superseded_date)} 将转为历史版本")
    if report.action in ("new_version", "history"):
        lines += [_labels("新增", report.added), _labels("修改", report.changed), _labels("删除", report.removed)]
    return lines


def preview_replies(report: LoadReport, filename: str, upload_id: int | None) -> list[Reply]:
    head = f"<b>📄 导入预览</b>：{esc(filename)}"
    if upload_id is None:  # unchanged: nothing to confirm
        return replies([head, "\n".join(change_lines(report)), "内容与已导入的版本完全相同，无需导入。"])
    kb = keyboard([[button("✅ 确认导入", cb.upload(upload_id, True)),
                    button("✖ 取消", cb.upload(upload_id, False))]])
    note = "确认后将存入知识库并更新检索索引，期间不影响答复群众提问。预览 24 小时内有效。"
    return replies([head, "\n".join(change_lines(report)), note], kb)


def loaded_replies(report: LoadReport, filename: str, articles_indexed: int) -> list[Reply]:
    head = f"<b>✅ 已导入</b>：{esc(filename)}"
    tail = f"检索索引已更新（现行条文共 {articles_indexed} 条），新的提问将按新内容答复。"
    return replies([head, "\n".join(change_lines(report)), tail])


def unanswered_replies(groups: Sequence[UnansweredGroup], tz: str = "Asia/Shanghai") -> list[Reply]:
    if not groups:
        return [Reply("👍 目前没有待处理的问题：未能解答和被点 👎 的提问都已处理。")]
    lines = []
    for i, g in enumerate(groups, 1):
        extra = f"，👎 {g.thumbs_down}" if g.thumbs_down else ""
        lines.append(f"{i}. {esc(g.question)}\n　　{g.count} 次{extra}，最近 {local_time(g.last_at, tz)}")
    head = "<b>📝 待处理的问题</b>（未能解答或被点 👎，最新在前）"
    hint = "点“答复 N”，再按“答案 || 依据”的格式回复，即可把它加为常见问答。"
    buttons = [button(f"答复 {i}", cb.answer(g.log_id)) for i, g in enumerate(groups, 1)]
    return replies([head, "\n".join(lines), hint], keyboard(buttons[i:i + 5] for i in range(0, len(buttons), 5)))


def answer_prompt(question: str) -> str:
    return (f"请答复：<b>{esc(question)}</b>\n\n"
            "请直接回复一条消息，格式为“答案 || 法律依据”，例如：\n"
            "<code>可以，但须按规定办理手续并保证战时使用。 || 人防法第二十六条</code>\n"
            "多条依据用分号分隔。发送 /cancel 取消。")


def faq_added(entry: FaqEntry, resolved: int) -> str:
    basis = "、".join(b.citation() for b in entry.basis)
    return (f"✅ 已新增常见问答 #{entry.id}：{esc(entry.question)}\n依据：{esc(basis)}\n"
            f"已标记 {resolved} 条同类提问为已解答；今后类似提问将直接用这条答复。")


def faq_replies(entries: Sequence[FaqEntry], limit: int = 30) -> list[Reply]:
    if not entries:
        return [Reply("还没有常见问答。可在 /unanswered 中答复群众的提问来添加。")]
    shown = list(entries)[-limit:]
    head = f"<b>💡 常见问答</b>（共 {len(entries)} 条" + (f"，显示最新 {limit} 条）" if len(entries) > limit else "）")
    blocks = [head] + [
        f"#{e.id} <b>{esc(e.question)}</b>\n{esc(e.answer)}\n依据：{esc('、'.join(b.citation() for b in e.basis))}"
        for e in shown]
    buttons = [button(f"停用 #{e.id}", cb.faq_remove(e.id)) for e in shown]
    return replies(blocks, keyboard(buttons[i:i + 4] for i in range(0, len(buttons), 4)))


def stats_replies(stats: Stats, days: int) -> list[Reply]:
    share = f"{stats.answered_share:.0%}" if stats.total else "—"
    lines = [f"<b>📊 近 {days} 天统计</b>",
             f"提问 {stats.total} 次，已解答 {stats.answered} 次（{share}）",
             f"反馈：👍 {stats.thumbs_up}　👎 {stats.thumbs_down}"]
    blocks = ["\n".join(lines)]
    if stats.days:
        blocks.append("按日：\n" + "\n".join(f"{esc(d)}　{n} 问 / {a} 答" for d, n, a in stats.days))
    if stats.top_laws:
        blocks.append("热门法规：\n" + "\n".join(f"{i}. 《{esc(t)}》 {n} 次" for i, (t, n) in enumerate(stats.top_laws, 1)))
    if stats.top_articles:
        blocks.append("热门条文：\n" + "\n".join(f"{i}. {esc(t)} {n} 次" for i, (t, n) in enumerate(stats.top_articles, 1)))
    return replies(blocks)
