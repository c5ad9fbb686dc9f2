"""``lawbot quiz …`` (question bank) and ``lawbot campaign …`` (university campaigns).

The groups are attached to the main CLI in :mod:`bot.cli`; commands load the engine lazily.
Expected failures (QuizError) become one Chinese line on stderr and exit code 1 in
``LawbotGroup``; times typed or shown here are local to ``settings.timezone`` and parsed by the
application layer (:mod:`app.campaigns`), exactly as the bot's /newcampaign parses them.
"""
from __future__ import annotations

import json
import sys

import click
from pathlib import Path

from kb.settings import Settings

STATE = {"before": "未开始", "open": "进行中", "after": "已结束"}


@click.group()
def quiz() -> None:
    """题库：校验、列出、导入导出、生成与审核题目。"""


@click.group()
def campaign() -> None:
    """知识竞赛活动：创建、排名、导出成绩、核验证书。"""


def _engine(settings: Settings, bank_paths=None, *, with_bank: bool = True):
    """The engine on ``<home>/quiz.db``; ``with_bank`` loads the curated files (or ``bank_paths``)."""
    from app.quiz import open_engine

    return open_engine(settings, bank_paths, with_bank=with_bank)


def _fail(message: str) -> None:
    click.echo(f"错误：{message}", err=True)
    sys.exit(1)


# ---- quiz -----------------------------------------------------------------------------------

@quiz.command("validate")
@click.argument("paths", nargs=-1, type=click.Path())
@click.pass_obj
def quiz_validate(settings: Settings, paths) -> None:
    """校验题库文件（默认 quizzes/bank/*.toml）：格式、答案、长度，以及法律依据是否为现行条文。"""
    from quizzes.bank import bank_files, load_bank, validate_basis

    files = bank_files(paths or None)
    if not files:
        _fail("没有找到题库文件（*.toml）。")
    load = load_bank(paths or None)
    problems = list(load.problems)
    store = _statute_store(settings)
    if store is None:
        for p in problems:
            click.echo(str(p))
        _fail(f"法规库（{settings.home}）里还没有法规，无法核对法律依据。请先运行："
              f"lawbot --home {settings.home} ingest ../shared/corpus/core")
    with store:
        problems += validate_basis(load.questions, store)
    for p in problems:
        click.echo(str(p))
    if problems:
        click.echo(f"发现 {len(problems)} 处问题；{len(files)} 个文件中 {len(load.questions)} 道题格式正确。", err=True)
        sys.exit(1)
    click.echo(f"{len(load.questions)} 道题，全部通过校验（{len(files)} 个文件）。")


def _statute_store(settings: Settings):
    """The statute store, or None when it does not exist or holds no laws (never creates one)."""
    if not settings.db_path.exists():
        return None
    from kb.store import Store

    store = Store(settings.db_path)
    if not store.laws():
        store.close()
        return None
    return store


def question_json(q) -> dict:
    return {"id": q.id, "question": q.stem, "options": list(q.options), "answer": q.answer_letters(),
            "basis": [{"law": b.law, "article": b.article} for b in q.basis], "tags": list(q.tags)}


@quiz.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--tag", "tags", multiple=True, help="Only questions with this tag (repeatable: any of them).")
@click.option("--status", type=click.Choice(["approved", "pending", "all"]), default="approved", show_default=True)
@click.option("--bank", "bank_paths", multiple=True, type=click.Path(exists=True),
              help="Bank files or folders instead of quizzes/bank/*.toml.")
@click.pass_obj
def quiz_list(settings: Settings, as_json, tags, status, bank_paths) -> None:
    """列出题目（题库文件和数据库中的导入、生成题）。"""
    from quizzes.bank import load_bank

    tags = [t for tag in tags for t in tag.replace("，", ",").split(",") if t.strip()]
    if settings.quiz_db_path.exists():
        with _engine(settings, bank_paths) as eng:
            questions = eng.questions(tags, status=status)
    else:  # no campaign data yet: the files alone, without creating quiz.db
        questions = [q for q in load_bank(list(bank_paths) if bank_paths else None).questions
                     if status in ("all", q.status) and (not tags or set(tags) & set(q.tags))]
    for q in questions:
        if as_json:
            click.echo(json.dumps(question_json(q), ensure_ascii=False))
        else:
            basis = "、".join(b.label() for b in q.basis) or q.source
            state = {"approved": "", "pending": "（待审核）", "rejected": "（已驳回）"}.get(q.status, "")
            click.echo(f"{q.id}{state} [{'·'.join(q.tags)}] {q.stem}  答案 {q.answer_letters()}  依据：{basis}")
    if not as_json:
        click.echo(f"共 {len(questions)} 道题。", err=True)


