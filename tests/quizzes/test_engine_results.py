"""Rankings (recomputed from raw answers), school ranking, exports and certificates."""
from __future__ import annotations

import csv
import random

import pytest

from quizzes.engine import QuizEngine
from quizzes.export import COLUMNS, SCHOOL_COLUMNS
from tests.helpers.quizzes import play, spec

SCHOOLS = ("重庆大学", "西南大学", "重庆邮电大学")


def simulate(engine, campaign, clock, n=30, seed=5):
    """n participants, random answers and thinking times, some timeouts, a few unfinished."""
    rng = random.Random(seed)
    for u in range(n):
        user = f"u{u}"
        engine.register(campaign.id, user, name=f"学生{u:02d}", school=SCHOOLS[u % 3])
        for _ in range(rng.choice((1, campaign.scored_attempts))):
            att = engine.start_scored(campaign.id, user, u)
            while (item := engine.present(att.id)) is not None:
                if rng.random() < 0.15:
                    clock.now = item.deadline_at
                    engine.expire(att.id, item.position)
                    continue
                clock.advance(rng.choice((1.5, 2.0, 2.5, 4.0)))  # ties in time happen
                right = rng.random() < 0.6
                shown = item.correct_shown if right else tuple(
                    i for i in range(len(item.order)) if i not in item.correct_shown)[:1]
                engine.answer(att.id, item.position, shown, user)
                if u % 10 == 9 and item.position == 2:
                    break  # left mid-round: never finished, never ranked
            else:
                engine.finish(att.id)
                continue
            break


def expected_ranking(engine, campaign):
    """The ranking recomputed in Python from raw answer rows."""
    rows = engine.conn.execute(
        "SELECT t.id, t.registration_id, t.finished_at, a.correct, a.latency_ms FROM attempts t"
        " JOIN answers a ON a.attempt_id = t.id WHERE t.campaign_id=? AND t.kind='scored'"
        " AND t.status='finished'", (campaign.id,)).fetchall()
    per: dict[int, list] = {}
    for attempt_id, reg, finished, correct, latency in rows:
        entry = per.setdefault(attempt_id, [reg, 0, 0, finished])
        entry[1] += correct
        entry[2] += latency
    best: dict[int, tuple] = {}
    for attempt_id, (reg, score, elapsed, finished) in per.items():
        key = (-score, elapsed, finished, attempt_id)
        if reg not in best or key < best[reg]:
            best[reg] = key
    ordered = sorted(best.items(), key=lambda kv: (kv[1][:3], kv[0]))
    return [(reg, -key[0], key[1]) for reg, key in ordered]


@pytest.fixture
def busy(engine, clock):
    c = engine.create_campaign(spec(code="BUSY", scored_attempts=2, headcounts={
        "重庆大学": 20, "西南大学": 4, "四川外国语大学": 50}))
    clock.now = c.starts_at
    simulate(engine, c, clock)
    return c


def test_ranking_equals_a_recomputation_from_raw_answers(engine, busy):
    ranking = engine.ranking(busy.id)
    assert [(r.registration_id, r.score, r.elapsed_ms) for r in ranking] == expected_ranking(engine, busy)
    assert [r.rank for r in ranking] == list(range(1, len(ranking) + 1))
    assert len(ranking) == 27  # three left mid-round
    assert engine.ranking(busy.id, limit=5) == ranking[:5]
    for row in ranking:
        assert row.passed == (row.score >= busy.pass_mark) == bool(row.certificate_code)


def test_standing_matches_the_ranking(engine, busy):
    ranking = engine.ranking(busy.id)
    for row in ranking:
        mine, total = engine.standing(busy.id, row.user_ref)
        assert mine == row and total == len(ranking)
    assert engine.standing(busy.id, "u9") == (None, len(ranking))  # left mid-round


def test_ties_go_to_the_faster_then_the_earlier(engine, campaign, clock):
    for user in ("slow", "fast", "later"):
        engine.register(campaign.id, user, name=user, school="重庆大学")
    play(engine, engine.start_scored(campaign.id, "slow", 1), clock, think=5)
    play(engine, engine.start_scored(campaign.id, "fast", 1), clock, think=2)
    play(engine, engine.start_scored(campaign.id, "later", 1), clock, think=2, wrong=(0,))
    assert [(r.name, r.score) for r in engine.ranking(campaign.id)] == [("fast", 5), ("slow", 5), ("later", 4)]
    engine.register(campaign.id, "twin", name="twin", school="重庆大学")
    play(engine, engine.start_scored(campaign.id, "twin", 1), clock, think=2)
    assert [r.name for r in engine.ranking(campaign.id)][:3] == ["fast", "twin", "slow"]


def test_school_ranking_with_headcounts(engine, campaign, clock):
    engine.set_headcount(campaign.id, "重庆大学", 10)
    engine.set_headcount(campaign.id, "西南大学", 2)
    engine.set_headcount(campaign.id, "长江师范学院", 300)
    for user, school, wrong in [("a", "重庆大学", ()), ("b", "重庆大学", (0, 1)), ("c", "重庆大学", (0,)),
                                ("d", "西南大学", (0,)), ("e", "未登记学院", (0, 1, 2))]:
        engine.register(campaign.id, user, name=user, school=school)
        play(engine, engine.start_scored(campaign.id, user, 1), clock, wrong=wrong)
    rows = [(s.rank, s.school, s.participants, s.average_score, s.headcount, s.participation_rate)
            for s in engine.school_ranking(campaign.id)]
    assert rows == [(1, "重庆大学", 3, 4.0, 10, 0.3), (2, "西南大学", 1, 4.0, 2, 0.5),
                    (3, "未登记学院", 1, 2.0, None, None), (4, "长江师范学院", 0, 0.0, 300, 0.0)]


