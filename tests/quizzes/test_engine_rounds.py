"""The quiz engine's rounds: drawing, shuffling, deadlines, answering once, scoring, limits, windows."""
from __future__ import annotations

import json
import threading

import pytest

from quizzes.engine import LATE_GRACE_S, MIN_HUMAN_MS
from quizzes.errors import AttemptLimit, NotFound, QuizError, RegistrationError, WindowClosed
from quizzes.model import Question
from tests.helpers.quizzes import make_question, play, spec, store_questions


def answers_rows(engine, attempt_id):
    return engine.conn.execute("SELECT position, outcome, choice, correct, latency_ms FROM answers"
                               " WHERE attempt_id=? ORDER BY position", (attempt_id,)).fetchall()


def enrol(engine, campaign, user, school="重庆大学", **kw):
    return engine.register(campaign.id, user, name=f"学生{user}", school=school, **kw)


def wrong_choice(item):
    return (next(i for i in range(len(item.order)) if i not in item.correct_shown),)


# ---- drawing and shuffling ----------------------------------------------------------------

def test_draws_only_approved_questions_with_a_campaign_tag(engine, clock):
    assert len(engine.questions(("history",))) == 8
    store_questions(engine, [make_question(50, "history", id="imp-ok", origin="imported"),
                             make_question(51, "history", id="imp-pending", origin="generated", status="pending")])
    c = engine.create_campaign(spec(tags=("history",), question_count=9))
    clock.now = c.starts_at + 1
    seen = set()
    for n in range(15):
        enrol(engine, c, f"u{n}")
        att = engine.start_scored(c.id, f"u{n}", n)
        seen |= {engine.item(att.id, p).question.id for p in range(att.question_count)}
    assert all(qid.startswith("history-") or qid == "imp-ok" for qid in seen)
    assert "imp-ok" in seen and "imp-pending" not in seen
    assert {q.id for q in engine.questions(("history",))} == seen  # 9 of 9 approved, every time
    engine.conn.execute("UPDATE questions SET status='approved', reviewed_at=2 WHERE id='imp-pending'")
    assert "imp-pending" in {q.id for q in engine.questions(("history",))}


def test_options_are_shuffled_per_participant_and_mapped_back(engine, bank):
    orders: dict[str, set] = {}
    for n in range(12):
        att = engine.start_practice(f"p{n}", n, count=10)
        while (item := engine.present(att.id)) is not None:
            orders.setdefault(item.question.id, set()).add(item.order)
            original = {q.id: q for q in bank}[item.question.id]
            # what the participant saw is a permutation of the author's options …
            assert sorted(item.shown_options) == sorted(original.options)
            # … and the correct shown option is the author's correct option
            assert [item.shown_options[i] for i in item.correct_shown] == [original.options[i] for i in original.correct]
            shown = item.correct_shown if item.position % 2 else wrong_choice(item)
            res = engine.answer(att.id, item.position, shown, f"p{n}")
            assert res.status == "accepted" and res.correct == bool(item.position % 2)
            stored = json.loads(answers_rows(engine, att.id)[-1][2])
            assert stored == [item.order[shown[0]]]  # stored as an index into question.options
        result = engine.finish(att.id)
        assert result.score == 5
        for review in result.wrong:
            assert review.chosen and review.chosen[0] not in review.question.correct
    assert any(len(o) > 1 for o in orders.values()), "participants should see different orders"


def test_judgement_and_all_of_the_above_options_keep_their_place(open_engine):
    judge = Question(id="j", stem="防空警报试鸣时应照常工作。", options=("正确", "错误"), correct=(0,),
                     explanation="x", topic="alarm", source="x")
    above = Question(id="a", stem="哪些属于人防工程？", options=("地下室", "坑道", "地道", "以上都是"),
                     correct=(3,), explanation="x", topic="works", source="x")
    eng = open_engine([judge, above], seed=1)
    for n in range(10):
        att = eng.start_practice(f"u{n}", n, count=2)
        for p in range(2):
            item = eng.item(att.id, p)
            if item.question.id == "j":
                assert item.order == (0, 1)
            else:
                assert item.order[3] == 3
        eng.abandon(att.id)


