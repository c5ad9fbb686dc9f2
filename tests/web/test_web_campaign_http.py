"""A campaign answer retried over real HTTP (``lawbot web run`` with two worker processes on
loopback): the retry with the same Idempotency-Key gets the ORIGINAL reply (accepted, the same
next question with the same deadline) whichever process serves it, another key gets
"duplicate", and the answer is stored once. The last answer's retry still says the round is
finished. Several connections are used, so the retry may land on the other worker process."""
from __future__ import annotations

import http.client
import json
import re
import sqlite3
import time
from urllib.parse import urlencode, urlsplit

import pytest

CODE = "HTTP2030"
CSRF = re.compile(r'name="lawbot-csrf" content="([^"]+)"')


@pytest.fixture
def server(web_home):
    from quizzes.bank import load_bank
    from quizzes.engine import CampaignSpec, QuizEngine
    from tests.helpers.web_server import web_server

    now = time.time()
    with QuizEngine(web_home / "quiz.db", load_bank().questions) as eng:
        eng.create_campaign(CampaignSpec(
            code=CODE, name="重庆大学“6·5”防空知识竞赛", starts_at=now - 60, ends_at=now + 3600,
            question_count=3, seconds_per_question=600, pass_mark=2, headcounts={"重庆大学": 100},
            hold_flagged=False))
    with web_server(web_home, workers=2, env={"LAWBOT_EMBEDDER": "hash"}) as url:
        yield url


class Phone:
    """One student's browser: its cookie, a fresh connection per request (as after a network
    error), so consecutive requests may be served by different worker processes."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.host, self.port, self.cookie, self.token = parts.hostname, parts.port, "", ""

    def call(self, method: str, path: str, form: dict | None = None, **headers) -> tuple[int, dict, str]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        head = {k.replace("_", "-"): v for k, v in headers.items()}
        if self.cookie:
            head["cookie"] = self.cookie
        if self.token:
            head["x-csrf-token"] = self.token
        body = None
        if form is not None:
            body = urlencode(form)
            head["content-type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=head)
            r = conn.getresponse()
            text = r.read().decode()
            found = r.getheader("set-cookie")
            if found:
                self.cookie = found.split(";", 1)[0]
            return r.status, dict(r.getheaders()), text
        finally:
            conn.close()

    def answer(self, play: str, question: dict, key: str) -> dict:
        status, _, text = self.call("POST", f"{play}/answer", {
            "position": question["position"], "order": ",".join(map(str, question["order"])), "choice": "0"},
            accept="application/json", idempotency_key=key)
        assert status == 200, text
        return json.loads(text)


def stored(home, attempt: int) -> list[tuple]:
    conn = sqlite3.connect(home / "quiz.db")
    try:
        return conn.execute("SELECT position, outcome FROM answers WHERE attempt_id=? ORDER BY position",
                            (attempt,)).fetchall()
    finally:
        conn.close()


def without_clock(reply: dict) -> dict:
    """The reply without the one figure that moves on its own (milliseconds left)."""
    nxt = reply.get("next")
    return {**reply, "next": {k: v for k, v in nxt.items() if k != "remaining_ms"}} if nxt else reply


def test_a_retried_answer_gets_the_original_reply_over_http(server, web_home):
    phone = Phone(server)
    status, _, page = phone.call("GET", f"/c/{CODE}")
    assert status == 200
    phone.token = CSRF.search(page).group(1)
    assert phone.call("POST", f"/c/{CODE}/register", {"name": "张三", "school": "重庆大学"})[0] == 303
    status, headers, _ = phone.call("POST", f"/c/{CODE}/start", {"kind": "scored"})
    assert status == 303
    play = headers["location"]
    attempt = int(play.rsplit("/", 1)[1])
    question = json.loads(phone.call("GET", play, accept="application/json")[2])["question"]
    assert question["position"] == 0

    first = phone.answer(play, question, "retry-key-0001")
    assert first["status"] == "accepted" and first["next"]["position"] == 1
    for _ in range(3):  # retries with the same key, each over a new connection
        again = phone.answer(play, question, "retry-key-0001")
        assert without_clock(again) == without_clock(first)
        assert 0 < again["next"]["remaining_ms"] <= first["next"]["remaining_ms"]
    other = phone.answer(play, question, "another-tab-0001")  # a second tab: its own key
    assert other["status"] == "duplicate" and other["position"] == 0
    assert stored(web_home, attempt) == [(0, "answered")]

    question = first["next"]
    second = phone.answer(play, question, "retry-key-0002")
    last = phone.answer(play, second["next"], "retry-key-0003")
    assert last["status"] == "accepted" and last.get("finished") is True and "next" not in last
    replay = phone.answer(play, second["next"], "retry-key-0003")  # the round is over: same reply
    assert replay == last
    assert without_clock(phone.answer(play, question, "retry-key-0002")) == without_clock(second)
    assert stored(web_home, attempt) == [(0, "answered"), (1, "answered"), (2, "answered")]
