"""Staff console: the review queue (declined and 👎 questions → a FAQ pair in two clicks) and the
curated FAQ pairs (list, add, edit, retire).

Every form carries a random idempotency key rendered into the page: posting it twice (a double
click, a browser retry) stores one pair.
"""
from __future__ import annotations

import json
import logging
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from bot.web.accounts import StaffSession
from bot.web.context import ctx, path_for
from bot.web.deps import Refused, check_csrf, render, staff_user
from bot.web.idempotency import new_key, once

log = logging.getLogger("web.staff")
router = APIRouter(prefix="/staff")
QUEUE_SIZE = 50


def _text(form, name: str, limit: int) -> str:
    return str(form.get(name, "") or "")[:limit].strip()


def suggested_basis(entry: dict | None) -> str:
    """The articles the logged answer quoted, as a basis line staff can keep or edit."""
    if not entry:
        return ""
    try:
        arts = json.loads(entry.get("articles") or "[]")
    except ValueError:
        return ""
    return "；".join(f"{a['law']}{a['label']}" for a in arts[:3] if a.get("law") and a.get("label"))


@router.get("/queue", name="staff_queue")
async def queue(request: Request, staff: StaffSession = Depends(staff_user), done: str = ""):
    def load(cur):
        groups = cur.unanswered(QUEUE_SIZE)
        return [(g, suggested_basis(cur.log.entry(g.log_id))) for g in groups]

    items = await ctx(request).services.curation(load)
    return render(request, "staff/queue.html", items=items, idem=new_key, done=done[:200])


@router.post("/queue/{log_id}/answer", name="staff_answer", dependencies=[Depends(check_csrf)])
async def answer(request: Request, log_id: int, staff: StaffSession = Depends(staff_user)):
    from kb.faq import FaqError, MAX_ANSWER

    form = await request.form()
    text, basis = _text(form, "answer", MAX_ANSWER + 1), _text(form, "basis", 500)
    ref = f"web:{staff.name}"

    async def work():
        faq, resolved = await ctx(request).services.curation(
            lambda cur: cur.add_answer(ref, log_id, text, basis, created_by=ref))
        log.info("staff %s answered log %s as faq %s", staff.name, log_id, faq.id)
        return {"faq": faq.id, "resolved": resolved}

    try:
        result = await once(ctx(request).idempotency, f"staff:{staff.name}", _text(form, "idem", 100), work)
    except FaqError as exc:
        raise Refused(f"{exc} 请返回修改后重新提交。", 400) from None
    message = f"已保存为常见问答 #{result['faq']}，同类提问 {result['resolved']} 条已标记为已处理。"
    return RedirectResponse(f"{path_for(request, 'staff_queue')}?done={quote(message)}", status_code=303)


@router.get("/faq", name="staff_faq")
async def faq_list(request: Request, staff: StaffSession = Depends(staff_user), done: str = ""):
    entries = await ctx(request).services.curation(lambda cur: cur.faq_entries())
    return render(request, "staff/faq.html", entries=entries, idem=new_key, done=done[:200])


@router.post("/faq/new", name="staff_faq_new", dependencies=[Depends(check_csrf)])
async def faq_new(request: Request, staff: StaffSession = Depends(staff_user)):
    return await _save(request, staff, None)


@router.post("/faq/{faq_id}/edit", name="staff_faq_edit", dependencies=[Depends(check_csrf)])
async def faq_edit(request: Request, faq_id: int, staff: StaffSession = Depends(staff_user)):
    return await _save(request, staff, faq_id)


async def _save(request: Request, staff: StaffSession, faq_id: int | None):
    from kb.faq import FaqError, MAX_ANSWER, MAX_QUESTION

    form = await request.form()
    q, a, b = _text(form, "question", MAX_QUESTION + 1), _text(form, "answer", MAX_ANSWER + 1), _text(form, "basis", 500)
    source = _text(form, "source", 300)
    ref = f"web:{staff.name}"

    def save(cur):
        if faq_id is None:
            return cur.faq_add(q, a, b, created_by=ref, source=source).id
        return cur.faq_edit(faq_id, q, a, b, created_by=ref, source=source).id

    async def work():
        new_id = await ctx(request).services.curation(save)
        log.info("staff %s saved faq %s (was %s)", staff.name, new_id, faq_id)
        return {"faq": new_id}

    try:
        result = await once(ctx(request).idempotency, f"staff:{staff.name}", _text(form, "idem", 100), work)
    except FaqError as exc:
        raise Refused(f"{exc} 请返回修改后重新提交。", 400) from None
    verb = "已新增" if faq_id is None else f"已修改问答 #{faq_id}，新版本为"
    return RedirectResponse(f"{path_for(request, 'staff_faq')}?done=" + quote(f"{verb}常见问答 #{result['faq']}。"), status_code=303)


@router.post("/faq/{faq_id}/retire", name="staff_faq_retire", dependencies=[Depends(check_csrf)])
async def faq_retire(request: Request, faq_id: int, staff: StaffSession = Depends(staff_user)):
    removed = await ctx(request).services.curation(lambda cur: cur.faq_remove(faq_id))
    if removed:
        log.info("staff %s retired faq %s", staff.name, faq_id)
    message = f"已停用问答 #{faq_id}，今后不再用它答复。" if removed else f"问答 #{faq_id} 已停用。"
    return RedirectResponse(f"{path_for(request, 'staff_faq')}?done={quote(message)}", status_code=303)
