"""Citizens' chat page: ask, read the quoted articles, open related ones, give 👍 / 👎.

Works without JavaScript (the form posts and the page comes back with the answer); with it,
``static/js/chat.js`` posts the same form and inserts the returned answer (``_exchange.html``,
rendered and escaped here), so one template renders every answer.
"""
from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from kb.assistant import MAX_QUESTION
from bot.web.asking import ask, user_ref
from bot.web.context import ctx, path_for
from bot.web.deps import Refused, check_csrf, render

log = logging.getLogger("web.citizens")
router = APIRouter()
EXAMPLES = ("防空洞能租来开店吗？", "人防法第二十二条", "防空警报有哪几种？", "拒不修建防空地下室怎么处罚？")


def _fetching(request: Request) -> bool:
    return request.headers.get("x-requested-with") == "fetch"


async def _counts(request: Request):
    try:
        return await ctx(request).services.library(lambda lib: lib.counts())
    except Exception:  # an empty or missing home still shows the page
        return None


@router.get("/", name="chat")
async def chat(request: Request):
    return render(request, "chat.html", views=[], counts=await _counts(request), examples=EXAMPLES,
                  max_question=MAX_QUESTION, context_law="", context_article="", context_question="")


@router.post("/ask", name="ask", dependencies=[Depends(check_csrf)])
async def ask_form(request: Request):
    form = await request.form()
    question = str(form.get("q", ""))
    view = await ask(request, question, str(form.get("ctx_law", "")), str(form.get("ctx_article", "")),
                     str(form.get("ctx_q", "")))
    if _fetching(request):
        return render(request, "_exchange.html", view=view)
    return render(request, "chat.html", views=[view], counts=None, examples=EXAMPLES,
                  max_question=MAX_QUESTION, context_law=view.context_law, context_article=view.context_article,
                  context_question=view.context_question)


@router.post("/feedback", name="feedback", dependencies=[Depends(check_csrf)])
async def feedback(request: Request):
    form = await request.form()
    try:
        log_id = int(str(form.get("log_id", "")))
    except ValueError:
        raise Refused("反馈的回答不存在。", 400) from None
    value = str(form.get("value", ""))
    if value not in ("up", "down"):
        raise Refused("请选择“有帮助”或“没帮助”。", 400)
    ref = user_ref(request)
    found = await ctx(request).services.curation(lambda cur: cur.feedback(log_id, ref, value == "up"))
    if not found:
        raise Refused("反馈的回答不存在。", 404)
    if _fetching(request):
        return render(request, "_notice.html", message="感谢您的反馈！")
    return RedirectResponse(path_for(request, "chat") + "?thanks=1", status_code=303)