# ---- campaign -------------------------------------------------------------------------------

def _state(c, now: float) -> str:
    return STATE["before"] if now < c.starts_at else STATE["open"] if now < c.ends_at else STATE["after"]


def describe_campaign(eng, c) -> str:
    import time

    names = {"college": "学院", "class": "班级", "student_no": "学号"}
    fields = "、".join(f"{names[k]}{'' if required else '（选填）'}" for k, required in c.fields.items())
    lines = [
        f"{c.code}「{c.name}」{_state(c, time.time())}",
        f"  时间：{eng.local_time(c.starts_at)} 至 {eng.local_time(c.ends_at)}（{eng.timezone}）",
        f"  每轮 {c.question_count} 题，每题 {c.seconds_per_question} 秒，答对 {c.pass_mark} 题合格",
        f"  正式答题 {c.scored_attempts} 次，练习 {c.practice_attempts} 次；题目范围："
        f"{'、'.join(c.tags) if c.tags else '全部已审核题目'}",
        f"  报名信息：姓名、学校{'、' + fields if fields else ''}",
    ]
    if c.organiser:
        lines.insert(1, f"  主办：{c.organiser}")
    if c.headcounts:
        lines.append(f"  已登记 {len(c.headcounts)} 所学校的应参赛人数，共 {sum(c.headcounts.values())} 人")
    return "\n".join(lines)


@campaign.command("create")
@click.option("--code", required=True, help="Join code participants type, e.g. CQU2027.")
@click.option("--name", required=True, help="Campaign name shown to participants.")
@click.option("--start", required=True, help='Local start time, e.g. "2027-06-01 08:00".')
@click.option("--end", required=True, help='Local end time, e.g. "2027-06-05 22:00".')
@click.option("--count", default=10, show_default=True, type=int, help="Questions per round.")
@click.option("--seconds", default=30, show_default=True, type=int, help="Seconds per question (5–600).")
@click.option("--tags", default="", help="Draw from questions having any of these tags, e.g. alarm,history.")
@click.option("--attempts", default=1, show_default=True, type=int, help="Scored attempts per participant.")
@click.option("--practice", default=0, show_default=True, type=int, help="Practice rounds per participant.")
@click.option("--fields", default="", help="Registration fields besides name and school: college,class,student_no "
                                          "(a trailing ? makes one optional).")
@click.option("--pass-mark", default=6, show_default=True, type=int, help="Correct answers needed for a certificate.")
@click.option("--organiser", default="", help="Organiser shown on the campaign.")
@click.option("--headcounts", type=click.Path(exists=True, dir_okay=False),
              help="CSV with columns 学校,人数 for participation rates.")
@click.option("--hold-flagged/--issue-flagged", default=True, show_default=True,
              help="Hold the certificate of a participant flagged for too-fast answers until reviewed.")
@click.option("--keep-student-no", is_flag=True,
              help="Keep student numbers (not only their hash) for this campaign's export; purge deletes them.")
@click.option("--base-url", default="", metavar="URL", help="Public address of the web server, for the join link.")
@click.option("--qr", type=click.Path(dir_okay=False), help="Write the join link's QR code here (.png or .svg).")
@click.option("--bank", "bank_paths", multiple=True, type=click.Path(exists=True),
              help="Bank files or folders instead of quizzes/bank/*.toml.")
