"""The 6·5 basics page: the three alarm signals (playable, synthesised in the browser from their
on/off patterns in :mod:`app.alarms`), what to do on hearing each, and why Chongqing sounds them
every 5 June."""
from __future__ import annotations

from fastapi import APIRouter, Request

from app.alarms import SIGNALS, SOURCE
from bot.web.deps import render

router = APIRouter()


@router.get("/65", name="basics")
async def basics(request: Request):
    return render(request, "basics.html", signals=SIGNALS, source=SOURCE)
