"""The embeddable widget for the office's portal: ``/widget.js`` (one ``<script>`` tag that adds a
button opening the chat in a frame) and ``/embed`` (the chat page made for a frame, the only page
other sites may frame: ``frame-ancestors`` from ``LAWBOT_WEB_EMBED_ORIGINS``)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from kb.assistant import MAX_QUESTION
from bot.web.context import STATIC, ctx
from bot.web.deps import render
from bot.web.routes.citizens import EXAMPLES
from bot.web.security import embed_headers

router = APIRouter()


@router.get("/embed", name="embed")
async def embed(request: Request):
    headers = embed_headers(ctx(request).web.embed_origins)
    return render(request, "embed.html", headers=headers, views=[], counts=None, examples=EXAMPLES[:2],
                  max_question=MAX_QUESTION, context_law="", context_article="", context_question="")


@router.get("/widget.js", name="widget_js")
async def widget_js():
    return FileResponse(STATIC / "js" / "widget.js", media_type="text/javascript",
                        headers={"cache-control": "public, max-age=3600", "access-control-allow-origin": "*"})


@router.get("/widget", name="widget_help")
async def widget_help(request: Request):
    base = str(request.base_url).rstrip("/")
    return render(request, "widget.html", base=base)
