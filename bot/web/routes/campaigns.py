"""Students' campaign pages: a QR code or link opens ``/c/CODE`` on a phone, no app to install.

Landing → register once (姓名, 学校 from the campaign's pick list, then 学院/班级/学号 if asked) →
practice when allowed → the scored round, one question per screen with a countdown → result
(score, time, rank, wrong answers with their explanation and article) → certificate (PNG, PDF)
→ ``/c/CODE/rank``; and the public ``/verify/LB-XXXX-XXXX`` page a certificate's QR code opens.

The server decides everything: the deadline of each question (a reload or a lost connection
shows the same question with the time left), that an answer is recorded once (a second tab or a
retried request gets the first outcome: the engine keys answers by attempt and position, so no
idempotency table is written on this hot path), and that the answer refers to the options as
they were shown (``order``). Pages work without JavaScript (each option is a submit button);
``static/js/campaign.js`` adds the countdown and a one-tap lock. A participant is the browser's
anonymous signed client id (``web:<id>``). Answers also come as JSON (``Accept:
application/json``) for scripted clients and the benchmark.
"""
from __future__ import annotations

import logging
import time
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response

from app import campaign_site as site
from bot.web.campaign_worker import quiz
from bot.web.context import ctx, path_for
from bot.web.deps import Refused, check_csrf, client_id, form as form_of, render
from bot.web.idempotency import new_key, valid_key

log = logging.getLogger("web.campaigns")
router = APIRouter()
TOP = 50
NO_CAMPAIGN = "没有找到这个活动，请核对二维码或链接。"
REQUESTS_PER_MINUTE = 60  # answers, registrations and starts per student: one a second is not human


async def limit(request: Request) -> None:
    """Per-client rate limit of the state-changing campaign requests (keyed by the student's
    client id, not the address: a campus shares a few addresses). Async: a plain function would
    cost every answer a hop to the thread pool."""
    from bot.web.ratelimit import RateLimiter

    state = request.app.state
    limiter = getattr(state, "campaign_limiter", None)
    if limiter is None:
        limiter = state.campaign_limiter = RateLimiter(REQUESTS_PER_MINUTE)
    wait = limiter.allow(client_id(request))
    if wait:
        raise Refused("操作太频繁了，请稍等片刻再试。", 429, retry_after=int(wait) + 1)


def user_ref(request: Request) -> str:
    return f"web:{client_id(request)}"


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _to(request: Request, name: str, note: str = "", **params) -> RedirectResponse:
    url = path_for(request, name, **params)
    return RedirectResponse(url + (f"?note={quote(note)}" if note else ""), status_code=303)


async def _run(request: Request, fn, missing: str = NO_CAMPAIGN, *, writes: bool = True):
    """``fn(ops)`` on the quiz worker (a step of the next group commit when it ``writes``);
    an unknown campaign or round is a polite 404."""
    from quizzes.errors import NotFound

    worker = quiz(request)
    try:
        found = await (worker.step(fn) if writes else worker.run(fn))
    except NotFound:
        raise Refused(missing, 404) from None
    if found is None:
        raise Refused(missing, 404)
    return found


def _local(request: Request):
    from quizzes.export import local_time

    tz = ctx(request).settings.timezone
    return lambda ts: local_time(ts, tz, "%Y-%m-%d %H:%M")


# ---- landing and registration ---------------------------------------------------------------

@router.get("/c/{code}", name="campaign")
async def landing(request: Request, code: str, note: str = "", s: str = ""):
    me = user_ref(request)
    page = await _run(request, lambda ops: site.landing(ops, code, me), writes=False)
    c, now = page.campaign, time.time()
    state = "before" if now < c.starts_at else "open" if now < c.ends_at else "after"
    local = _local(request)
    return render(request, "campaign/landing.html", c=c, reg=page.registration, active=page.active,
                  finished_id=page.finished_id, used=page.scored_used, state=state, starts=local(c.starts_at),
                  ends=local(c.ends_at), note=note[:200], school=s[:60],
                  fields=[site.FIELD_LABELS[f] for f in c.fields])


