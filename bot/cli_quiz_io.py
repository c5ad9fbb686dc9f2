"""Question-bank I/O on the command line: import/export spreadsheets, generate and review drafts,
and render certificates (``lawbot quiz import|export|generate|review``, ``lawbot campaign certificate``).

Registered on the groups of :mod:`bot.cli_quiz` when :mod:`bot.cli` imports this module. Quiz
errors become one polite line (or one line per bad row) on stderr and exit code 1.
"""
from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import click

from bot.cli_quiz import campaign, quiz


@contextlib.contextmanager
def _polite():
    from quizzes.errors import ImportFailed, QuizError

    try:
        yield
    except ImportFailed as exc:
        click.echo(f"错误：{exc}", err=True)
        problems = exc.problems
        if not (len(problems) == 1 and problems[0].message in str(exc)):  # else already said
            for p in problems:
                click.echo(f"  {p.location}：{p.message}", err=True)
        sys.exit(1)
    except QuizError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(1)


def _questions(settings):
    from quizzes.question_store import QuestionStore

    return QuestionStore(settings.quiz_db_path)


def _statutes(settings):
    from kb.store import Store

    return Store(settings.db_path)


def _split_ids(values) -> list[str]:
    return list(dict.fromkeys(i for v in values for i in v.replace("，", ",").split(",") if i.strip()))


def show_question(q, excerpt: str = "") -> str:
    from quizzes.model import LETTERS

    lines = [f"[{q.id}] {q.stem}"]
    lines += [f"    {LETTERS[i]}. {o}{'  ✓' if i in q.correct else ''}" for i, o in enumerate(q.options)]
    lines.append(f"    答案：{q.answer_letters()}　解析：{q.explanation}")
    if q.basis:
        lines.append(f"    依据：{'、'.join(b.label() for b in q.basis)}")
    elif q.source:
        lines.append(f"    来源：{q.source}")
    if excerpt:
        lines.append(f"    条文：{excerpt}")
    return "\n".join(lines)


def _excerpt(statutes, q, limit: int = 90) -> str:
    parts = []
    for b in q.basis:
        law = statutes.law_by_title(b.law)
        art = statutes.article(law.id, b.article, b.suffix) if law else None
        if art is None:
            parts.append(f"{b.label()}在法规库中已不存在，请核对")
        else:
            text = " ".join(art.text.split())
            parts.append(text if len(text) <= limit else text[:limit - 1] + "…")
    return " / ".join(parts)


@quiz.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--map", "mapping", metavar="字段=列名,…",
              help="Column mapping for other layouts, e.g. 题目=试题内容,答案=正确答案,选项=全部选项.")
@click.option("--source", default="", help="Source for rows with neither 依据 nor 来源, e.g. 2027年防空知识手册.")
@click.option("--basis", default="", help="Legal basis for rows with neither 依据 nor 来源, e.g. 人防法第十四条.")
@click.option("--tag", default="", help="Topic for rows without 主题 (alarm, history … or 防空警报, 历史 …).")
@click.pass_obj
def quiz_import(settings, path: str, mapping: str | None, source: str, basis: str, tag: str) -> None:
    """导入题库表格（.xlsx 或 .csv，每行一题）；有任何一行出错则整批不导入。"""
    from quizzes.bank import load_bank
    from quizzes.importer import ImportDefaults, import_file, parse_mapping

    with _polite():
        columns = parse_mapping(mapping) if mapping else None
        statutes = _statutes(settings)
        try:
            with _questions(settings) as store:
                result = import_file(path, store, statutes=statutes, mapping=columns, created_by="cli",
                                     home_region=settings.home_region,
                                     reserved_ids=[q.id for q in load_bank().questions],
                                     defaults=ImportDefaults(source=source, basis=basis, topic=tag))
        finally:
            statutes.close()
    name = Path(path).name
    click.echo(f"已导入 {name}：共 {len(result.questions)} 道题，新增 {len(result.added)} 道，"
               f"更新 {len(result.updated)} 道，未变 {len(result.unchanged)} 道。")
    if result.updated:
        click.echo(f"更新的题目：{'、'.join(result.updated)}")
    untagged = result.untagged
    if untagged:
        shown = "、".join(untagged[:10]) + ("等" if len(untagged) > 10 else "")
        click.echo(f"注意：{len(untagged)} 道题没有主题（{shown}），按标签筛选题目的活动（campaign create --tags）"
                   "抽不到它们；可在“主题”列填写，或用 --tag 为整表指定主题后重新导入。", err=True)


@quiz.command("export")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--status", type=click.Choice(["approved", "pending", "rejected", "all"]), default="approved",
              show_default=True, help="Which stored questions to export.")
@click.pass_obj
def quiz_export(settings, path: str, status: str) -> None:
    """把数据库中的题目（导入的和生成的）导出为 .xlsx 或 .csv，格式与导入相同。"""
    from quizzes.importer import export_questions

    with _polite(), _questions(settings) as store:
        n = export_questions(store.by_status(None if status == "all" else status), path)
    click.echo(f"已导出 {n} 道题到 {path}。")