def test_running_attempt_keeps_its_snapshot_when_the_bank_changes(open_engine, bank, clock):
    eng = open_engine(bank[:3], seed=3)
    att = eng.start_practice("u", 1, count=3)
    item = eng.present(att.id)
    changed = [Question(**{**q.__dict__, "stem": "改过的题干", "correct": ((q.correct[0] + 1) % 4,)}) for q in bank[:3]]
    later = open_engine(changed, seed=4)
    same = later.item(att.id, item.position)
    assert same.question.stem == item.question.stem != "改过的题干"
    clock.advance(3)
    assert later.answer(att.id, item.position, item.correct_shown, "u").correct


# ---- deadlines -----------------------------------------------------------------------------

def test_answer_after_deadline_is_late_and_one_timeout_is_recorded(engine, clock):
    att = engine.start_practice("u", 1, count=3, seconds=20)
    item = engine.present(att.id)
    assert item.deadline_at == pytest.approx(item.sent_at + 20)
    clock.now = item.deadline_at + LATE_GRACE_S + 0.1
    assert engine.answer(att.id, 0, item.correct_shown, "u").status == "late"
    assert engine.answer(att.id, 0, item.correct_shown, "u").status == "late"
    assert engine.expire(att.id, 0) is False
    assert answers_rows(engine, att.id) == [(0, "timeout", None, 0, 20000)]
    assert engine.present(att.id).position == 1


def test_answer_within_grace_counts_and_is_capped_at_the_limit(engine, clock):
    att = engine.start_practice("u", 1, count=3, seconds=20)
    item = engine.present(att.id)
    clock.now = item.deadline_at + LATE_GRACE_S * 0.5
    res = engine.answer(att.id, 0, item.correct_shown, "u")
    assert res.status == "accepted" and res.correct
    assert answers_rows(engine, att.id)[0][4] == 20000


def test_a_delayed_delivery_gets_the_full_time_once(engine, clock):
    """The bot reports delivery with restart_clock: a send held back (Telegram throttling) moves
    the deadline of an unanswered item, only on its first delivery."""
    att = engine.start_practice("u", 1, count=3, seconds=20)
    item = engine.present(att.id)
    clock.now = item.sent_at + 8  # the message left the queue 8 s late
    moved = engine.set_message(att.id, 0, 1, 500, restart_clock=True)
    assert moved.deadline_at == pytest.approx(clock.now + 20) and moved.message_id == 500
    clock.now += 19
    assert engine.answer(att.id, 0, item.correct_shown, "u").status == "accepted"
    clock.now += 5
    again = engine.set_message(att.id, 0, 1, 501, restart_clock=True)  # answered: nothing moves
    assert again.deadline_at == moved.deadline_at
    nxt = engine.present(att.id)
    engine.set_message(att.id, 1, 1, 502, restart_clock=True)
    clock.now += 3
    assert engine.set_message(att.id, 1, 1, 502, restart_clock=True).deadline_at == pytest.approx(nxt.deadline_at)


def test_expire_only_after_the_deadline_and_only_once(engine, clock):
    att = engine.start_practice("u", 1, count=3, seconds=20)
    assert engine.expire(att.id, 0) is False  # never presented
    item = engine.present(att.id)
    clock.now = item.deadline_at - 0.5
    assert engine.expire(att.id, 0) is False
    clock.now = item.deadline_at
    assert engine.expire(att.id, 0) is True
    assert engine.expire(att.id, 0) is False
    assert engine.answer(att.id, 0, item.correct_shown, "u").status == "late"
    assert [r[1] for r in answers_rows(engine, att.id)] == ["timeout"]


