"""Campaigns on the web (issue 16), through the ASGI test client on a real home and quiz.db:
landing, registration with the school pick list, a scored round (one answer recorded once,
retries and a second tab included, the shown option order checked, a late answer refused),
result, certificate PNG/PDF, ranking, public verification (valid and revoked), and the
organiser console (dashboard figures, XLSX, QR codes, certificate review)."""
from __future__ import annotations

import io
import re
import sqlite3
import time

import pytest

from tests.web.conftest import add_staff, csrf_of, login

CODE = "CQU2030"


@pytest.fixture
def campaign(web_home):
    from quizzes.bank import load_bank
    from quizzes.engine import CampaignSpec, QuizEngine

    now = time.time()
    with QuizEngine(web_home / "quiz.db", load_bank().questions) as eng:
        return eng.create_campaign(CampaignSpec(
            code=CODE, name="重庆大学“6·5”防空知识竞赛", starts_at=now - 60, ends_at=now + 3600,
            question_count=3, seconds_per_question=20, pass_mark=2, organiser="重庆大学武装部",
            fields={"college": False}, headcounts={"重庆大学": 100, "西南大学": 50},
            hold_flagged=False))  # a test client answers in milliseconds: faster than a human


def engine(home):
    from quizzes.engine import QuizEngine

    return QuizEngine(home / "quiz.db")


def form_fields(html: str) -> dict:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


def register(client, name="张三丰", school="重庆大学"):
    page = client.get(f"/c/{CODE}/register")
    return client.post(f"/c/{CODE}/register", data={"csrf": csrf_of(page.text), "name": name, "school": school,
                                                    "college": "法学院"}, follow_redirects=False)


