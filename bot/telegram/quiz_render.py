"""Quiz screens as Telegram HTML (pure): a question with its option buttons, the feedback that
replaces it once answered, the end-of-round result with the review of wrong answers, campaign
menus and rankings. Options are lettered as the participant saw them (after the shuffle).
"""
from __future__ import annotations

from datetime import datetime
from typing import Sequence
from zoneinfo import ZoneInfo

from bot.telegram import callbacks as cb
from bot.telegram.render import Reply, button, esc, keyboard, replies
from quizzes.engine import Campaign, Item, RankRow, Registration, RoundResult, SchoolRow
from quizzes.model import LETTERS, Question

BUTTON_TEXT = 20  # options up to this many characters go on their buttons; longer ones as letters
FIELD_LABELS = {"name": "姓名", "school": "学校", "college": "学院", "class": "班级", "student_no": "学号"}
STATUS_MARK = {"correct": "✅ 回答正确", "wrong": "❌ 回答错误", "timeout": "⏰ 超时，本题不计分"}


def duration(ms: int) -> str:
    seconds = max(0, ms) / 1000
    if seconds < 60:
        return f"{seconds:.1f} 秒"
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes} 分 {rest} 秒"


def local(ts: float, tz: str) -> str:
    return datetime.fromtimestamp(ts, ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def basis_line(q: Question) -> str:
    if q.basis:
        return "依据：" + "、".join(esc(b.label()) for b in q.basis)
    return f"来源：{esc(q.source)}" if q.source else ""


# ---- one question ----------------------------------------------------------------------------

def question_reply(item: Item, title: str = "", mask: int = 0, note: str = "") -> Reply:
    """The question, its options in the body, and one button per option (toggles + 提交 for a
    multi-answer question; the selection so far is carried in the buttons' data)."""
    q, options = item.question, item.shown_options
    head = f"<b>第 {item.position + 1}/{item.total} 题</b>"
    seconds = max(1, round(item.deadline_at - item.sent_at)) if item.deadline_at and item.sent_at else 0
    if seconds:
        head += f"（限时 {seconds} 秒）"
    if title:
        head += f" · {esc(title)}"
    lines = [esc(note)] if note else []
    lines += [head, "", esc(q.stem)]
    if q.multiple:
        lines.append("<i>（多选题：选出全部正确答案后点“提交”）</i>")
    lines.append("")
    lines += [f"{LETTERS[i]}. {esc(text)}" for i, text in enumerate(options)]
    short = max(len(o) for o in options) <= BUTTON_TEXT
    rows = []
    for i, text in enumerate(options):
        label = f"{LETTERS[i]}. {text}" if short else LETTERS[i]
        if q.multiple:
            chosen = bool(mask >> i & 1)
            data = cb.quiz_toggle(item.attempt_id, item.position, mask ^ (1 << i))
            rows.append(button(("☑ " if chosen else "☐ ") + label, data))
        else:
            rows.append(button(label, cb.quiz_answer(item.attempt_id, item.position, 1 << i)))
    layout = [[b] for b in rows] if short else [rows]
    if q.multiple:
        picked = "".join(LETTERS[i] for i in cb.shown_of(mask))
        layout.append([button(f"提交（已选 {picked}）" if picked else "提交",
                              cb.quiz_answer(item.attempt_id, item.position, mask))])
    return Reply("\n".join(lines), keyboard(layout))


def _letters(item: Item, option_indexes: Sequence[int]) -> str:
    shown = sorted(item.order.index(i) for i in option_indexes if i in item.order)
    return "、".join(f"{LETTERS[s]}. {esc(item.question.options[item.order[s]])}" for s in shown)


def feedback_reply(item: Item, outcome: str, chosen_shown: Sequence[int] = ()) -> Reply:
    """What the question message becomes once answered or timed out: the right answer, the short
    explanation, its legal basis and a 了解更多 button (article text via the answering core)."""
    q = item.question
    lines = [f"<b>第 {item.position + 1}/{item.total} 题</b> {STATUS_MARK[outcome]}", "", esc(q.stem), ""]
    if chosen_shown:
        chosen = [item.order[s] for s in chosen_shown if 0 <= s < len(item.order)]
        lines.append(f"您的答案：{_letters(item, chosen)}")
    lines.append(f"正确答案：<b>{_letters(item, q.correct)}</b>")
    if q.explanation:
        lines.append(f"解析：{esc(q.explanation)}")
    basis = basis_line(q)
    if basis:
        lines.append(basis)
    kb = keyboard([[button("📖 了解更多", cb.quiz_more(item.attempt_id, item.position))]]) if q.basis else None
    return Reply("\n".join(lines), kb)


# ---- the end of a round ----------------------------------------------------------------------

def result_replies(result: RoundResult, campaign: Campaign | None = None) -> list[Reply]:
    title = "正式答题" if result.kind == "scored" else "练习"
    if campaign is not None:
        title = f"{esc(campaign.name)} · {title}"
    head = [f"<b>🏁 {title}结束</b>",
            f"得分：<b>{result.score}/{result.total}</b>　用时：{duration(result.elapsed_ms)}"]
    if result.passed is True:
        head.append(f"🎉 恭喜通过！（及格线 {campaign.pass_mark} 题）" if campaign else "🎉 恭喜通过！")
        if result.certificate_status == "held":
            head.append("你的答题记录需要主办方复核，证书将在复核通过后发放。")
    elif result.passed is False:
        head.append(f"未达到及格线（{campaign.pass_mark} 题），继续加油！" if campaign else "未通过，继续加油！")
    blocks = ["\n".join(head)]
    if result.wrong:
        blocks.append(f"<b>错题回顾</b>（{len(result.wrong)} 题）")
        for r in result.wrong:
            q = r.question
            mine = "、".join(esc(q.options[i]) for i in r.chosen) if r.chosen else "未作答（超时）"
            right = "、".join(esc(q.options[i]) for i in q.correct)
            lines = [f"{r.position + 1}. {esc(q.stem)}", f"　您的答案：{mine}", f"　正确答案：<b>{right}</b>"]
            text = q.review or q.explanation
            if text:
                lines.append(f"　{esc(text)}")
            basis = basis_line(q)
            if basis:
                lines.append(f"　{basis}")
            blocks.append("\n".join(lines))
    else:
        blocks.append("全部答对，太棒了！👏")
    if result.kind == "scored":
        blocks.append("发送 /rank 查看您的排名。")
    else:
        blocks.append("再来一轮：/quiz　订阅 6·5 防空警报试鸣提醒：/subscribe")
    return replies(blocks)


def certificate_caption(code: str, name: str, campaign_name: str) -> str:
    return (f"🎓 {esc(name)} 同学，恭喜通过“{esc(campaign_name)}”！\n"
            f"证书编号：<code>{esc(code)}</code>（主办方可凭编号核验）")


# ---- campaigns -------------------------------------------------------------------------------

def window(c: Campaign, tz: str) -> str:
    return f"{local(c.starts_at, tz)} 至 {local(c.ends_at, tz)}"


def phase(c: Campaign, now: float) -> str:
    if now < c.starts_at:
        return "未开始"
    return "进行中" if now < c.ends_at else "已结束"


def menu_reply(c: Campaign, reg: Registration, tz: str, now: float, note: str = "") -> Reply:
    lines = [note] if note else []
    lines += [f"<b>{esc(c.name)}</b>（{esc(c.code)}，{phase(c, now)}）",
              f"报名信息：{esc(reg.name)}，{esc(reg.school)}" + "".join(
                  f"，{esc(v)}" for v in (reg.college, reg.class_name) if v),
              f"答题时间：{window(c, tz)}",
              f"共 {c.question_count} 题，每题限时 {c.seconds_per_question} 秒，答对 {c.pass_mark} 题及格，"
              f"正式答题 {c.scored_attempts} 次。"]
    rows = [[button("📝 开始正式答题", cb.quiz_menu(c.id, "s"))]]
    if c.practice_attempts > 0:
        rows.append([button(f"🔁 练习（{c.practice_attempts} 次）", cb.quiz_menu(c.id, "p"))])
    rows.append([button("🏆 我的排名", cb.quiz_menu(c.id, "r"))])
    return Reply("\n".join(lines), keyboard(rows))


def field_prompt(c: Campaign, field: str, step: int, steps: int) -> Reply:
    label = FIELD_LABELS[field]
    hints = {"name": "请填写您的<b>真实姓名</b>（将印在证书上）：",
             "school": "请填写您的<b>学校</b>全称：",
             "college": "请填写您的<b>学院</b>：",
             "class": "请填写您的<b>班级</b>：",
             "student_no": "请填写您的<b>学号</b>（只用于防止重复报名，仅保存加密后的校验值）："}
    text = f"报名“{esc(c.name)}”（{step}/{steps}）\n{hints.get(field, f'请填写{label}：')}"
    optional = field not in ("name", "school") and not c.fields.get(field, False)
    if optional:
        text += "\n（选填，可点“跳过”）"
    text += "\n发送 /cancel 取消报名。"
    kb = keyboard([[button("跳过", cb.quiz_skip(c.id, field))]]) if optional else None
    return Reply(text, kb)


def masked(name: str) -> str:
    """张三丰 → 张*丰, 李四 → 李*: names on the students' leaderboard are not shown in full."""
    from quizzes.ranking import mask_name

    return mask_name(name)


def _row(r: RankRow, full_names: bool) -> str:
    name = r.name if full_names else masked(r.name)
    return f"{r.rank}. {esc(name)}（{esc(r.school)}）{r.score}/{r.total}，{duration(r.elapsed_ms)}"


def standing_reply(c: Campaign, row: RankRow | None, ranked: int, top: Sequence[RankRow],
                   registered: bool) -> Reply:
    lines = [f"<b>🏆 {esc(c.name)} 排名</b>"]
    if row is not None:
        lines.append(f"您的成绩：第 <b>{row.rank}</b> 名（共 {ranked} 人），"
                     f"{row.score}/{row.total} 题，用时 {duration(row.elapsed_ms)}"
                     + ("，已通过 ✅" if row.passed else ""))
    elif registered:
        lines.append(f"您还没有完成正式答题。目前已有 {ranked} 人完成。")
    else:
        lines.append(f"您没有报名这项活动。目前已有 {ranked} 人完成。")
    if top:
        lines += ["", "<b>前 10 名</b>"] + [_row(r, False) for r in top]
    lines += ["", "<i>排名按得分从高到低，同分按用时从短到长。</i>"]
    return Reply("\n".join(lines))


def staff_ranking_replies(c: Campaign, top: Sequence[RankRow], ranked: int,
                          schools: Sequence[SchoolRow], tz: str) -> list[Reply]:
    blocks = [f"<b>🏆 {esc(c.name)}（{esc(c.code)}）</b>\n{window(c, tz)}，完成正式答题 {ranked} 人"]
    if top:
        blocks.append("<b>个人前 {} 名</b>\n".format(len(top)) + "\n".join(
            _row(r, True) + (" ⚠️" if r.flagged else "") for r in top))
    if schools:
        lines = []
        for s in schools:
            rate = f"，参与率 {s.participation_rate:.0%}（{s.participants}/{s.headcount}）" \
                if s.participation_rate is not None else ""
            lines.append(f"{s.rank}. {esc(s.school)}：{s.participants} 人，平均 {s.average_score:.1f} 分{rate}")
        blocks.append("<b>学校排名</b>\n" + "\n".join(lines))
    if any(r.flagged for r in top):
        blocks.append("<i>⚠️ 表示有答题快于常人的记录，建议核查。</i>")
    blocks.append(f"导出全部成绩：<code>/export {esc(c.code)}</code>")
    return replies(blocks)
