"""Organiser console for campaigns (staff login): create a campaign, share its link and QR codes
(per school too), watch the live dashboard, download results as XLSX, review certificates
(release held ones, revoke with a reason) and upload school rosters.

The dashboard page draws its figures from ``/staff/campaigns/CODE/stats.json`` and refreshes
them every few seconds without reloading (``static/js/campaign_dashboard.js``); every figure is
read from the tallies of :mod:`quizzes.dashboard`, so it stays fast at 370,000 participants.
"""
from __future__ import annotations

import logging
import os
import tempfile
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.background import BackgroundTask
from starlette.responses import FileResponse

from app import campaign_site as site
from bot.web.accounts import StaffSession
from bot.web.campaign_worker import quiz
from bot.web.context import ctx, path_for
from bot.web.deps import Refused, check_csrf, render, staff_user
from bot.web.idempotency import new_key, once

log = logging.getLogger("web.staff.campaigns")
router = APIRouter(prefix="/staff/campaigns")
MAX_ROSTER_BYTES = 5 * 1024 * 1024
ZIP_PAGE = 200  # certificates per ZIP download


def _done(request: Request, name: str, message: str, **params) -> RedirectResponse:
    return RedirectResponse(f"{path_for(request, name, **params)}?done={quote(message)}", status_code=303)


def join_url(request: Request, code: str, school: str = "") -> str:
    base = str(request.base_url).rstrip("/")
    url = f"{base}{path_for(request, 'campaign', code=code)}"
    return url + (f"?{urlencode({'s': school})}" if school else "")


async def _get(request: Request, code: str):
    from quizzes.errors import NotFound

    try:
        return await quiz(request).run(lambda ops: ops.campaign(code))
    except NotFound:
        raise Refused("没有找到这个活动。", 404) from None


@router.get("", name="staff_campaigns")
async def campaigns(request: Request, staff: StaffSession = Depends(staff_user), done: str = ""):
    summaries = await quiz(request).run(lambda ops: ops.summaries())
    return render(request, "staff/campaigns.html", summaries=summaries, idem=new_key, done=done[:200])


@router.post("", name="staff_campaign_create", dependencies=[Depends(check_csrf)])
async def create(request: Request, staff: StaffSession = Depends(staff_user)):
    from app.campaigns import campaign_spec
    from quizzes.errors import QuizError

    form = await request.form()
    text = {k: str(form.get(k, "") or "")[:200].strip() for k in
            ("code", "name", "start", "end", "tags", "fields", "organiser")}
    numbers = {}
    try:
        for key in ("question_count", "seconds_per_question", "pass_mark", "scored_attempts", "practice_attempts"):
            if str(form.get(key, "")).strip():
                numbers[key] = int(str(form.get(key)))
    except ValueError:
        raise Refused("题数、时间、次数和合格分都应是整数，请返回修改。", 400) from None
    tz = ctx(request).settings.timezone

    async def work():
        spec = campaign_spec(code=text["code"], name=text["name"], start=text["start"], end=text["end"], tz=tz,
                             created_by=f"web:{staff.name}", tags=text["tags"], fields=text["fields"],
                             organiser=text["organiser"], hold_flagged=form.get("hold_flagged") is not None,
                             **numbers)
        c, warning = await quiz(request).run(lambda ops: site.create(ops, spec))
        log.info("staff %s created campaign %s", staff.name, c.code)
        return {"code": c.code, "warning": warning or ""}

    try:
        result = await once(ctx(request).idempotency, f"staff:{staff.name}", str(form.get("idem", ""))[:100], work)
    except QuizError as exc:
        raise Refused(f"{exc} 请返回修改后重新提交。", 400) from None
    return _done(request, "staff_campaign", f"活动已创建。{result['warning']}", code=result["code"])


@router.get("/{code}", name="staff_campaign")
async def dashboard(request: Request, code: str, staff: StaffSession = Depends(staff_user), done: str = ""):
    c = await _get(request, code)
    schools = sorted(c.headcounts)
    held = await quiz(request).run(lambda ops: site.held(ops, c.id))
    return render(request, "staff/campaign.html", c=c, done=done[:200], idem=new_key, held=held,
                  link=join_url(request, c.code), schools=[(s, join_url(request, c.code, s)) for s in schools])


@router.get("/{code}/stats.json", name="staff_campaign_stats")
async def stats(request: Request, code: str, staff: StaffSession = Depends(staff_user)):
    c = await _get(request, code)
    figures = await quiz(request).run(lambda ops: site.stats(ops, c.id))
    return JSONResponse(figures, headers={"Cache-Control": "no-store"})


