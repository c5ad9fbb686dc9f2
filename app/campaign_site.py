"""Campaigns as the web's pages use them: each function takes the quiz worker's
:class:`app.quiz.QuizOps` (``ops``) and does one page's or one request's work, so the web layer
never touches the engine or SQL itself.

Students are identified by ``user_ref`` (the web's anonymous signed client id, ``web:…``).
The web's quiz worker runs these as steps of one group commit (requests that arrive together
share one transaction and one fsync, :func:`quizzes.db.group`). No HTTP here.
"""
from __future__ import annotations

from dataclasses import dataclass

from quizzes import dashboard
from quizzes.engine import AnswerResult, Attempt, Campaign, Registration
from quizzes.errors import NotFound, QuizError

FIELD_LABELS = {"college": "学院", "class": "班级", "student_no": "学号"}


@dataclass(frozen=True)
class Landing:
    campaign: Campaign
    registration: Registration | None
    active: Attempt | None  # an open round of this student (any campaign)
    finished_id: int | None  # the latest finished scored round here
    scored_used: int


def landing(ops, code: str, user_ref: str) -> Landing:
    c, reg = ops.campaign_for_join(code, user_ref)
    scored = [a for a in ops.engine.attempts_of(c.id, user_ref) if a.kind == "scored"]
    finished = [a.id for a in scored if a.status == "finished"]
    return Landing(c, reg, ops.engine.active_attempt(user_ref), finished[-1] if finished else None, len(scored))


def schools(ops, campaign: Campaign) -> list[str]:
    """The pick list: schools given a headcount or a roster."""
    return sorted({*campaign.headcounts, *ops.engine.rosters(campaign.id)})


def register(ops, code: str, user_ref: str, data: dict) -> Campaign:
    """Register once (a repeat is a no-op); the school must come from the pick list when there is one."""
    c = ops.campaign(code)
    listed = schools(ops, c)
    if listed and data.get("school") not in listed:
        raise QuizError("请从列表中选择学校。")
    if ops.engine.registration(c.id, user_ref) is None:
        ops.register(user_ref, c.id, data)
    return c


def start(ops, code: str, user_ref: str, kind: str) -> tuple[Campaign, int]:
    c = ops.campaign(code)
    if kind == "practice":
        attempt, _ = ops.start_practice(user_ref, 0, c.id)
    else:
        attempt, _, _ = ops.start_scored(c.id, user_ref, 0)
    return c, attempt.id


def mine(ops, attempt_id: int, user_ref: str) -> Attempt | None:
    """The attempt if it is this student's, else None (never another student's round)."""
    try:
        attempt = ops.engine.attempt(attempt_id)
    except NotFound:
        return None
    return attempt if attempt.user_ref == user_ref else None


def play(ops, attempt_id: int, user_ref: str):
    """(attempt, the step to show or None when the round is over, campaign) or None if not mine.
    A reload resumes the same question with its deadline; one past due is recorded as a timeout."""
    attempt = mine(ops, attempt_id, user_ref)
    if attempt is None:
        return None
    step = ops.resume(attempt_id) if attempt.status == "open" else None
    c = ops.engine.campaign(attempt.campaign_id) if attempt.campaign_id else None
    return attempt, step, c


def item_json(item, now: float) -> dict:
    q = item.question
    return {"position": item.position, "total": item.total, "stem": q.stem, "options": list(item.shown_options),
            "order": list(item.order), "multiple": q.multiple,
            "remaining_ms": max(0, int((item.deadline_at - now) * 1000)), "deadline_at": item.deadline_at}


def answer(ops, user_ref: str, attempt_id: int, position: int, shown: list[int], order: str,
           key: str | None = None) -> dict:
    """One answer, checked (owner, the option order the page showed, a choice) and recorded with
    its idempotency ``key``; the next item is presented (its deadline starts) and a round with
    nothing left is closed in the same transaction. A retry with the same key gets the original
    reply again ("accepted", the same next question); another second answer is "duplicate".
    The three parts — :func:`answer_check` (reads), :func:`answer_record` (the write),
    :func:`answer_reply` (reads) — are separate so that a web worker holds the write lock
    only for the middle one."""
    checked = answer_check(ops, user_ref, attempt_id, position, shown, order)
    if isinstance(checked, dict):
        return checked
    return answer_reply(ops, answer_record(ops, checked, user_ref, shown, key))


def answer_check(ops, user_ref: str, attempt_id: int, position: int, shown: list[int], order: str):
    """The item answered, or the refusal (a dict): not mine, a stale page, no choice."""
    item = ops.engine.item(attempt_id, position) if mine(ops, attempt_id, user_ref) else None
    if item is None:
        return {"status": "not_found", "message": "没有找到这道题。"}
    if order != ",".join(map(str, item.order)):
        return {"status": "stale", "message": "页面已过期，请刷新后作答。"}
    if not shown:
        return {"status": "invalid", "message": "请选择一个答案。"}
    return item