def start(client) -> int:
    page = client.get(f"/c/{CODE}")
    r = client.post(f"/c/{CODE}/start", data={"csrf": csrf_of(page.text), "kind": "scored"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return int(re.search(r"/play/(\d+)", r.headers["location"]).group(1))


def answer(client, attempt: int, home, right=True, **override):
    page = client.get(f"/c/{CODE}/play/{attempt}")
    fields = form_fields(page.text)
    with engine(home) as eng:
        item = eng.item(attempt, int(fields["position"]))
    choice = list(item.correct_shown) if right else \
        [next(i for i in range(len(item.order)) if i not in item.correct_shown)]
    data = {**fields, "csrf": csrf_of(page.text), "choice": [str(c) for c in choice], **override}
    return client.post(f"/c/{CODE}/play/{attempt}/answer", data=data, follow_redirects=False), data, item


def rows(home, attempt):
    return sqlite3.connect(home / "quiz.db").execute("SELECT COUNT(*) FROM answers WHERE attempt_id=?",
                                                      (attempt,)).fetchone()[0]


def test_landing_and_registration_with_the_school_pick_list(client, campaign):
    page = client.get(f"/c/{CODE}")
    assert page.status_code == 200 and "重庆大学“6·5”防空知识竞赛" in page.text and "每题限时 20 秒" in page.text
    form = client.get(f"/c/{CODE}/register").text
    assert '<select name="school"' in form and "<option value=\"西南大学\">" in form
    page = client.get(f"/c/{CODE}/register")
    bad = client.post(f"/c/{CODE}/register", data={"csrf": csrf_of(page.text), "name": "张三", "school": "重大"})
    assert "请从列表中选择学校" in bad.text
    r = register(client)
    assert r.status_code == 303 and client.get(r.headers["location"]).text.count("已报名：张三丰（重庆大学") == 1
    assert client.get("/c/NOPE").status_code == 404


def test_a_scored_round_records_each_answer_once(client, campaign, web_home):
    register(client)
    attempt = start(client)
    first, data, item = answer(client, attempt, web_home)
    assert first.status_code == 303 and "note=" in first.headers["location"]
    assert rows(web_home, attempt) == 1
    again = client.post(f"/c/{CODE}/play/{attempt}/answer", data=data, follow_redirects=False)  # a retry
    assert again.status_code == 303 and rows(web_home, attempt) == 1
    assert "play" in again.headers["location"]
    other_tab = client.post(f"/c/{CODE}/play/{attempt}/answer", data={**data, "idem": "another-tab-key-1"},
                            headers={"accept": "application/json"})
    assert other_tab.json()["status"] == "duplicate" and rows(web_home, attempt) == 1
    shown_order = form_fields(client.get(f"/c/{CODE}/play/{attempt}").text)["order"]
    stale, _, _ = answer(client, attempt, web_home, order=",".join(reversed(shown_order.split(","))))
    assert "%E9%A1%B5%E9%9D%A2%E5%B7%B2%E8%BF%87%E6%9C%9F" in stale.headers["location"]  # 页面已过期
    assert rows(web_home, attempt) == 1
    reload_ = client.get(f"/c/{CODE}/play/{attempt}")  # the same question, with the time left
    remaining = int(re.search(r'data-remaining-ms="(\d+)"', reload_.text).group(1))
    assert 0 < remaining <= 20_000 and "第 2/3 题" in reload_.text


def test_a_late_answer_is_refused_and_the_round_finishes(client, campaign, web_home):
    register(client)
    attempt = start(client)
    answer(client, attempt, web_home)
    page = client.get(f"/c/{CODE}/play/{attempt}")
    fields = form_fields(page.text)
    conn = sqlite3.connect(web_home / "quiz.db")
    conn.execute("UPDATE attempt_items SET deadline_at=? WHERE attempt_id=? AND position=?",
                 (time.time() - 5, attempt, int(fields["position"])))
    conn.commit()
    late = client.post(f"/c/{CODE}/play/{attempt}/answer", headers={"accept": "application/json"},
                       data={**fields, "csrf": csrf_of(page.text), "choice": "0"})
    assert late.json()["status"] == "late"
    assert conn.execute("SELECT outcome FROM answers WHERE attempt_id=? AND position=?",
                        (attempt, int(fields["position"]))).fetchone()[0] == "timeout"
    last, _, _ = answer(client, attempt, web_home, right=False)
    assert "/result/" in last.headers["location"]
    result = client.get(last.headers["location"]).text
    assert "得分 <b>1/3</b>" in result and "第 <b>1</b> 名（共 1 人）" in result
    assert "错题回顾（2 题）" in result and "未作答（超时）" in result
    with engine(web_home) as eng:  # each wrong answer links to the article it rests on (a few
        wrong = eng.finish(attempt).wrong  # bank questions cite none: the draw is random)
    assert len(wrong) == 2
    assert ('href="/law/' in result) == any(r.question.basis for r in wrong)


def test_result_certificate_rank_and_verification(client, campaign, web_home):
    register(client)
    attempt = start(client)
    for _ in range(3):
        r, _, _ = answer(client, attempt, web_home)
    result = client.get(r.headers["location"]).text
    assert "恭喜通过" in result
    code = re.search(r"核验码 (LB-[A-Z0-9]{4}-[A-Z0-9]{4})", result).group(1)
    png = client.get(f"/c/{CODE}/certificate/{attempt}.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    from PIL import Image

    assert Image.open(io.BytesIO(png.content)).size == (1600, 1130)
    pdf = client.get(f"/c/{CODE}/certificate/{attempt}.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    rank = client.get(f"/c/{CODE}/rank").text
    assert "张*丰" in rank and "张三丰" not in rank and "第 <b>1</b> 名" in rank
    verify = client.get(f"/verify/{code}").text
    assert "证书有效" in verify and "张*丰" in verify and "张三丰" not in verify and "3/3" in verify
    with engine(web_home) as eng:
        eng.revoke(code, "复核发现代答")
    verify = client.get(f"/verify/{code.lower()}").text
    assert "证书已撤销" in verify and "复核发现代答" in verify
    assert client.get(f"/c/{CODE}/certificate/{attempt}.png").status_code == 403
    unknown = client.get("/verify/LB-2222-2222")
    assert unknown.status_code == 404 and "未找到" in unknown.text


def test_another_browser_cannot_see_or_answer_my_round(client, campaign, web_home):
    from tests.web.conftest import make_client

    register(client)
    attempt = start(client)
    with make_client(web_home) as stranger:
        assert stranger.get(f"/c/{CODE}/play/{attempt}").status_code == 404
        assert stranger.get(f"/c/{CODE}/certificate/{attempt}.png").status_code == 404


def test_organiser_dashboard_xlsx_qr_and_review(client, campaign, web_home):
    register(client)
    attempt = start(client)
    for _ in range(3):
        answer(client, attempt, web_home)
    assert client.get(f"/staff/campaigns/{CODE}", follow_redirects=False).status_code == 303  # login first
    add_staff(web_home)
    login(client)
    page = client.get(f"/staff/campaigns/{CODE}")
    assert page.status_code == 200 and f"/c/{CODE}" in page.text
    stats = client.get(f"/staff/campaigns/{CODE}/stats.json").json()
    assert stats["overview"]["participants"] == 1 and stats["overview"]["registered"] == 1
    assert {s["school"]: s["participants"] for s in stats["schools"]} == {"重庆大学": 1, "西南大学": 0}
    assert stats["scores"] == [{"score": 3, "participants": 1}] and len(stats["missed"]) == 3
    xlsx = client.get(f"/staff/campaigns/{CODE}/results.xlsx")
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb["个人成绩"]["B2"].value == "张三丰" and wb["个人成绩"].freeze_panes == "A2"
    qr = client.get(f"/staff/campaigns/{CODE}/qr.png", params={"school": "西南大学"})
    assert qr.content[:4] == b"\x89PNG"
    svg = client.get(f"/staff/campaigns/{CODE}/qr.svg")
    assert b"<svg" in svg.content
    poster = client.get(f"/staff/campaigns/{CODE}/poster.png", params={"school": "西南大学"})
    from PIL import Image

    assert poster.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(poster.content)).size == (1240, 1754)  # A4 at 150 dpi
    code = re.search(r"LB-[A-Z0-9]{4}-[A-Z0-9]{4}", client.get(f"/c/{CODE}/result/{attempt}").text).group(0)
    bulk = client.get(f"/staff/campaigns/{CODE}/certificates.zip", params={"school": "重庆大学"})
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(bulk.content)).namelist()
    assert names == [f"重庆大学/{code}-张三丰.pdf"]
    assert client.get(f"/staff/campaigns/{CODE}/certificates.zip", params={"school": "西南大学"}).status_code == 404
    page = client.get(f"/staff/campaigns/{CODE}")
    r = client.post(f"/staff/campaigns/{CODE}/certificates", data={
        "csrf": csrf_of(page.text), "action": "revoke", "certificate": code, "reason": "复核发现代答"})
    assert r.status_code == 200 and "已撤销" in r.text
    assert "证书已撤销" in client.get(f"/verify/{code}").text


def test_organiser_creates_a_campaign_in_the_form(client, web_home):
    add_staff(web_home)
    login(client)
    assert 'href="/staff/campaigns"' in client.get("/staff").text  # in the console's menu
    page = client.get("/staff/campaigns")
    assert page.status_code == 200 and "新建活动" in page.text
    data = {"csrf": csrf_of(page.text), "idem": "create-form-key-1", "code": "cqu2031", "name": "重庆大学竞赛",
            "start": "2030-06-01 08:00", "end": "2030-06-05", "question_count": "5", "seconds_per_question": "20",
            "pass_mark": "3", "tags": "历史", "fields": "学院、学号", "organiser": "重庆大学"}
    r = client.post("/staff/campaigns", data=data, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/staff/campaigns/CQU2031")
    dash = client.get(r.headers["location"]).text
    assert "活动已创建" in dash and "注意：题目范围内只有" in dash  # 12 history questions for 5 a round
    again = client.post("/staff/campaigns", data=data, follow_redirects=False)  # the form posted twice
    assert again.status_code == 303
    with engine(web_home) as eng:
        c = eng.campaign("CQU2031")
        assert [x.code for x in eng.campaigns()] == ["CQU2031"]
    assert c.fields == {"college": True, "student_no": True} and c.tags == ("history",)
    bad = client.post("/staff/campaigns", data={**data, "idem": "create-form-key-2", "code": "X"})
    assert bad.status_code == 400 and "活动代码" in bad.text


def test_a_client_sending_answers_faster_than_a_person_is_slowed_down(client, campaign, web_home):
    register(client)
    attempt = start(client)
    page = client.get(f"/c/{CODE}/play/{attempt}")
    data = {**form_fields(page.text), "csrf": csrf_of(page.text), "choice": "0", "order": "9,9"}
    statuses = [client.post(f"/c/{CODE}/play/{attempt}/answer", data=data,
                            headers={"accept": "application/json"}).status_code for _ in range(60)]
    assert 429 in statuses and statuses[0] == 409  # a stale order, then the limit
    refused = client.post(f"/c/{CODE}/play/{attempt}/answer", data=data, headers={"accept": "application/json"})
    assert refused.status_code == 429 and "频繁" in refused.text and refused.headers["retry-after"]
    assert rows(web_home, attempt) == 0
