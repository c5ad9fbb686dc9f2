"""Staff console: upload a law file → preview (law, version, articles added / changed / removed
with old → new text) → confirm or cancel (the load and index rebuild run in the background, see :mod:`bot.web.jobs`); the
laws and their versions.

Uploads go through the same intake as every channel (:func:`app.loading.upload_refusal` for
format and size, then the parsers' own limits); the bytes wait in SQLite until 确认, and a
confirmation posted twice loads once (the staged upload is claimed in a transaction).
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict
from pathlib import PurePath

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from bot.web.accounts import StaffSession
from bot.web.context import ctx, path_for
from bot.web.deps import Refused, check_csrf, render, staff_user
from bot.web.jobs import UploadJobs

log = logging.getLogger("web.staff")
router = APIRouter(prefix="/staff")
ACTIONS = {"created": "新法规", "new_version": "新版本（将成为现行版本）",
           "history": "较早的版本（将作为历史版本保存）", "unchanged": "与已导入的版本相同"}


def staff_ref(staff: StaffSession) -> str:
    return f"web:{staff.name}"


@router.get("/upload", name="staff_upload")
async def upload_form(request: Request, staff: StaffSession = Depends(staff_user)):
    from app.loading import FORMATS_TEXT, MAX_UPLOAD_BYTES

    return render(request, "staff/upload.html", formats=FORMATS_TEXT, max_mb=MAX_UPLOAD_BYTES // (1024 * 1024),
                  error="")


@router.post("/upload", dependencies=[Depends(check_csrf)])
async def upload(request: Request, staff: StaffSession = Depends(staff_user)):
    from app.loading import FORMATS_TEXT, MAX_UPLOAD_BYTES, upload_refusal
    from ingest.errors import IngestError

    form = await request.form()
    item = form.get("file")
    if item is None or not hasattr(item, "read") or not item.filename:
        raise Refused("请选择要导入的法规文件。", 400)
    name = PurePath(item.filename).name[:200]
    refusal = upload_refusal(name, item.size)
    if refusal:
        return render(request, "staff/upload.html", 400, formats=FORMATS_TEXT,
                      max_mb=MAX_UPLOAD_BYTES // (1024 * 1024), error=refusal)
    data = await item.read(MAX_UPLOAD_BYTES + 1)
    refusal = upload_refusal(name, len(data))
    if refusal:
        return render(request, "staff/upload.html", 413, formats=FORMATS_TEXT,
                      max_mb=MAX_UPLOAD_BYTES // (1024 * 1024), error=refusal)
    ref = staff_ref(staff)

    from app.changes import stage_upload

    try:
        staged, changes = await ctx(request).services.admin(lambda ops: stage_upload(ops, ref, name, data))
    except IngestError as exc:
        return render(request, "staff/upload.html", 400, formats=FORMATS_TEXT,
                      max_mb=MAX_UPLOAD_BYTES // (1024 * 1024), error=str(exc))
    log.info("staff %s staged upload %s (%s)", staff.name, staged.upload_id, staged.report.action)
    return render(request, "staff/preview.html", report=staged.report, upload_id=staged.upload_id,
                  filename=name, changes=changes, actions=ACTIONS)


@router.post("/upload/{upload_id}/confirm", name="staff_upload_confirm", dependencies=[Depends(check_csrf)])
async def confirm(request: Request, upload_id: int, staff: StaffSession = Depends(staff_user)):
    """Start loading the staged file in the background (once) and show its status page."""
    c = ctx(request)
    jobs = UploadJobs(c.accounts)
    if await run_in_threadpool(jobs.start, upload_id, staff.name):
        task = asyncio.create_task(_load(c, jobs, upload_id, staff.name))
        c.tasks.add(task)
        task.add_done_callback(c.tasks.discard)
    return RedirectResponse(path_for(request, "staff_upload_status", upload_id=upload_id), status_code=303)


async def _load(c, jobs: "UploadJobs", upload_id: int, staff: str) -> None:
    from ingest.errors import IngestError

    try:
        loaded = await c.services.admin(lambda ops: ops.confirm(upload_id))
    except IngestError as exc:
        await run_in_threadpool(jobs.fail, upload_id, str(exc))
        return
    except Exception:
        log.exception("loading upload %s failed", upload_id)
        await run_in_threadpool(jobs.fail, upload_id, "导入时出错，未做改动或改动已撤回，请稍后重新确认或重新上传。")
        return
    if loaded is None:
        await run_in_threadpool(jobs.fail, upload_id, "这个预览已处理、已取消或已过期（24 小时），请重新上传文件。")
        return
    log.info("staff %s loaded upload %s: %s", staff, upload_id, loaded.report.action)
    result = {"report": asdict(loaded.report), "filename": loaded.filename, "articles": loaded.articles_indexed}
    message = f"已存入知识库并更新检索索引，现有 {loaded.articles_indexed} 条现行条文；群众的下一次提问即可用到。"
    await run_in_threadpool(jobs.finish, upload_id, message, result)


@router.get("/upload/{upload_id}", name="staff_upload_status")
async def status(request: Request, upload_id: int, staff: StaffSession = Depends(staff_user)):
    job = await run_in_threadpool(UploadJobs(ctx(request).accounts).get, upload_id)
    if job is None:
        raise Refused("没有这个导入任务。", 404)
    if job.status == "running" and not job.interrupted:
        return render(request, "staff/running.html", job=job)
    if job.status == "done":
        report = job.result["report"]
        return render(request, "staff/done.html", title="已导入", report=report, filename=job.result["filename"],
                      actions=ACTIONS, message=job.message)
    message = job.message or "导入因服务重启而中断，请重新上传文件。"
    return render(request, "staff/done.html", 409, title="无法导入", message=message, failed=True)


@router.post("/upload/{upload_id}/cancel", name="staff_upload_cancel", dependencies=[Depends(check_csrf)])
async def cancel(request: Request, upload_id: int, staff: StaffSession = Depends(staff_user)):
    cancelled = await ctx(request).services.admin(lambda ops: ops.cancel(upload_id))
    return render(request, "staff/done.html", title="已取消" if cancelled else "无需取消",
                  message="已取消导入，未做任何改动。" if cancelled else "这个预览已处理、已取消或已过期。")


@router.get("/laws", name="staff_laws")
async def laws(request: Request, staff: StaffSession = Depends(staff_user)):
    rows = await ctx(request).services.library(lambda lib: [(law, lib.versions(law)) for law in lib.laws()])
    return render(request, "staff/laws.html", rows=rows)


@router.get("/upload/new", include_in_schema=False)
async def upload_again(request: Request):
    return RedirectResponse(path_for(request, "staff_upload"), status_code=303)