def test_answer_racing_expire_leaves_exactly_one_row(open_engine, clock):
    a, b = open_engine(seed=1), open_engine(seed=2)
    attempts = [a.start_practice(f"u{n}", n, count=1, seconds=5) for n in range(25)]
    items = [a.present(att.id) for att in attempts]
    clock.now = max(i.deadline_at for i in items) + LATE_GRACE_S * 0.5  # both calls are legitimate
    for att, item in zip(attempts, items):
        barrier = threading.Barrier(2)
        out = {}

        def answer():
            barrier.wait()
            out["answer"] = a.answer(att.id, 0, item.correct_shown, att.user_ref).status

        def expire():
            barrier.wait()
            out["expire"] = b.expire(att.id, 0)

        threads = [threading.Thread(target=answer), threading.Thread(target=expire)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        rows = answers_rows(a, att.id)
        assert len(rows) == 1
        assert (out["answer"] == "accepted") != out["expire"]
        assert rows[0][1] == ("answered" if out["answer"] == "accepted" else "timeout")


# ---- answering once ------------------------------------------------------------------------

def test_second_answer_is_a_duplicate_and_changes_nothing(engine, clock):
    att = engine.start_practice("u", 1, count=3)
    item = engine.present(att.id)
    clock.advance(3)
    first = engine.answer(att.id, 0, item.correct_shown, "u")
    clock.advance(1)
    second = engine.answer(att.id, 0, wrong_choice(item), "u")
    assert (first.status, second.status) == ("accepted", "duplicate")
    assert second.correct is True
    assert len(answers_rows(engine, att.id)) == 1 and answers_rows(engine, att.id)[0][3] == 1
    assert engine.finish(att.id).score == 1


def test_answers_from_others_unsent_items_and_closed_rounds_are_refused(engine, clock):
    att = engine.start_practice("u", 1, count=3)
    item = engine.present(att.id)
    clock.advance(2)
    assert engine.answer(att.id, 0, item.correct_shown, "intruder").status == "not_yours"
    assert engine.answer(att.id, 1, (0,), "u").status == "not_current"
    with pytest.raises(QuizError):
        engine.answer(att.id, 0, (), "u")  # a retracted poll vote
    with pytest.raises(QuizError):
        engine.answer(att.id, 0, (7,), "u")
    with pytest.raises(NotFound):
        engine.answer(att.id, 9, (0,), "u")
    assert answers_rows(engine, att.id) == []
    engine.finish(att.id)
    assert engine.answer(att.id, 0, item.correct_shown, "u").status == "closed"
    assert engine.present(att.id) is None


def test_inhumanly_fast_answers_are_flagged(engine, campaign, clock):
    enrol(engine, campaign, "bot")
    att = engine.start_scored(campaign.id, "bot", 1)
    item = engine.present(att.id)
    clock.advance(MIN_HUMAN_MS / 1000 / 2)
    res = engine.answer(att.id, 0, item.correct_shown, "bot")
    assert res.status == "accepted" and res.flagged
    play(engine, att, clock)
    assert [r.name for r in engine.flagged(campaign.id)] == ["学生bot"]
    assert engine.ranking(campaign.id)[0].flagged


# ---- scoring and finishing -----------------------------------------------------------------

def test_score_time_and_review_of_a_round(engine, campaign, clock):
    enrol(engine, campaign, "u")
    att = engine.start_scored(campaign.id, "u", 1)
    latencies = []
    for position in range(5):
        item = engine.present(att.id)
        if position == 4:  # no answer: a timeout of the full 20 s
            clock.now = item.deadline_at
            assert engine.expire(att.id, position)
            continue
        clock.advance(3 + position)
        latencies.append((3 + position) * 1000)
        shown = wrong_choice(item) if position == 1 else item.correct_shown
        engine.answer(att.id, position, shown, "u")
    result = engine.finish(att.id)
    assert (result.score, result.total, result.passed) == (3, 5, True)
    assert result.elapsed_ms == sum(latencies) + 20000
    assert [(r.position, bool(r.chosen)) for r in result.wrong] == [(1, True), (4, False)]
    assert result.certificate_code and result.certificate_code.startswith("LB-")


def test_finish_is_idempotent_and_counts_unanswered_items(engine, campaign, clock):
    enrol(engine, campaign, "u")
    att = engine.start_scored(campaign.id, "u", 1)
    item = engine.present(att.id)
    clock.advance(4)
    engine.answer(att.id, 0, item.correct_shown, "u")
    first = engine.finish(att.id)
    clock.advance(100)
    again = engine.finish(att.id)
    assert first == again
    assert (first.score, first.elapsed_ms, first.passed, first.certificate_code) == (1, 4000 + 4 * 20000, False, None)
    assert len(answers_rows(engine, att.id)) == 5
    assert engine.active_attempt("u") is None


def test_open_rounds_survive_a_restart(open_engine, clock):
    first = open_engine(seed=1)
    att = first.start_practice("u", 42, count=3)
    item = first.present(att.id)
    first.set_message(att.id, 0, 42, 777, poll_id="5001")
    first.close()
    second = open_engine(seed=2)
    assert [a.id for a in second.open_attempts()] == [att.id]
    again = second.present(att.id)
    assert (again.position, again.deadline_at, again.order, again.message_id) == (0, item.deadline_at, item.order, 777)
    assert second.item_by_poll("5001").position == 0
    assert second.start_practice("u", 42).id == att.id  # the open round, not a new one


# ---- attempts and limits -------------------------------------------------------------------

def test_second_scored_attempt_is_refused(engine, campaign, clock):
    enrol(engine, campaign, "u")
    att = engine.start_scored(campaign.id, "u", 1)
    assert engine.start_scored(campaign.id, "u", 1).id == att.id  # a repeated /start resumes
    play(engine, att, clock)
    with pytest.raises(AttemptLimit):
        engine.start_scored(campaign.id, "u", 1)


def test_two_scored_attempts_when_allowed(engine, clock):
    c = engine.create_campaign(spec(code="TWO", scored_attempts=2))
    clock.now = c.starts_at
    enrol(engine, c, "u")
    play(engine, engine.start_scored(c.id, "u", 1), clock, wrong=(0, 1, 2))
    play(engine, engine.start_scored(c.id, "u", 1), clock)
    with pytest.raises(AttemptLimit):
        engine.start_scored(c.id, "u", 1)
    (row,) = engine.ranking(c.id)
    assert row.score == 5  # the better attempt counts


def test_concurrent_starts_create_one_scored_attempt(open_engine, campaign):
    engines = [open_engine(seed=n) for n in range(4)]
    for n in range(10):
        enrol(engines[0], campaign, f"u{n}")
        barrier = threading.Barrier(len(engines))
        got = []

        def start(eng, user=f"u{n}"):
            barrier.wait()
            got.append(eng.start_scored(campaign.id, user, 1).id)

        threads = [threading.Thread(target=start, args=(e,)) for e in engines]
        [t.start() for t in threads]
        [t.join() for t in threads]
        count = engines[0].conn.execute("SELECT COUNT(*) FROM attempts WHERE user_ref=?", (f"u{n}",)).fetchone()[0]
        assert count == 1 and len(set(got)) == 1 and len(got) == len(engines)


def test_practice_rounds_of_a_campaign_are_limited_and_never_ranked(engine, clock):
    c = engine.create_campaign(spec(code="PRACTICE", practice_attempts=1))
    clock.now = c.starts_at - 500  # practice is allowed before the campaign opens
    att = engine.start_practice("u", 1, campaign_id=c.id)
    assert (att.kind, att.question_count, att.seconds_per_question) == ("practice", 5, 20)
    play(engine, att, clock)
    with pytest.raises(AttemptLimit):
        engine.start_practice("u", 1, campaign_id=c.id)
    assert engine.ranking(c.id) == [] and engine.finish(att.id).passed is None


def test_cancel_practice_but_not_a_scored_round(engine, campaign):
    practice = engine.start_practice("u", 1)
    enrol(engine, campaign, "u")
    scored = engine.start_scored(campaign.id, "u", 1)  # the open practice round is dropped
    assert engine.attempt(practice.id).status == "abandoned"
    with pytest.raises(QuizError):
        engine.abandon(scored.id)
    assert engine.start_practice("u", 1).id == scored.id


# ---- campaign windows ----------------------------------------------------------------------

def test_registration_and_scored_rounds_only_inside_the_window(engine, clock):
    c = engine.create_campaign(spec(code="WINDOW"))
    clock.now = c.starts_at - 1
    with pytest.raises(WindowClosed, match="开始"):
        enrol(engine, c, "early")
    clock.now = c.starts_at
    enrol(engine, c, "u")
    att = engine.start_scored(c.id, "u", 1)
    item = engine.present(att.id)
    clock.now = c.ends_at
    assert engine.answer(att.id, item.position, item.correct_shown, "u").status == "closed"
    assert engine.present(att.id) is None
    assert engine.finish(att.id).score == 0
    with pytest.raises(WindowClosed, match="结束"):
        enrol(engine, c, "late")
    with pytest.raises(WindowClosed):
        engine.start_scored(c.id, "u", 1)


def test_campaign_settings_are_checked(engine, clock):
    engine.create_campaign(spec(code="DUP"))
    for bad, match in [(spec(code="dup"), "已被使用"), (spec(code="X Y"), "活动代码"),
                       (spec(code="LATE", ends_at=clock.now - 1, starts_at=clock.now - 10), "已经过去"),
                       (spec(code="BACK", ends_at=clock.now + 10, starts_at=clock.now + 20), "晚于"),
                       (spec(code="FEW", tags=("history",), question_count=9), "只有 8 道"),
                       (spec(code="TAG", tags=("alram",)), "未知的题目标签"),
                       (spec(code="PASS", pass_mark=6), "合格分数"),
                       (spec(code="SEC", seconds_per_question=3), "限时")]:
        with pytest.raises(QuizError, match=match):
            engine.create_campaign(bad)
    assert [c.code for c in engine.campaigns()] == ["DUP"]
    assert engine.campaign("dup").code == "DUP"
    with pytest.raises(NotFound):
        engine.campaign("NOPE")


# ---- registration --------------------------------------------------------------------------

def test_registration_requires_name_and_school_and_asked_fields(engine, clock):
    c = engine.create_campaign(spec(code="FIELDS", fields={"college": True, "class": False}))
    clock.now = c.starts_at
    with pytest.raises(RegistrationError, match="学校"):
        engine.register(c.id, "u", name="张三", school="  ")
    with pytest.raises(RegistrationError, match="姓名"):
        engine.register(c.id, "u", name="", school="重庆大学")
    with pytest.raises(RegistrationError, match="学院"):
        engine.register(c.id, "u", name="张三", school="重庆大学")
    reg = engine.register(c.id, "u", name=" 张三 ", school="重庆大学", college="土木学院",
                          class_name="", student_no="20210001")
    assert (reg.name, reg.college, reg.class_name, reg.has_student_no) == ("张三", "土木学院", "", False)
    with pytest.raises(RegistrationError, match="已经报名"):
        engine.register(c.id, "u", name="李四", school="西南大学", college="文学院")
    with pytest.raises(RegistrationError, match="报名"):
        engine.start_scored(c.id, "stranger", 1)


def test_student_number_is_hashed_and_used_once_per_campaign(engine, db_path, clock):
    c = engine.create_campaign(spec(code="SNO", fields={"student_no": True}))
    other = engine.create_campaign(spec(code="SNO2", fields={"student_no": True}))
    clock.now = c.starts_at
    reg = engine.register(c.id, "u1", name="张三", school="重庆大学", student_no="2021304417")
    assert reg.has_student_no
    with pytest.raises(RegistrationError, match="学号"):
        engine.register(c.id, "u2", name="李四", school="重庆大学", student_no=" 2021 304417")
    with pytest.raises(RegistrationError, match="学号"):
        engine.register(c.id, "u3", name="王五", school="重庆大学")  # required here
    engine.register(other.id, "u2", name="张三", school="重庆大学", student_no="2021304417")  # another campaign
    stored = b"".join(p.read_bytes() for p in db_path.parent.glob("quiz.db*"))
    assert b"2021304417" not in stored and "2021304417".encode("utf-16-le") not in stored


def test_registration_drafts(engine, campaign):
    assert engine.draft("u") is None
    engine.save_draft("u", campaign.id, {"name": "张三"})
    engine.save_draft("u", campaign.id, {"name": "张三", "school": "重庆大学"})
    assert engine.draft("u") == (campaign.id, {"name": "张三", "school": "重庆大学"})
    enrol(engine, campaign, "u")
    assert engine.draft("u") is None