@router.get("/c/{code}/register", name="campaign_register")
async def register_form(request: Request, code: str, note: str = "", s: str = ""):
    me = user_ref(request)

    def load(ops):
        c, reg = ops.campaign_for_join(code, me)
        return c, reg, site.schools(ops, c)

    c, reg, schools = await _run(request, load, writes=False)
    if reg is not None:
        return _to(request, "campaign", code=c.code)
    return render(request, "campaign/register.html", c=c, schools=schools, note=note[:200], chosen=s[:60],
                  fields=[(f, site.FIELD_LABELS[f], required) for f, required in c.fields.items()])


@router.post("/c/{code}/register", name="campaign_register_post",
             dependencies=[Depends(check_csrf), Depends(limit)])
async def register(request: Request, code: str):
    from quizzes.errors import NotFound, QuizError

    form = await form_of(request)
    data = {k: str(form.get(k, "") or "")[:100] for k in ("name", "school", "college", "class", "student_no")}
    me = user_ref(request)
    try:
        c = await quiz(request).step(lambda ops: site.register(ops, code, me, data))
    except NotFound:
        raise Refused(NO_CAMPAIGN, 404) from None
    except QuizError as exc:
        return _to(request, "campaign_register", str(exc), code=code)
    return _to(request, "campaign", "报名成功。", code=c.code)


# ---- rounds ---------------------------------------------------------------------------------

@router.post("/c/{code}/start", name="campaign_start",
             dependencies=[Depends(check_csrf), Depends(limit)])
async def start(request: Request, code: str):
    from quizzes.errors import NotFound, QuizError

    form = await form_of(request)
    kind = "practice" if form.get("kind") == "practice" else "scored"
    me = user_ref(request)
    try:
        c, attempt_id = await quiz(request).step(lambda ops: site.start(ops, code, me, kind))
    except NotFound:
        raise Refused(NO_CAMPAIGN, 404) from None
    except QuizError as exc:
        return _to(request, "campaign", str(exc), code=code)
    return _to(request, "campaign_play", code=c.code, attempt_id=attempt_id)


@router.get("/c/{code}/play/{attempt_id}", name="campaign_play")
async def play(request: Request, code: str, attempt_id: int, note: str = ""):
    me = user_ref(request)
    attempt, step, c = await _run(request, lambda ops: site.play(ops, attempt_id, me), "没有找到这一轮答题。")
    if step is None or step.result is not None or step.current is None:
        return _to(request, "campaign_result", code=code, attempt_id=attempt_id)
    now, item = time.time(), step.current
    if wants_json(request):
        return JSONResponse({"status": "question", "question": site.item_json(item, now)})
    return render(request, "campaign/play.html", c=c, attempt=attempt, item=item, note=note[:200],
                  remaining_ms=max(0, int((item.deadline_at - now) * 1000)),
                  order=",".join(map(str, item.order)), idem=new_key())


def _parse_shown(values) -> list[int]:
    try:
        return sorted({int(v) for v in values})
    except (TypeError, ValueError):
        raise Refused("所选答案无效。", 400) from None


def _checked(found):
    """An answer's check: the item to record, or the refusal to send at once."""
    from bot.web.campaign_worker import Done

    return Done(found) if isinstance(found, dict) else found


NOTES = {"duplicate": "这道题已经作答过，以第一次的答案为准。", "late": "上一题已超时，未计分。",
         "closed": "本轮答题已结束。"}


@router.post("/c/{code}/play/{attempt_id}/answer", name="campaign_answer",
             dependencies=[Depends(check_csrf), Depends(limit)])
