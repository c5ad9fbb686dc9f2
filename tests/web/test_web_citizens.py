"""Citizens' pages over the ASGI test client: the chat answer, feedback, the law browser, the 6·5
page, escaping of hostile text, limits and polite refusals."""
from __future__ import annotations

import re
import sqlite3

from tests.web.conftest import ask, make_client, page_csrf


def test_chat_answers_a_reference_with_the_article_verbatim(client):
    r = ask(client, "人防法第二十二条")
    assert r.status_code == 200
    html = r.text
    assert "《中华人民共和国人民防空法》第二十二条" in html
    assert "城市新建民用建筑，按照国家有关规定修建战时可用于防空的地下室。" in html
    assert "2009年8月27日版本" in html
    assert "不构成法律意见" in html and "12348" in html  # disclaimer and referral
    assert 'data-context-law="中华人民共和国人民防空法"' in html  # kept for follow-ups
    assert 'href="/law/中华人民共和国人民防空法/22"' in html  # permanent link


def test_chat_works_without_javascript(client):
    token = page_csrf(client)
    r = client.post("/ask", data={"q": "人防法第二十二条", "csrf": token})
    assert r.status_code == 200 and "<html" in r.text and "第二十二条" in r.text


def test_feedback_is_recorded_once_per_person(client, web_home):
    html = ask(client, "人防法第二十二条").text
    log_id = re.search(r'name="log_id" value="(\d+)"', html).group(1)
    token = page_csrf(client)
    for value in ("down", "down", "up"):
        r = client.post("/feedback", data={"log_id": log_id, "value": value, "csrf": token},
                        headers={"x-requested-with": "fetch"})
        assert r.status_code == 200 and "感谢" in r.text
    db = sqlite3.connect(web_home / "lawbot.db")
    assert db.execute("SELECT value FROM feedback WHERE log_id=?", (log_id,)).fetchall() == [(1,)]
    r = client.post("/feedback", data={"log_id": "999999", "value": "up", "csrf": token})
    assert r.status_code == 404 and "不存在" in r.text


def test_forms_without_a_valid_csrf_token_change_nothing(client, web_home):
    for data in ({"q": "人防法第二十二条"}, {"q": "人防法第二十二条", "csrf": "forged"}):
        r = client.post("/ask", data=data)
        assert r.status_code == 403 and "刷新页面" in r.text
    db = sqlite3.connect(web_home / "lawbot.db")
    assert db.execute("SELECT COUNT(*) FROM question_log").fetchone()[0] == 0


def test_hostile_text_is_shown_as_text(client):
    for attack in ("<script>alert(1)</script>防空洞", '"><img src=x onerror=alert(1)>人防法第二十二条'):
        html = ask(client, attack).text
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html or "&lt;img src=x onerror=alert(1)&gt;" in html


def test_over_long_questions_get_a_clear_message(client):
    r = ask(client, "防空洞" * 300)
    assert r.status_code == 200 and "有点长" in r.text
    r = client.post("/ask", data={"q": "长" * 70_000, "csrf": page_csrf(client)})
    assert r.status_code == 413 and "太大" in r.text


def test_too_many_questions_get_a_polite_429(web_home):
    with make_client(web_home, asks_per_minute=2) as c:
        assert [ask(c, "人防法第二十二条").status_code for _ in range(2)] == [200, 200]
        r = ask(c, "人防法第二十二条")
        assert r.status_code == 429 and "稍等" in r.text and int(r.headers["retry-after"]) > 0
        r = c.post("/api/ask", json={"question": "人防法第二十二条"})
        assert r.status_code == 429 and "稍等" in r.json()["error"]


def test_law_browser_current_and_historical_versions(client):
    r = client.get("/law/人防法/22")
    assert r.status_code == 200 and "修建战时可用于防空的地下室" in r.text
    assert "第二十一条" in r.text and "第二十三条" in r.text  # previous / next
    r = client.get("/law/国防教育法")
    assert r.status_code == 200 and "2024年9月13日（现行）" in r.text and "?v=2018-04-27" in r.text
    r = client.get("/law/国防教育法/1?v=2018-04-27")
    assert r.status_code == 200 and "历史条文" in r.text
    r = client.get("/laws")
    assert "《重庆市人民防空条例》" in r.text


def test_unknown_laws_and_articles_are_polite_404s(client):
    r = client.get("/law/人防法/99")
    assert r.status_code == 404 and "共 53 条" in r.text
    r = client.get("/law/没有这部法/1")
    assert r.status_code == 404 and "lawbot laws" not in r.text and "没有找到名为“没有这部法”的法规" in r.text
    r = client.get("/law/人防法/22?v=yesterday")
    assert r.status_code == 400 and "YYYY-MM-DD" in r.text
    assert client.get("/no/such/page").status_code == 404


def test_the_65_page_has_the_three_signals_with_their_patterns(client):
    html = client.get("/65").text
    for name, on, off, repeats in (("预先警报", 36, 24, 3), ("空袭警报", 6, 6, 15), ("解除警报", 180, 0, 1)):
        assert name in html
        assert f'data-on="{on}" data-off="{off}" data-repeats="{repeats}"' in html
    assert "大隧道" in html and "js/alarm.js" in html


def test_pages_use_no_inline_script_and_only_local_assets(client):
    for path in ("/", "/65", "/laws", "/law/人防法/22", "/staff/login", "/api/docs", "/widget", "/embed"):
        html = re.sub(r"<pre.*?</pre>", "", client.get(path).text, flags=re.S)  # code samples shown as text
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html), path
        assert not re.search(r"\son[a-z]+=", html), path  # no inline event handlers
        assert not re.search(r'(src|href)="(https?:)?//', html), path  # nothing from another host
        assert 'style="' not in html, path
        for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
            assert client.get(asset).status_code == 200, asset


def test_a_follow_up_refers_to_the_law_just_shown(client):
    first = ask(client, "人防法第二十二条").text
    law = re.search(r'data-context-law="([^"]+)"', first).group(1)
    follow = ask(client, "那第二十五条呢？", ctx_law=law, ctx_article="22").text
    assert "《中华人民共和国人民防空法》第二十五条" in follow
    assert "那第二十五条呢？" in follow  # shown as typed
    r = client.post("/api/ask", json={"question": "第二十五条呢", "context": {"law": "国防教育法"}}).json()
    assert r["quotes"][0]["citation"] == "《中华人民共和国国防教育法》第二十五条"


def test_the_alarm_faq_names_its_source_not_a_statute(client):
    html = ask(client, "防空警报有几种？分别是什么声音？").text
    assert "kind-faq" in html and "鸣36秒、停24秒" in html
    assert "出处（非法律条文）：国家人民防空办公室" in html and "法律依据：" not in html


def test_an_advice_request_shows_the_rule_it_turns_on(client):
    """The advice reply says "相关的法律规定如下" — the page must then show that rule, verbatim."""
    html = ask(client, "人防法第二十二条 我家开发商没建防空地下室 我去告他能赢吗").text
    assert "不能就个人的具体案件提供法律意见" in html and "12348" in html
    assert "城市新建民用建筑，按照国家有关规定修建战时可用于防空的地下室。" in html
    assert "《中华人民共和国人民防空法》第二十二条" in html