def test_csv_export_has_only_the_published_columns(engine, busy, tmp_path):
    engine.conn.execute("UPDATE registrations SET name='=HYPERLINK(\"http://x\")' WHERE user_ref='u0'")
    out = tmp_path / "成绩.csv"
    count = engine.export(busy.id, out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert tuple(rows[0]) == COLUMNS and count == len(rows) - 1 == 27
    ranking = engine.ranking(busy.id)
    for line, row in zip(rows[1:], ranking):
        assert line[0] == str(row.rank) and line[5:7] == [str(row.score), str(row.total)]
        assert line[7] == f"{row.elapsed_ms / 1000:.1f}"
        assert line[9] == ("是" if row.passed else "否") and line[10] == (row.certificate_code or "")
    assert "'=HYPERLINK" in raw.decode("utf-8-sig")
    assert b"u0," not in raw and all(r.user_ref.encode() + b"," not in raw for r in ranking)


def test_export_times_are_local(engine, campaign, clock, tmp_path, db_path):
    engine.register(campaign.id, "u", name="张三", school="重庆大学")
    att = engine.start_scored(campaign.id, "u", 1)
    play(engine, att, clock)
    finished = engine.ranking(campaign.id)[0].finished_at
    from datetime import datetime, timezone, timedelta

    expected = datetime.fromtimestamp(finished, timezone(timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S")
    engine.export(campaign.id, tmp_path / "cn.csv")
    assert expected in (tmp_path / "cn.csv").read_text(encoding="utf-8-sig")
    utc = QuizEngine(db_path, timezone="UTC")
    utc.export(campaign.id, tmp_path / "utc.csv")
    utc.close()
    expected_utc = datetime.fromtimestamp(finished, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    assert expected_utc in (tmp_path / "utc.csv").read_text(encoding="utf-8-sig")


def test_xlsx_export_has_people_and_schools(engine, busy, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "成绩.xlsx"
    assert engine.export(busy.id, out) == 27
    wb = load_workbook(out)
    assert wb.sheetnames == ["个人成绩", "学校统计", "学院统计", "题目统计"]
    people = list(wb["个人成绩"].iter_rows(values_only=True))
    assert people[0] == COLUMNS
    top = engine.ranking(busy.id)[0]
    assert people[1][:7] == (1, top.name, top.school, None, None, top.score, top.total)  # "" reads back as None
    schools = list(wb["学校统计"].iter_rows(values_only=True))
    assert schools[0] == SCHOOL_COLUMNS
    by_name = {row[1]: row for row in schools[1:]}
    assert by_name["四川外国语大学"][2:] == (0, 0, 50, 0)
    cqu = next(s for s in engine.school_ranking(busy.id) if s.school == "重庆大学")
    assert by_name["重庆大学"][2] == cqu.participants and by_name["重庆大学"][5] == round(cqu.participation_rate, 4)
    with pytest.raises(Exception, match="csv"):
        engine.export(busy.id, tmp_path / "成绩.pdf")


def test_certificates_are_issued_for_a_pass_and_verified(engine, campaign, clock, open_engine):
    engine.register(campaign.id, "pass", name="张三", school="重庆大学")
    engine.register(campaign.id, "fail", name="李四", school="重庆大学")
    ok = play(engine, engine.start_scored(campaign.id, "pass", 1), clock, wrong=(0, 1))
    bad = play(engine, engine.start_scored(campaign.id, "fail", 1), clock, wrong=(0, 1, 2))
    practice = play(engine, engine.start_practice("pass", 1), clock)
    assert ok.passed and ok.certificate_code and bad.passed is False and bad.certificate_code is None
    assert practice.certificate_code is None
    code = ok.certificate_code
    assert code[:3] == "LB-" and len(code) == 12 and not set(code[3:].replace("-", "")) & set("01IO")
    cert = open_engine().verify(code.lower().replace("-", " "))  # another engine: the secret persists
    assert (cert.name, cert.school, cert.score, cert.total, cert.campaign_code, cert.valid) == (
        "张三", "重庆大学", 3, 5, campaign.code, True)
    assert engine.certificate(ok.attempt_id) == cert == engine.verify(code[3:])  # without "LB-"
    assert engine.verify("LB-2222-2222") is None and engine.verify("不是证书") is None


@pytest.mark.parametrize("tamper", ["score = 5", "name = '王五'", "total = 3", "issued_at = issued_at + 1"])
def test_a_tampered_certificate_does_not_verify(engine, campaign, clock, tamper):
    engine.register(campaign.id, "u", name="张三", school="重庆大学")
    code = play(engine, engine.start_scored(campaign.id, "u", 1), clock, wrong=(0,)).certificate_code
    engine.conn.execute(f"UPDATE certificates SET {tamper} WHERE code=?", (code,))
    assert engine.verify(code).valid is False
