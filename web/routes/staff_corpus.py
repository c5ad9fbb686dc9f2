"""Staff console: upload a law file → preview (law, version, articles added / changed / removed
with old → new text) → confirm or cancel; the laws and their versions.

Uploads go through the same intake as every channel (:func:`app.loading.upload_refusal` for
format and size, then the parsers' own limits); the bytes wait in SQLite until 确认, and a
confirmation posted twice loads once (the staged upload is claimed in a transaction).
"""
from __future__ import annotations

import logging
from pathlib import PurePath

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from web.accounts import StaffSession
from web.context import ctx, path_for
from web.deps import Refused, check_csrf, render, staff_user

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

    def stage(ops):
        from app.changes import article_changes
        from ingest import parse_bytes

        staged = ops.stage(ref, name, data)
        changes = article_changes(ops.kb.store, parse_bytes(data, name), staged.report)
        return staged, changes

    try:
        staged, changes = await ctx(request).services.admin(stage)
    except IngestError as exc:
        return render(request, "staff/upload.html", 400, formats=FORMATS_TEXT,
                      max_mb=MAX_UPLOAD_BYTES // (1024 * 1024), error=str(exc))
    log.info("staff %s staged upload %s (%s)", staff.name, staged.upload_id, staged.report.action)
    return render(request, "staff/preview.html", report=staged.report, upload_id=staged.upload_id,
                  filename=name, changes=changes, actions=ACTIONS)


@router.post("/upload/{upload_id}/confirm", name="staff_upload_confirm", dependencies=[Depends(check_csrf)])
async def confirm(request: Request, upload_id: int, staff: StaffSession = Depends(staff_user)):
    from ingest.errors import IngestError

    try:
        loaded = await ctx(request).services.admin(lambda ops: ops.confirm(upload_id))
    except IngestError as exc:
        raise Refused(str(exc), 400) from None
    if loaded is None:
        return render(request, "staff/done.html", 409, title="无法导入",
                      message="这个预览已处理、已取消或已过期（24 小时），请重新上传文件。")
    log.info("staff %s loaded upload %s: %s", staff.name, upload_id, loaded.report.action)
    return render(request, "staff/done.html", title="已导入", report=loaded.report, filename=loaded.filename,
                  articles=loaded.articles_indexed, actions=ACTIONS,
                  message=f"已存入知识库并更新检索索引，现有 {loaded.articles_indexed} 条现行条文；群众的下一次提问即可用到。")


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
