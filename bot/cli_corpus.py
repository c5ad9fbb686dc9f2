"""CLI commands for keeping the corpus current: diff, rollback, repeal, remove, the audit log,
question views awaiting review, unanswered questions and feedback, and dependants to re-approve.

Thin: each parses its arguments, calls :mod:`app.corpus` (the operations every channel shares), and
prints a short Chinese report with times in the configured time zone. Every change is audited in
the store under ``cli:<login name>``.
"""
from __future__ import annotations

import getpass
import json

import click

from kb.settings import Settings


def cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name (containers): still say it came from the CLI
        return "cli"


def _kb(settings: Settings):
    from kb.service import KnowledgeBase

    return KnowledgeBase(settings)


def _when(settings: Settings, utc: str | None) -> str:
    from kb.timefmt import local_time

    return local_time(utc, settings.timezone)


def _confirm(yes: bool, prompt: str) -> None:
    if not yes and not click.confirm(prompt, default=False):
        raise click.ClickException("已取消，未做任何改动。")


def _echo_reindexed(settings: Settings) -> None:
    from kb.index import index_meta

    meta = index_meta(settings.index_dir) or {}
    click.echo(f"检索索引已更新（{meta.get('articles', 0)} 条现行条文）。")


@click.command()
@click.argument("law")
@click.option("--from", "from_date", help="Older version date (default: the version before --to).")
@click.option("--to", "to_date", help="Newer version date (default: the current version).")
@click.pass_obj
def diff(settings: Settings, law: str, from_date, to_date) -> None:
    """逐条显示两个版本之间修改的条文（旧文 → 新文）。"""
    from bot.render_text import inline_diff
    from app.corpus import diff as diff_versions

    d = diff_versions(_kb(settings), law, from_date, to_date)
    click.echo(f"《{d.law.title}》{d.old.version_date or '未注明日期'} → {d.new.version_date or '未注明日期'}："
               f"{len(d.changes)} 条有变化")
    names = {"changed": "修改", "added": "新增", "removed": "删除"}
    for c in d.changes:
        click.echo(f"\n【{names[c.kind]}】{c.label}")
        if c.old_text:
            click.echo(f"  旧：{c.old_text}")
        if c.new_text:
            click.echo(f"  新：{c.new_text}")
        if c.old_text and c.new_text:
            click.echo(f"  改动：{inline_diff(c.old_text, c.new_text)}")


@click.command()
@click.argument("law")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def rollback(settings: Settings, law: str, yes: bool) -> None:
    """撤回现行版本，使上一个版本重新成为现行版本（重新导入被撤回的文件即可恢复）。"""
    from kb.lookup import find_law
    from app.corpus import rollback as roll

    kb = _kb(settings)
    found = find_law(kb.store, law, settings.home_region)
    _confirm(yes, f"撤回《{found.title}》现行的 {found.version_date or '未注明日期'} 版本？")
    withdrawn, current = roll(kb, law, cli_actor(), expect=found.version_date)
    click.echo(f"已撤回《{found.title}》{withdrawn or '未注明日期'} 版本；现行版本恢复为 {current or '未注明日期'}。")
    _echo_reindexed(settings)


@click.command()
@click.argument("law")
@click.option("--date", "day", required=True, help="Date the law ceased to be in force (YYYY-MM-DD).")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def repeal(settings: Settings, law: str, day: str, yes: bool) -> None:
    """标记法规已废止：回答不再把它当作现行法规引用。"""
    from kb.lookup import find_law
    from app.corpus import iso_day, repeal as mark

    kb = _kb(settings)
    found = find_law(kb.store, law, settings.home_region)
    _confirm(yes, f"将《{found.title}》标记为自 {iso_day(day)} 起废止？")
    _, changed = mark(kb, law, day, cli_actor())
    if not changed:
        click.echo(f"《{found.title}》已是自 {iso_day(day)} 起废止，未作改动。")
        return
    click.echo(f"已标记《{found.title}》自 {iso_day(day)} 起废止。")
    _echo_reindexed(settings)