@click.pass_obj
def campaign_create(settings: Settings, code, name, start, end, count, seconds, tags, attempts, practice,
                    fields, pass_mark, organiser, headcounts, hold_flagged, keep_student_no, base_url, qr,
                    bank_paths) -> None:
    """创建知识竞赛活动（时间按本地时区）。"""
    from app.campaigns import campaign_spec, read_headcounts

    spec = campaign_spec(
        code=code, name=name, start=start, end=end, tz=settings.timezone, tags=tags, fields=fields,
        question_count=count, seconds_per_question=seconds, scored_attempts=attempts,
        practice_attempts=practice, pass_mark=pass_mark, organiser=organiser,
        headcounts=read_headcounts(headcounts) if headcounts else {}, created_by="cli",
        hold_flagged=hold_flagged, keep_student_no=keep_student_no)
    with _engine(settings, bank_paths) as eng:
        c = eng.create_campaign(spec)
        click.echo("已创建活动：\n" + describe_campaign(eng, c))
        pool = len(eng.questions(c.tags))
    join_instructions(c, pool, base_url, qr)


def join_instructions(c, pool: int, base_url: str, qr: str | None) -> None:
    """How students join (the link, a QR file) and a warning when the draw pool is small."""
    from quizzes.pool import pool_warning

    warning = pool_warning(pool, c.question_count, sum(c.headcounts.values()))
    if warning:
        click.echo(warning, err=True)
    path = f"/c/{c.code}"
    if not base_url:
        click.echo(f"学生参加方式：用手机打开网页版的 {path}（如 https://你的域名{path}），"
                   f"或在 Telegram 中发送 /join {c.code}。加 --base-url https://… 可生成完整链接和二维码。")
        return
    url = base_url.rstrip("/") + path
    click.echo(f"学生参加方式：扫码或打开 {url}")
    if qr:
        from quizzes.qr import qr_png, qr_svg

        target = Path(qr)
        target.write_bytes(qr_svg(url) if target.suffix.lower() == ".svg" else qr_png(url))
        click.echo(f"二维码已保存到 {target}（可打印在海报上或发到班级群）。")


@campaign.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def campaign_list(settings: Settings, as_json) -> None:
    """列出所有活动。"""
    import time

    with _engine(settings, with_bank=False) as eng:
        found = eng.campaigns()
        for c in found:
            stats = eng.campaign_stats(c.id)
            if as_json:
                click.echo(json.dumps({"code": c.code, "name": c.name, "organiser": c.organiser,
                                       "starts_at": eng.local_time(c.starts_at), "ends_at": eng.local_time(c.ends_at),
                                       "state": _state(c, time.time()), **stats}, ensure_ascii=False))
            else:
                click.echo(f"{c.code}  {c.name}  {eng.local_time(c.starts_at)} 至 {eng.local_time(c.ends_at)}  "
                           f"{_state(c, time.time())}  报名 {stats['registered']} 人，完成 {stats['finished']} 人")
        if not found and not as_json:
            click.echo("还没有活动。可用 lawbot campaign create 创建。")


@campaign.command("show")
@click.argument("code")
@click.pass_obj
def campaign_show(settings: Settings, code) -> None:
    """查看一个活动的设置和参与情况。"""
    with _engine(settings, with_bank=False) as eng:
        c = eng.campaign(code)
        s = eng.campaign_stats(c.id)
        click.echo(describe_campaign(eng, c))
        click.echo(f"  报名 {s['registered']} 人，开始答题 {s['started']} 人，完成 {s['finished']} 人，"
                   f"合格 {s['passed']} 人，异常标记 {s['flagged']} 人")


def _rank_json(eng, r) -> dict:
    return {"rank": r.rank, "name": r.name, "school": r.school, "college": r.college, "class": r.class_name,
            "score": r.score, "total": r.total, "elapsed_s": round(r.elapsed_ms / 1000, 1),
            "finished_at": eng.local_time(r.finished_at, "%Y-%m-%d %H:%M:%S"), "passed": r.passed,
            "certificate": r.certificate_code, "certificate_status": r.certificate_status or None,
            "flagged": r.flagged}


def _rank_line(r) -> str:
    where = " ".join(x for x in (r.school, r.college, r.class_name) if x)
    state = {"held": "（待复核）", "revoked": "（已撤销）"}.get(r.certificate_status, "")
    extra = (f"  证书 {r.certificate_code}{state}" if r.certificate_code else "") + ("  [答题过快]" if r.flagged else "")
    return f"{r.rank:>4}. {r.name}  {where}  {r.score}/{r.total}  用时 {r.elapsed_ms / 1000:.1f} 秒{extra}"