def answer_record(ops, item, user_ref: str, shown: list[int], key: str | None = None):
    """Inside the write transaction: (item, the AnswerResult or the refusal dict)."""
    try:
        res = ops.engine.answer_many([(item.attempt_id, item.position, shown, user_ref, key)])[0]
    except QuizError as exc:
        return item, {"status": "invalid", "message": str(exc)}
    if not isinstance(res, AnswerResult):
        return item, {"status": "invalid", "message": str(res)}
    return item, res


def answer_reply(ops, recorded) -> dict:
    """After the commit: the reply, with the question to show next (a replay shows the one the
    first reply showed)."""
    item, res = recorded
    if isinstance(res, dict):
        return res
    attempt_id, position = item.attempt_id, item.position
    reply = {"status": res.status, "correct": bool(res.correct), "position": position,
             "correct_shown": list(item.correct_shown)}
    following = ops.engine.item(attempt_id, position + 1) if res.replayed else ops.engine.current(attempt_id)
    if following is not None and following.sent_at:
        reply["next"] = item_json(following, ops.clock())
    elif following is None:
        reply["finished"] = True
    return reply


def result(ops, attempt_id: int, user_ref: str):
    """(attempt, RoundResult or None while open, campaign, my rank row, ranked) or None."""
    attempt = mine(ops, attempt_id, user_ref)
    if attempt is None:
        return None
    if attempt.status == "open":
        return attempt, None, None, None, 0
    res = ops.engine.finish(attempt_id)  # idempotent: the stored result
    c = ops.engine.campaign(attempt.campaign_id) if attempt.campaign_id else None
    row, ranked = ops.engine.standing(c.id, user_ref) if c and attempt.kind == "scored" else (None, 0)
    return attempt, res, c, row, ranked


def certificate(ops, attempt_id: int, user_ref: str):
    """(certificate or None, campaign) of my round, or None if the round is not mine."""
    attempt = mine(ops, attempt_id, user_ref)
    if attempt is None:
        return None
    c = ops.engine.campaign(attempt.campaign_id) if attempt.campaign_id else None
    return ops.engine.certificate(attempt_id), c


def rank(ops, code: str, user_ref: str, top: int = 50):
    c = ops.campaign(code)
    row, ranked = ops.engine.standing(c.id, user_ref)
    return c, row, ranked, ops.engine.ranking(c.id, limit=top), ops.engine.school_ranking(c.id)


def verify(ops, code: str):
    return ops.engine.verify(code)


# ---- organisers ------------------------------------------------------------------------------

def create(ops, spec) -> tuple[Campaign, str | None]:
    """Create; the second value warns when the draw pool is small for the expected participants."""
    from quizzes.pool import pool_warning

    c = ops.create_campaign(spec)
    return c, pool_warning(len(ops.engine.questions(c.tags)), c.question_count, sum(c.headcounts.values()))


def held(ops, campaign_id: int):
    return ops.engine.held_certificates(campaign_id)


def stats(ops, campaign_id: int) -> dict:
    """The live dashboard's figures (JSON-able), each from the tallies: milliseconds at any size."""
    conn = ops.engine.conn
    over = dashboard.overview(conn, campaign_id)

    def rate(x):
        return None if x is None else round(x, 4)

    return {
        "overview": {"registered": over.registered, "participants": over.participants, "passed": over.passed,
                     "flagged": over.flagged, "average_score": round(over.average_score, 2),
                     "pass_rate": round(over.pass_rate, 4), "headcount": over.headcount,
                     "participation_rate": rate(over.participation_rate)},
        "schools": [{"school": g.school, "participants": g.participants, "headcount": g.headcount,
                     "participation_rate": rate(g.participation_rate), "pass_rate": round(g.pass_rate, 4),
                     "average_score": round(g.average_score, 2)} for g in dashboard.schools(conn, campaign_id)],
        "colleges": [{"school": g.school, "college": g.college, "participants": g.participants}
                     for g in dashboard.colleges(conn, campaign_id)][:50],
        "timeline": [{"hour": h.hour, "participants": h.participants} for h in dashboard.timeline(conn, campaign_id)],
        "scores": [{"score": s, "participants": n} for s, n in dashboard.score_distribution(conn, campaign_id)],
        "missed": [{"id": q.question_id, "stem": q.stem, "shown": q.shown, "miss_rate": round(q.miss_rate, 4)}
                   for q in dashboard.question_stats(conn, campaign_id, limit=10)],
    }


def export(ops, campaign_id: int, path) -> int:
    return ops.engine.export(campaign_id, path)


def review(ops, campaign: Campaign, action: str, code: str, reason: str, by: str):
    """Release a held certificate or revoke one (of this campaign) with a reason."""
    found = ops.engine.verify(code)
    if found is None or found.campaign_code != campaign.code:
        raise NotFound(f"本活动没有核验码为 {code} 的证书。")
    return ops.engine.revoke(code, reason, by) if action == "revoke" else ops.engine.release(code, by)


def valid_certificates(ops, campaign: Campaign, school: str, limit: int, offset: int = 0):
    """Valid certificates of one school (all schools when empty), oldest first, a page at a time."""
    return ops.engine.certificates(campaign.id, school=school or None, limit=limit, offset=offset)


def roster(ops, campaign: Campaign, school: str, entries) -> int:
    return ops.engine.set_roster(campaign.id, school, entries)
