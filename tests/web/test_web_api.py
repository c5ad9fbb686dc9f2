"""The JSON API: ask (idempotent with a key), search, laws, articles, feedback, signals."""
from __future__ import annotations

import sqlite3


def test_api_ask_returns_the_quoted_article_and_a_retry_is_not_logged_twice(client, web_home):
    headers = {"Idempotency-Key": "portal-req-000001"}
    first = client.post("/api/ask", json={"question": "人防法第二十二条"}, headers=headers).json()
    assert first["kind"] == "statute" and first["answered"]
    quote = first["quotes"][0]
    assert quote["citation"] == "《中华人民共和国人民防空法》第二十二条" and quote["version_date"] == "2009-08-27"
    assert quote["path"] == "/law/中华人民共和国人民防空法/22"
    assert "不构成法律意见" in first["disclaimer"] and "12348" in first["help_line"]
    assert first["context"] == {"law": "中华人民共和国人民防空法", "article": "22", "question": "人防法第二十二条"}
    again = client.post("/api/ask", json={"question": "人防法第二十二条"}, headers=headers).json()
    assert again == first
    db = sqlite3.connect(web_home / "lawbot.db")
    assert db.execute("SELECT COUNT(*) FROM question_log").fetchone()[0] == 1
    client.post("/api/ask", json={"question": "人防法第二十二条"})  # no key: a new question
    assert db.execute("SELECT COUNT(*) FROM question_log").fetchone()[0] == 2


def test_api_refuses_bad_requests_politely(client):
    r = client.post("/api/ask", data={"question": "人防法第二十二条"})  # a form, not JSON
    assert r.status_code == 422 and "格式" in r.json()["error"]
    r = client.post("/api/ask", json={"question": "防" * 3000})
    assert r.status_code == 422
    r = client.post("/api/ask", json={"question": "防空洞" * 200})
    assert r.status_code == 200 and r.json()["kind"] == "invalid" and "有点长" in r.json()["message"]
    r = client.get("/api/articles/人防法/99")
    assert r.status_code == 404 and "共 53 条" in r.json()["error"]


def test_api_feedback_is_idempotent(client, web_home):
    log_id = client.post("/api/ask", json={"question": "人防法第二十二条", "user": "u1"}).json()["log_id"]
    for helpful in (False, True, True):
        r = client.post("/api/feedback", json={"log_id": log_id, "helpful": helpful, "user": "u1"})
        assert r.status_code == 200 and r.json()["ok"]
    db = sqlite3.connect(web_home / "lawbot.db")
    assert db.execute("SELECT user_ref, value FROM feedback").fetchall() == [("web:api:u1", 1)]
    assert client.post("/api/feedback", json={"log_id": 10 ** 9, "helpful": True}).status_code == 404


def test_api_laws_articles_search_and_signals(client):
    laws = client.get("/api/laws").json()["laws"]
    edu = next(law for law in laws if law["title"] == "中华人民共和国国防教育法")
    assert [v["date"] for v in edu["versions"]] == ["2018-04-27", "2024-09-13"]
    old = client.get("/api/articles/国防教育法/1", params={"v": "2018-04-27"}).json()
    assert old["is_current"] is False and old["path"].endswith("?v=2018-04-27")
    toc = client.get("/api/laws/人防法").json()
    assert toc["law"] == "中华人民共和国人民防空法" and sum(len(c["articles"]) for c in toc["chapters"]) == 53
    found = client.get("/api/search", params={"q": "人防法第二十二条", "k": 3}).json()
    assert found["results"][0]["label"] == "第二十二条" and len(found["results"]) <= 3
    signals = {s["name"]: s for s in client.get("/api/signals").json()["signals"]}
    assert signals["空袭警报"]["on_seconds"] == 6 and signals["空袭警报"]["repeats"] == 15
    assert all(s["total_seconds"] == 180 for s in signals.values())
