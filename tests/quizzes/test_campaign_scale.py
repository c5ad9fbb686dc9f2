"""Materialised leaderboards and tallies (migration 0003) stay equal to a recomputation from the
raw answers; the organiser's dashboard and XLSX read them."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from quizzes import dashboard, ranking
from quizzes.errors import AttemptLimit
from quizzes.export import COLLEGE_COLUMNS, COLUMNS, QUESTION_COLUMNS, write_results
from tests.helpers.quizzes import play, spec
from tests.quizzes.test_engine_results import expected_ranking, simulate


@pytest.fixture
def busy(engine, clock):
    c = engine.create_campaign(spec(code="BUSY", scored_attempts=2, headcounts={"重庆大学": 20, "西南大学": 4}))
    clock.now = c.starts_at
    simulate(engine, c, clock, n=40)
    return c


def test_leaderboard_and_tallies_equal_a_recomputation(engine, busy):
    assert ranking.check(engine.conn, busy.id) == []
    board = engine.ranking(busy.id)
    assert [(r.registration_id, r.score, r.elapsed_ms) for r in board] == expected_ranking(engine, busy)
    assert engine.ranking(busy.id, limit=7) == board[:7]
    assert list(ranking.rank_rows(engine.conn, busy.id, limit=5, offset=10)) == \
        list(ranking.rank_rows(engine.conn, busy.id))[10:15]


def test_check_finds_an_answer_changed_behind_the_leaderboard(engine, busy):
    top = engine.ranking(busy.id)[0]
    attempt = engine.conn.execute("SELECT id FROM attempts WHERE registration_id=? AND ranked=1",
                                  (top.registration_id,)).fetchone()[0]
    engine.conn.execute("UPDATE answers SET correct = 1 - correct WHERE attempt_id=? AND position=0", (attempt,))
    problems = ranking.check(engine.conn, busy.id)
    assert any("leaderboard differs" in p for p in problems)
    assert any("per-question" in p for p in problems)


def test_a_better_second_attempt_replaces_the_first_everywhere(engine, campaign, clock):
    engine.conn.execute("UPDATE campaigns SET scored_attempts = 2 WHERE id = ?", (campaign.id,))
    engine.register(campaign.id, "u", name="张三", school="重庆大学", college="")
    engine.register(campaign.id, "v", name="李四", school="西南大学")
    play(engine, engine.start_scored(campaign.id, "v", 2), clock)
    play(engine, engine.start_scored(campaign.id, "u", 1), clock, wrong=(0, 1, 2))
    assert [r.name for r in engine.ranking(campaign.id)] == ["李四", "张三"]
    play(engine, engine.start_scored(campaign.id, "u", 1), clock, think=1.0)  # 5/5, faster than 李四
    rows = engine.ranking(campaign.id)
    assert [(r.name, r.score) for r in rows] == [("张三", 5), ("李四", 5)]
    assert engine.standing(campaign.id, "u") == (rows[0], 2)
    over = dashboard.overview(engine.conn, campaign.id)
    assert (over.registered, over.participants, over.passed) == (2, 2, 2)
    assert {s.school: (s.participants, s.average_score) for s in dashboard.schools(engine.conn, campaign.id)} == \
        {"重庆大学": (1, 5.0), "西南大学": (1, 5.0)}
    assert ranking.check(engine.conn, campaign.id) == []
    with pytest.raises(AttemptLimit):
        engine.start_scored(campaign.id, "u", 1)


def test_dashboard_figures_match_the_ranking(engine, busy):
    board = engine.ranking(busy.id)
    over = dashboard.overview(engine.conn, busy.id)
    assert over.registered == 40 and over.participants == len(board)
    assert over.passed == sum(r.passed for r in board)
    assert over.average_score == pytest.approx(sum(r.score for r in board) / len(board))
    assert over.headcount == 24
    schools = {s.school: s for s in dashboard.schools(engine.conn, busy.id)}
    for name in {r.school for r in board}:
        mine = [r for r in board if r.school == name]
        assert schools[name].participants == len(mine)
        assert schools[name].passed == sum(r.passed for r in mine)
    assert sum(n for _, n in dashboard.score_distribution(engine.conn, busy.id)) == len(board)
    assert sum(h.participants for h in dashboard.timeline(engine.conn, busy.id)) == len(board)
    assert sum(h.participants for h in dashboard.timeline(engine.conn, busy.id, by_school=True)) == len(board)
    stats = dashboard.question_stats(engine.conn, busy.id)
    shown = engine.conn.execute(
        "SELECT COUNT(*) FROM answers a JOIN attempts t ON t.id = a.attempt_id"
        " WHERE t.campaign_id = ? AND t.status = 'finished'", (busy.id,)).fetchone()[0]
    assert sum(q.shown for q in stats) == shown
    rates = [q.miss_rate for q in stats]
    assert rates == sorted(rates, reverse=True)  # most missed first
    assert stats[0].stem.endswith("？")


def test_xlsx_export_for_organisers(engine, busy, tmp_path):
    from openpyxl import load_workbook

    engine.conn.execute("UPDATE registrations SET name = '=1+1', college = ' 法学院 <b>' WHERE user_ref = 'u0'")
    rows = engine.ranking(busy.id)
    out = tmp_path / "成绩.xlsx"
    n = write_results(out, iter(rows), engine.school_ranking(busy.id), "Asia/Shanghai",
                      colleges=dashboard.colleges(engine.conn, busy.id),
                      questions=dashboard.question_stats(engine.conn, busy.id))
    assert n == len(rows)
    wb = load_workbook(out)
    assert wb.sheetnames == ["个人成绩", "学校统计", "学院统计", "题目统计"]
    people = wb["个人成绩"]
    assert people.freeze_panes == "A2" and people.auto_filter.ref == f"A1:M{len(rows) + 1}"
    assert tuple(c.value for c in people[1]) == COLUMNS and people["A1"].font.b
    finished = people.cell(row=2, column=9)
    assert finished.is_date  # a real Excel date, in local time
    local = datetime.fromtimestamp(rows[0].finished_at, timezone(timedelta(hours=8))).replace(tzinfo=None)
    assert abs(finished.value - local) < timedelta(seconds=1)
    typed = next(r for r in people.iter_rows(min_row=2) if r[1].value == "=1+1")
    assert typed[1].data_type == "s" and typed[3].value == " 法学院 <b>"  # text, never a formula
    assert tuple(c.value for c in wb["学院统计"][1]) == COLLEGE_COLUMNS
    questions = wb["题目统计"]
    assert tuple(c.value for c in questions[1]) == QUESTION_COLUMNS and questions.freeze_panes == "A2"
    assert questions.cell(row=2, column=5).number_format == "0.0%"


def test_a_small_draw_pool_is_warned_about():
    from quizzes.pool import pool_warning

    assert pool_warning(113, 10) is None
    assert "只有 30 道" in pool_warning(30, 10) and "至少 50 道" in pool_warning(30, 10)
    assert pool_warning(60, 10, expected=200) is None
    assert "预计 370000 人参加" in pool_warning(60, 10, expected=370_000)
    assert "至少 100 道" in pool_warning(60, 10, expected=370_000)


def test_campaign_summary_counts_equal_a_recomputation(engine, busy, clock):
    """campaign_stats reads the tallies (fast at 370,000): the same counts as counting the raw
    attempts, with rounds left open, second attempts, a flagged participant and the unstarted."""
    engine.register(busy.id, "fast", name="快手", school="重庆大学")
    att = engine.start_scored(busy.id, "fast", 99)
    while (item := engine.present(att.id)) is not None:
        engine.answer(att.id, item.position, item.correct_shown, "fast")  # no time to read: flagged
    engine.finish(att.id)
    engine.register(busy.id, "late", name="迟到", school="西南大学")  # registered, never started
    conn, c = engine.conn, busy.id

    def distinct(where: str) -> int:
        return conn.execute("SELECT COUNT(DISTINCT registration_id) FROM attempts WHERE campaign_id=?"
                            f" AND kind='scored' {where}", (c,)).fetchone()[0]

    best: dict[int, tuple] = {}
    for reg, score, elapsed, finished, flagged in conn.execute(
            "SELECT registration_id, score, elapsed_ms, finished_at, flagged FROM attempts WHERE campaign_id=?"
            " AND kind='scored' AND status='finished'", (c,)):
        key = (-score, elapsed, finished)
        if reg not in best or key < best[reg][0]:
            best[reg] = (key, flagged)
    expected = {
        "registered": conn.execute("SELECT COUNT(*) FROM registrations WHERE campaign_id=?", (c,)).fetchone()[0],
        "started": distinct(""), "finished": distinct("AND status='finished'"),
        "passed": conn.execute("SELECT COUNT(DISTINCT registration_id) FROM certificates WHERE campaign_id=?",
                               (c,)).fetchone()[0],
        "flagged": sum(flagged for _, flagged in best.values())}
    assert engine.campaign_stats(c) == expected
    assert expected["flagged"] >= 1 and expected["started"] > expected["finished"]
    assert expected["registered"] > expected["started"]