async def answer(request: Request, code: str, attempt_id: int):
    """One answer: ``position``, ``order`` (the option order the page showed), ``choice`` (shown
    positions; repeatable), ``idem`` (or an ``Idempotency-Key`` header)."""
    form = await form_of(request)
    me = user_ref(request)
    try:
        position = int(form.get("position", ""))
    except ValueError:
        raise Refused("请求有误，请刷新页面后再试。", 400) from None
    shown = _parse_shown(form.getlist("choice"))
    order = str(form.get("order", ""))[:100]
    key = request.headers.get("idempotency-key") or str(form.get("idem", ""))[:100]
    if key and not valid_key(key):
        raise Refused("请求有误，请刷新页面后再试。", 400)
    # Exactly once without a second database: the engine keys each answer by (attempt, position)
    # and stores the idempotency key with it, so a retry with the same key gets the original
    # reply and any other second answer (another tab) "duplicate". Requests arriving together
    # share one commit (see web.campaign_worker).
    result = await quiz(request).step(
        lambda ops, item: site.answer_record(ops, item, me, shown, key or None),
        before=lambda ops: _checked(site.answer_check(ops, me, attempt_id, position, shown, order)),
        after=site.answer_reply)
    if wants_json(request):
        status = 200 if result["status"] in ("accepted", "duplicate", "late", "closed") else 409
        return JSONResponse(result, status_code=status)
    if result.get("finished"):
        return _to(request, "campaign_result", code=code, attempt_id=attempt_id)
    note = result.get("message") or (("回答正确 ✓" if result.get("correct") else "回答错误 ✗")
                                     if result["status"] == "accepted" else NOTES.get(result["status"], ""))
    return _to(request, "campaign_play", note, code=code, attempt_id=attempt_id)


# ---- results, certificates, ranking ----------------------------------------------------------

@router.get("/c/{code}/result/{attempt_id}", name="campaign_result")
async def result_page(request: Request, code: str, attempt_id: int):
    me = user_ref(request)
    attempt, res, c, row, ranked = await _run(request, lambda ops: site.result(ops, attempt_id, me),
                                              "没有找到这一轮答题。", writes=False)  # finished rounds only
    if res is None:
        return _to(request, "campaign_play", code=code, attempt_id=attempt_id)
    return render(request, "campaign/result.html", c=c, attempt=attempt, res=res, row=row, ranked=ranked)


@router.get("/c/{code}/certificate/{attempt_id}.{fmt}", name="campaign_certificate")
async def certificate(request: Request, code: str, attempt_id: int, fmt: str):
    from quizzes.certificate import render_certificate
    from quizzes.errors import QuizError

    if fmt not in ("png", "pdf"):
        raise Refused("没有找到这个页面。", 404)
    me = user_ref(request)
    cert, c = await _run(request, lambda ops: site.certificate(ops, attempt_id, me), "没有找到这一轮答题。",
                         writes=False)
    if cert is None:
        raise Refused("这一轮没有证书（未达到合格分数）。", 404)
    base = str(request.base_url).rstrip("/")
    try:
        data = await run_in_threadpool(render_certificate, cert, organiser=c.organiser if c else "",
                                       timezone=ctx(request).settings.timezone, base_url=base, fmt=fmt)
    except QuizError as exc:
        raise Refused(str(exc), 403) from None
    kind = "application/pdf" if fmt == "pdf" else "image/png"
    name = quote(f"证书-{cert.code}.{fmt}")
    return Response(data, media_type=kind, headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{name}", "Cache-Control": "private, max-age=300"})


@router.get("/c/{code}/rank", name="campaign_rank")
async def rank(request: Request, code: str):
    from quizzes.ranking import mask_name

    me = user_ref(request)
    c, row, ranked, top, schools = await _run(request, lambda ops: site.rank(ops, code, me, TOP), writes=False)
    return render(request, "campaign/rank.html", c=c, row=row, ranked=ranked, top=top, schools=schools,
                  mask=mask_name)


@router.get("/verify/{certcode}", name="verify")
async def verify(request: Request, certcode: str):
    from quizzes.certificate import local_date
    from quizzes.ranking import mask_name

    cert = await quiz(request).run(lambda ops: site.verify(ops, certcode[:40]))
    if cert is None:
        return render(request, "campaign/verify.html", status=404, cert=None, code=certcode[:40])
    state = "invalid" if not cert.valid else cert.status
    return render(request, "campaign/verify.html", cert=cert, code=cert.code, state=state,
                  name=mask_name(cert.name), date=local_date(cert.issued_at, ctx(request).settings.timezone))