@click.command()
@click.argument("law")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def remove(settings: Settings, law: str, yes: bool) -> None:
    """删除误导入的法规（连同全部版本）；审计记录中保留其导入历史。"""
    from kb.lookup import find_law
    from app.corpus import remove as drop

    kb = _kb(settings)
    found = find_law(kb.store, law, settings.home_region)
    n = len(kb.store.versions(found.id))
    _confirm(yes, f"删除《{found.title}》及其 {n} 个版本？此操作只保留审计记录")
    drop(kb, law, cli_actor())
    click.echo(f"已删除《{found.title}》（{n} 个版本）；审计记录已保留，可用 lawbot audit 查看。")
    _echo_reindexed(settings)


@click.command(name="audit")
@click.option("--since", help="Only changes on or after this local date (YYYY-MM-DD).")
@click.option("--law", help="Only changes of this law.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def audit_cmd(settings: Settings, since, law, limit, as_json) -> None:
    """查看审计记录：谁在何时做了哪些改动（时间为本地时区）。"""
    from app.corpus import audit_entries

    rows = audit_entries(_kb(settings), since, law, limit)
    for e in rows:
        if as_json:
            click.echo(json.dumps({"id": e.id, "at": e.at, "local_time": _when(settings, e.at), "actor": e.actor,
                                   "action": e.action, "law": e.law_title, "detail": e.detail},
                                  ensure_ascii=False))
        else:
            click.echo(f"{_when(settings, e.at)}  {e.actor}  {e.action}  {e.law_title}  "
                       f"{json.dumps(e.detail, ensure_ascii=False)[:160]}")
    if not rows and not as_json:
        click.echo("没有审计记录。")


# ---- question views ---------------------------------------------------------------------------

@click.group()
def views() -> None:
    """问法视图：条文修改后待复核的问法，工作人员确认、停用或新增。"""


@views.command("review")
@click.pass_obj
def views_review(settings: Settings) -> None:
    """列出待复核的问法视图，附原条文与现行条文。"""
    from app.corpus import views_to_review

    queue = views_to_review(_kb(settings))
    for item in queue:
        v = item.view
        click.echo(f"#{v.id} 《{v.law}》第{v.article}条  问法：{v.question}  （{v.note}）")
        click.echo(f"  原条文：{item.old_text or '（已不在库中）'}")
        click.echo(f"  现条文：{item.new_text or '（已删除）'}")
    click.echo(f"共 {len(queue)} 条待复核。确认：lawbot views accept ID [--question 新问法]；停用：lawbot views drop ID"
               if queue else "没有待复核的问法视图。")


@views.command("accept")
@click.argument("view_id", type=int)
@click.option("--question", help="Reworded question for the new text.")
@click.pass_obj
def views_accept(settings: Settings, view_id: int, question) -> None:
    """确认一条问法适用于现行条文（可改写问法），重建索引后生效。"""
    from app.corpus import accept_view

    v = accept_view(_kb(settings), view_id, cli_actor(), question)
    click.echo(f"已启用问法 #{v.id}：{v.question}（《{v.law}》第{v.article}条）。")


@views.command("drop")
@click.argument("view_id", type=int)
@click.pass_obj
def views_drop(settings: Settings, view_id: int) -> None:
    """停用一条问法视图。"""
    from app.corpus import drop_view

    changed = drop_view(_kb(settings), view_id, cli_actor())
    click.echo(f"已停用问法 #{view_id}。" if changed else f"问法 #{view_id} 已是停用状态。")


@views.command("add")
@click.argument("law")
@click.argument("number")
@click.argument("question")
@click.pass_obj
def views_add(settings: Settings, law: str, number: str, question: str) -> None:
    """为某一条新增一条问法（市民会怎么问），重建索引后生效。"""
    from app.corpus import add_view

    v = add_view(_kb(settings), law, number, question, cli_actor())
    click.echo(f"已新增问法 #{v.id}：{v.question}（《{v.law}》第{v.article}条）。")


# ---- review of questions citizens asked ---------------------------------------------------------

@click.command(name="review")
@click.argument("what", type=click.Choice(["unanswered", "feedback"]))
@click.option("--since", help="Only questions on or after this local date (YYYY-MM-DD).")
@click.option("--limit", default=30, show_default=True, type=click.IntRange(1, 1000))
@click.option("--to-faq", "to_faq", type=int, metavar="ID", help="Turn the question with this id into an FAQ pair.")
@click.option("--answer", "-a", help="With --to-faq: the curated answer.")
@click.option("--basis", "-b", default="", help="With --to-faq: legal basis, e.g. 人防法第二十二条.")
@click.option("--source", default="", help="With --to-faq: a named non-statute source instead of a basis.")
@click.option("--question", "-q", help="With --to-faq: the question as the pair should word it.")
@click.pass_obj
def review(settings: Settings, what: str, since, limit, to_faq, answer, basis, source, question) -> None:
    """查看未能回答的问题（unanswered）或被点 👎 的回答（feedback）；--to-faq 把一条转为常见问答。"""
    from app.corpus import question_to_faq, to_review

    kb = _kb(settings)
    if to_faq is not None:
        if not answer:
            raise click.UsageError("请用 --answer 给出答案，并用 --basis（法律依据）或 --source（出处）注明依据。")
        made = question_to_faq(kb, to_faq, answer, cli_actor(), basis, source, question)
        click.echo(f"已新增问答 #{made.entry.id}：{made.entry.question}；{made.resolved} 条同样的提问已标记为已解答。")
        return
    groups = to_review(kb, what, since, limit)
    for g in groups:
        click.echo(f"#{g.log_id}  {_when(settings, g.last_at)}  ×{g.count}  👎{g.thumbs_down}  {g.question}")
    if not groups:
        click.echo("没有需要处理的问题。" if what == "unanswered" else "没有被点 👎 的回答。")
    else:
        click.echo("转为常见问答：lawbot review unanswered --to-faq ID -a 答案 -b 法律依据（或 --source 出处）")


# ---- dependants ---------------------------------------------------------------------------------

@click.group()
def dependants() -> None:
    """依据条文已修改的题目与常见问答：查看新旧条文，复核后重新批准。"""


@dependants.command("review")
@click.pass_obj
def dependants_review(settings: Settings) -> None:
    """列出依据条文已修改、需复核的题目和常见问答，附旧文 → 新文。"""
    from bot.render_text import inline_diff

    from app.corpus import dependants_to_review

    flagged = dependants_to_review(_kb(settings))
    for f in flagged:
        name = "题目" if f.kind == "quiz" else "问答"
        click.echo(f"{name} {f.kind}:{f.ref}  {f.basis.label}")
        click.echo(f"  旧：{f.old_text or '（原条文已不在库中）'}")
        click.echo(f"  新：{f.new_text}")
        if f.old_text:
            click.echo(f"  改动：{inline_diff(f.old_text, f.new_text)}")
    click.echo(f"共 {len(flagged)} 处需复核；复核（必要时修改题目或答案）后：lawbot dependants approve quiz:ID 或 faq:ID"
               if flagged else "没有需要复核的题目或问答。")


@dependants.command("approve")
@click.argument("refs", nargs=-1, required=True)
@click.pass_obj
def dependants_approve(settings: Settings, refs) -> None:
    """重新批准已复核的题目或问答（quiz:ID、faq:ID），使其按现行条文继续使用。"""
    from app.corpus import approve_dependant

    kb = _kb(settings)
    for ref in refs:
        approve_dependant(kb, ref, cli_actor())
        click.echo(f"已重新批准 {ref}（按现行条文）。")


COMMANDS = (diff, rollback, repeal, remove, audit_cmd, views, review, dependants)
