"""Follow-ups in the web chat use the same resolver as the terminal chat and Telegram
(app.conversation.Conversation over kb.followup.resolve): the page and API clients carry the law,
article and question of the last answer, and "那第二十五条呢？" / "罚多少？" are read against them."""
from __future__ import annotations

import json
import re
import shutil
import sqlite3

import pytest

from tests.web.conftest import SECRET, ask


def carried(html: str) -> dict:
    get = lambda name: re.search(rf'data-context-{name}="([^"]*)"', html).group(1)  # noqa: E731
    return {"ctx_law": get("law"), "ctx_article": get("article"), "ctx_q": get("question")}


def logged_questions(home) -> list[str]:
    db = sqlite3.connect(home / "lawbot.db")
    try:
        return [r[0] for r in db.execute("SELECT question FROM question_log ORDER BY id")]
    finally:
        db.close()


def test_a_short_follow_up_is_asked_with_the_question_before_it(client, web_home):
    first = ask(client, "人防法第二十二条").text
    ctx = carried(first)
    assert ctx["ctx_law"] == "中华人民共和国人民防空法" and ctx["ctx_article"] == "22" and ctx["ctx_q"]
    ask(client, "罚多少？", **ctx)
    assert logged_questions(web_home)[-1] == f"{ctx['ctx_q']} 罚多少？"  # resolved as the other chats do
    # an API client carries the same three parts
    r = client.post("/api/ask", json={"question": "那第二十五条呢？",
                                      "context": {"law": "中华人民共和国人民防空法", "article": "22", "question": "人防法第二十二条"}})
    body = r.json()
    assert body["quotes"][0]["citation"] == "《中华人民共和国人民防空法》第二十五条"
    assert body["context"] == {"law": "中华人民共和国人民防空法", "article": "25",
                               "question": "《中华人民共和国人民防空法》第二十五条"}


def test_the_page_without_javascript_keeps_the_conversation(client):
    from tests.web.conftest import page_csrf

    r = client.post("/ask", data={"q": "人防法第二十二条", "csrf": page_csrf(client)})
    assert re.search(r'name="ctx_q" value="[^"]+"', r.text)
    assert 'name="ctx_law" value="中华人民共和国人民防空法"' in r.text


def test_a_context_that_names_no_known_law_changes_nothing_harmful(client):
    r = client.post("/api/ask", json={"question": "罚多少？", "context": {"law": "<script>x</script>", "article": "abc"}})
    assert r.status_code == 200 and "<script>" not in json.dumps(r.json()["quotes"], ensure_ascii=False)


@pytest.mark.slow
def test_web_follow_ups_with_the_real_model(core_home, tmp_path):
    """The real e5 model over the core corpus: 那第二十五条呢？ and 罚多少？ after an answer."""
    from fastapi.testclient import TestClient

    from app.config import WebSettings
    from bot.web.app import create_app
    from kb.settings import Settings

    home = tmp_path / "home"
    shutil.copytree(core_home, home)
    with TestClient(create_app(Settings(home=home), WebSettings(secret=SECRET, asks_per_minute=100))) as client:
        first = ask(client, "人防法第二十四条").text
        second = ask(client, "那第二十五条呢？", **carried(first)).text
        assert "《中华人民共和国人民防空法》第二十五条" in second
        third = client.post("/api/ask", json={"question": "能在防空洞里存放汽油吗"}).json()
        assert third["kind"] == "statute"
        fourth = client.post("/api/ask", json={"question": "罚多少？", "context": third["context"]}).json()
        assert fourth["kind"] == "statute", fourth
        lead = fourth["quotes"][0]
        assert "法律责任" in lead["chapter"] or "罚" in lead["text"], lead["citation"]
        alone = client.post("/api/ask", json={"question": "罚多少？"}).json()
        assert alone["kind"] != "statute"  # without the conversation there is nothing to answer