@campaign.command("rank")
@click.argument("code")
@click.option("--schools", is_flag=True, help="Rank schools instead of individuals.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--limit", type=click.IntRange(1), default=None,
              help="How many rows (default: 50 in the table, all with --json).")
@click.pass_obj
def campaign_rank(settings: Settings, code, schools, as_json, limit) -> None:
    """排名：个人按得分、用时、完成时间；--schools 按学校平均分（并列出参赛人数和参与率）。"""
    with _engine(settings, with_bank=False) as eng:
        c = eng.campaign(code)
        if schools:
            rows = eng.school_ranking(c.id)[:limit]
            for s in rows:
                if as_json:
                    click.echo(json.dumps({"rank": s.rank, "school": s.school, "participants": s.participants,
                                           "average_score": round(s.average_score, 2), "headcount": s.headcount,
                                           "participation_rate": None if s.participation_rate is None
                                           else round(s.participation_rate, 4)}, ensure_ascii=False))
                else:
                    rate = "" if s.participation_rate is None else \
                        f"  参与率 {s.participation_rate:.1%}（应参赛 {s.headcount} 人）"
                    click.echo(f"{s.rank:>4}. {s.school}  参赛 {s.participants} 人  平均 {s.average_score:.2f} 分{rate}")
            if not rows and not as_json:
                click.echo("还没有学校完成答题。")
            return
        shown = limit if (limit or as_json) else 50
        rows = eng.ranking(c.id, limit=shown)
        for r in rows:
            click.echo(json.dumps(_rank_json(eng, r), ensure_ascii=False) if as_json else _rank_line(r))
        if as_json:
            return
        if not rows:
            click.echo("还没有人完成正式答题。")
        elif limit is None and len(rows) == shown:
            total = eng.campaign_stats(c.id)["finished"]
            if total > shown:
                click.echo(f"仅显示前 {shown} 名（共 {total} 人）；完整名单请用 lawbot campaign export。", err=True)


@campaign.command("export")
@click.argument("code")
@click.argument("path", type=click.Path(dir_okay=False))
@click.pass_obj
def campaign_export(settings: Settings, code, path) -> None:
    """导出成绩（.csv 或 .xlsx；.xlsx 另含学校统计）。"""
    with _engine(settings, with_bank=False) as eng:
        c = eng.campaign(code)
        n = eng.export(c.id, path)
    click.echo(f"已导出活动 {c.code} 的 {n} 条成绩到 {path}。")


@campaign.command("verify")
@click.argument("certcode")
@click.pass_obj
def campaign_verify(settings: Settings, certcode) -> None:
    """核验证书编号（如 LB-7K3M-Q9TX）。"""
    with _engine(settings, with_bank=False) as eng:
        cert = eng.verify(certcode)
        if cert is None:
            _fail(f"没有编号为 {certcode} 的证书。")
        if not cert.valid:
            _fail(f"证书 {cert.code} 的记录与签名不符，可能被改动过，请勿采信。")
        if cert.status == "revoked":
            _fail(f"证书 {cert.code} 已被撤销：{cert.reason or '（未写原因）'}。原记录：{cert.name}（{cert.school}）"
                  f"在“{cert.campaign_name}”中答对 {cert.score}/{cert.total} 题。")
        if cert.status == "held":
            _fail(f"证书 {cert.code} 正在等待主办方复核（{cert.reason or '待复核'}），暂不能作为有效证书。")
        click.echo(f"证书 {cert.code} 有效：{cert.name}（{cert.school}）在“{cert.campaign_name}”（{cert.campaign_code}）"
                   f"中答对 {cert.score}/{cert.total} 题，颁发于 {eng.local_time(cert.issued_at)}。")


@campaign.command("flagged")
@click.argument("code")
@click.pass_obj
def campaign_flagged(settings: Settings, code) -> None:
    """列出有异常标记（答题快得不像真人）的参赛者，供主办方复核。"""
    from quizzes.engine import MIN_HUMAN_MS

    with _engine(settings, with_bank=False) as eng:
        c = eng.campaign(code)
        rows = eng.flagged(c.id)
        for r in rows:
            click.echo(_rank_line(r))
        click.echo(f"共 {len(rows)} 人有答题快于 {MIN_HUMAN_MS} 毫秒的记录。" if rows else "没有异常记录。")