@router.get("/{code}/results.xlsx", name="staff_campaign_xlsx")
async def results_xlsx(request: Request, code: str, staff: StaffSession = Depends(staff_user)):
    c = await _get(request, code)
    fd, tmp = tempfile.mkstemp(prefix="lawbot-export-", suffix=".xlsx")
    os.close(fd)
    await quiz(request).run(lambda ops: site.export(ops, c.id, tmp))
    log.info("staff %s exported campaign %s", staff.name, c.code)
    return FileResponse(tmp, filename=f"{c.code}-成绩.xlsx", background=BackgroundTask(os.unlink, tmp),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@router.get("/{code}/qr.{fmt}", name="staff_campaign_qr")
async def qr(request: Request, code: str, fmt: str, school: str = "", staff: StaffSession = Depends(staff_user)):
    from quizzes.qr import qr_png, qr_svg

    if fmt not in ("png", "svg"):
        raise Refused("二维码只能是 PNG 或 SVG。", 404)
    c = await _get(request, code)
    url = join_url(request, c.code, school[:60])
    data = await run_in_threadpool(qr_png if fmt == "png" else qr_svg, url)
    kind = "image/png" if fmt == "png" else "image/svg+xml"
    name = quote(f"{c.code}{'-' + school[:60] if school else ''}-二维码.{fmt}")
    return Response(data, media_type=kind, headers={"Content-Disposition": f"inline; filename*=UTF-8''{name}"})


@router.get("/{code}/certificates.zip", name="staff_campaign_certificates")
async def certificates_zip(request: Request, code: str, school: str = "", page: int = 1,
                           staff: StaffSession = Depends(staff_user)):
    """A school's certificates as one ZIP of PDFs, ``ZIP_PAGE`` per download (``page``=2, 3 … for
    the next ones): each takes ~0.2 s of CPU to draw, so a page stays within a request's time."""
    import io
    import zipfile

    from quizzes.certificate import render_certificate

    c = await _get(request, code)
    page = max(1, min(page, 10_000))
    certs = await quiz(request).run(lambda ops: site.valid_certificates(ops, c, school[:60], ZIP_PAGE,
                                                                        (page - 1) * ZIP_PAGE))
    if not certs:
        raise Refused("这一页没有可下载的证书。", 404)
    base, tz = str(request.base_url).rstrip("/"), ctx(request).settings.timezone

    def build() -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:  # PDFs hold compressed images
            for cert in certs:
                pdf = render_certificate(cert, organiser=c.organiser, timezone=tz, base_url=base, fmt="pdf")
                archive.writestr(f"{cert.school}/{cert.code}-{cert.name}.pdf", pdf)
        return out.getvalue()

    data = await run_in_threadpool(build)
    log.info("staff %s downloaded %d certificates of %s", staff.name, len(certs), c.code)
    name = quote(f"{c.code}-{school or '全部'}-证书-{page}.zip")
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})


@router.get("/{code}/poster.png", name="staff_campaign_poster")
async def poster(request: Request, code: str, school: str = "", staff: StaffSession = Depends(staff_user)):
    """A4 poster with the join link's QR code (of one school's sub-link when ``school`` is given)."""
    from quizzes.export import local_time
    from quizzes.poster import render_poster

    c = await _get(request, code)
    tz = ctx(request).settings.timezone
    window = f"{local_time(c.starts_at, tz, '%Y-%m-%d %H:%M')} 至 {local_time(c.ends_at, tz, '%Y-%m-%d %H:%M')}"
    rules = f"每轮 {c.question_count} 题 · 每题 {c.seconds_per_question} 秒 · 答对 {c.pass_mark} 题获证书"
    data = await run_in_threadpool(render_poster, c.name, join_url(request, c.code, school[:60]),
                                   organiser=c.organiser, window=window, rules=rules, school=school[:60])
    name = quote(f"{c.code}{'-' + school[:60] if school else ''}-海报.png")
    return Response(data, media_type="image/png", headers={"Content-Disposition": f"inline; filename*=UTF-8''{name}"})


@router.post("/{code}/certificates", name="staff_campaign_review", dependencies=[Depends(check_csrf)])
async def review(request: Request, code: str, staff: StaffSession = Depends(staff_user)):
    """Release a held certificate or revoke one with a reason (``action``, ``certificate``, ``reason``)."""
    from quizzes.errors import QuizError

    form = await request.form()
    action, cert = str(form.get("action", "")), str(form.get("certificate", ""))[:40]
    reason = str(form.get("reason", ""))[:300]
    c = await _get(request, code)
    by = f"web:{staff.name}"

    try:
        change = await quiz(request).run(lambda ops: site.review(ops, c, action, cert, reason, by))
    except QuizError as exc:
        raise Refused(f"{exc} 请返回修改后重新提交。", 400) from None
    log.info("staff %s %s certificate %s", staff.name, action, change.code)
    verb = "已撤销" if action == "revoke" else "已发放"
    return _done(request, "staff_campaign", f"证书 {change.code} {verb}。", code=c.code)


@router.post("/{code}/roster", name="staff_campaign_roster", dependencies=[Depends(check_csrf)])
async def roster(request: Request, code: str, staff: StaffSession = Depends(staff_user)):
    from quizzes.errors import ImportFailed, QuizError
    from quizzes.rosters import read_roster

    form = await request.form()
    upload, school = form.get("file"), str(form.get("school", ""))[:60]
    if upload is None or not getattr(upload, "filename", ""):
        raise Refused("请选择名单文件（CSV 或 XLSX）。", 400)
    data = await upload.read(MAX_ROSTER_BYTES + 1)
    if len(data) > MAX_ROSTER_BYTES:
        raise Refused("名单文件太大（最多 5 MB）。", 413)
    c = await _get(request, code)
    try:
        entries = await run_in_threadpool(read_roster, data, upload.filename)
        n = await quiz(request).run(lambda ops: site.roster(ops, c, school, entries))
    except ImportFailed as exc:
        details = "；".join(f"{p.location}：{p.message}" for p in exc.problems[:5])
        raise Refused(f"{exc} {details}", 400) from None
    except QuizError as exc:
        raise Refused(str(exc), 400) from None
    return _done(request, "staff_campaign", f"已导入{school}的名单：{n} 人。", code=c.code)