@quiz.command("generate")
@click.argument("law")
@click.argument("articles", nargs=-1)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000),
              help="At most this many questions.")
@click.option("--json", "as_json", is_flag=True, help="One JSON line per question.")
@click.pass_obj
def quiz_generate(settings, law: str, articles, limit: int, as_json: bool) -> None:
    """从法规条文生成填空题和判断题（待审核），如：lawbot quiz generate 人防法 30 49。"""
    from quizzes.generate import generate
    from quizzes.model import question_to_dict

    statutes = _statutes(settings)
    try:
        questions = generate(statutes, law, articles, limit=limit, home_region=settings.home_region)
    finally:
        statutes.close()
    with _polite(), _questions(settings) as store:
        result = store.add_many(questions, "cli", update=False)
    for q in questions:
        if as_json:
            click.echo(json.dumps(question_to_dict(q), ensure_ascii=False))
        else:
            click.echo(show_question(q) + ("\n    （已生成过，状态不变）" if q.id in result.unchanged else ""))
    if not as_json:
        if not questions:
            click.echo("这些条文里没有适合出题的内容（金额、期限、主管部门或义务性规定）。")
        else:
            click.echo(f"共 {len(questions)} 道，新增 {len(result.added)} 道待审核。"
                       "审核：lawbot quiz review --approve ID --reject ID")


@quiz.command("review")
@click.option("--approve", "approve", multiple=True, metavar="ID", help="Approve (repeatable or comma-separated).")
@click.option("--reject", "reject", multiple=True, metavar="ID", help="Reject (repeatable or comma-separated).")
@click.option("--json", "as_json", is_flag=True, help="List pending questions as JSON lines.")
@click.pass_obj
def quiz_review(settings, approve, reject, as_json: bool) -> None:
    """列出待审核的题目；--approve / --reject 批准或退回（只有已批准的题目会被抽到）。"""
    from quizzes.model import question_to_dict

    approve, reject = _split_ids(approve), _split_ids(reject)
    with _polite(), _questions(settings) as store:
        if approve or reject:
            both = set(approve) & set(reject)
            if both:
                raise click.UsageError(f"同一道题不能既批准又退回：{'、'.join(sorted(both))}")
            unknown = [i for i in (*approve, *reject) if store.get(i) is None]
            if unknown:
                raise click.ClickException(f"没有这些编号的题目：{'、'.join(unknown)}（未做任何改动）")
            for qid in approve:
                store.set_status(qid, "approved", "cli")
            for qid in reject:
                store.set_status(qid, "rejected", "cli")
            click.echo(f"已批准 {len(approve)} 道，退回 {len(reject)} 道；还有 {store.count('pending')} 道待审核。")
            return
        pending = store.by_status("pending")
    if as_json:
        for q in pending:
            click.echo(json.dumps(question_to_dict(q), ensure_ascii=False))
        return
    if not pending:
        click.echo("没有待审核的题目。可用 lawbot quiz generate 生成。")
        return
    statutes = _statutes(settings)
    try:
        for q in pending:
            click.echo(show_question(q, _excerpt(statutes, q)) + "\n")
    finally:
        statutes.close()
    click.echo(f"共 {len(pending)} 道待审核。批准：lawbot quiz review --approve ID；退回：--reject ID")


@campaign.command("certificate")
@click.argument("code")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="PNG or PDF file to write.")
@click.option("--base-url", default="", metavar="URL",
              help="Public address of the web server: the certificate then carries a QR code of URL/verify/CODE.")
@click.pass_obj
def campaign_certificate(settings, code: str, out: str, base_url: str) -> None:
    """按核验码生成证书（PNG 图片或 PDF），如：lawbot campaign certificate K7Q2M9XD --out 证书.pdf。"""
    from quizzes.certificate import render_certificate
    from quizzes.engine import QuizEngine
    from quizzes.errors import NotFound

    fmt = Path(out).suffix.lower().lstrip(".")
    if fmt not in ("png", "pdf"):
        raise click.BadParameter("证书文件名应以 .png 或 .pdf 结尾。", param_hint="--out")
    with _polite():
        engine = QuizEngine(settings.quiz_db_path)
        try:
            cert = engine.verify(code)
            if cert is None:
                raise click.ClickException(f"没有核验码为 {code} 的证书，请核对后重试。")
            try:
                organiser = engine.campaign(cert.campaign_code).organiser
            except NotFound:
                organiser = ""
        finally:
            engine.close()
        data = render_certificate(cert, organiser=organiser, timezone=settings.timezone, base_url=base_url, fmt=fmt)
    Path(out).write_bytes(data)
    click.echo(f"已生成 {cert.name} 的证书：{out}（核验码 {cert.code}）")