@campaign.command("revoke")
@click.argument("certcode")
@click.option("--reason", required=True, help="Why, shown by verification (e.g. 复核发现代答).")
@click.pass_obj
def campaign_revoke(settings: Settings, certcode, reason) -> None:
    """撤销一张证书（复核后），核验时显示“已撤销”及原因。"""
    with _engine(settings, with_bank=False) as eng:
        change = eng.revoke(certcode, reason, by="cli")
    click.echo(f"证书 {change.code} 已撤销。" if change.changed else f"证书 {change.code} 此前已撤销，未做改动。")


@campaign.command("release")
@click.argument("certcode")
@click.pass_obj
def campaign_release(settings: Settings, certcode) -> None:
    """复核通过：发放一张待复核的证书。"""
    with _engine(settings, with_bank=False) as eng:
        change = eng.release(certcode, by="cli")
    click.echo(f"证书 {change.code} 已发放，现可核验。" if change.changed else f"证书 {change.code} 本来就有效，未做改动。")


@campaign.command("held")
@click.argument("code")
@click.pass_obj
def campaign_held(settings: Settings, code) -> None:
    """列出等待复核的证书（答题过快的参赛者）。"""
    with _engine(settings, with_bank=False) as eng:
        c = eng.campaign(code)
        held = eng.held_certificates(c.id)
        for cert in held:
            click.echo(f"{cert.code}  {cert.name}（{cert.school}）  {cert.score}/{cert.total}  {cert.reason}")
        click.echo(f"共 {len(held)} 张证书待复核。发放：lawbot campaign release 核验码；撤销：lawbot campaign revoke "
                   "核验码 --reason 原因" if held else "没有待复核的证书。")


@campaign.command("check")
@click.argument("code")
@click.pass_obj
def campaign_check(settings: Settings, code) -> None:
    """核对排行榜与统计：与原始答题记录重新计算的结果逐项比对（大型活动需要几十秒）。"""
    with _engine(settings, with_bank=False) as eng:
        c = eng.campaign(code)
        problems = eng.check(c.id)
    for p in problems:
        click.echo(p)
    if problems:
        _fail(f"活动 {c.code} 的排行榜与原始答题记录不一致（{len(problems)} 处）。")
    click.echo(f"活动 {c.code} 的排行榜和统计与原始答题记录一致。")


@campaign.command("roster")
@click.argument("code")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--school", required=True, help="The school this roster lists (as in the pick list).")
@click.pass_obj
def campaign_roster(settings: Settings, code, path, school) -> None:
    """导入某校名单（CSV/XLSX，列：学号、姓名）：该校只有名单上的学生能报名和正式答题；再次导入则替换。"""
    from quizzes.importer import read_upload
    from quizzes.rosters import read_roster

    entries = read_roster(read_upload(path), Path(path).name)
    with _engine(settings, with_bank=False) as eng:
        c = eng.campaign(code)
        n = eng.set_roster(c.id, school, entries)
    click.echo(f"已导入{school}的名单：{n} 人。该校只有名单上的学生能参加活动 {c.code} 的正式答题。")


@campaign.command("purge")
@click.argument("code")
@click.option("--yes", is_flag=True, help="Confirm: delete the campaign and all its participants' data.")
@click.pass_obj
def campaign_purge(settings: Settings, code, yes) -> None:
    """删除一个活动及其全部个人数据（报名、学号、答题记录、证书、名单），不可恢复。"""
    with _engine(settings, with_bank=False) as eng:
        c = eng.campaign(code)
        if not yes:
            _fail(f"这将永久删除活动 {c.code} 及其全部报名、答题和证书记录。确认请加 --yes 重新运行。")
        counts = eng.purge(c.id)
    click.echo(f"已删除活动 {c.code}：报名 {counts.get('registrations', 0)} 条，答题 {counts.get('attempts', 0)} 轮、"
               f"作答 {counts.get('answers', 0)} 条，证书 {counts.get('certificates', 0)} 张。")
