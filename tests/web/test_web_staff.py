"""The staff console over the ASGI test client: upload → preview with old → new text → confirm
(once), the review queue → an FAQ pair (once), FAQ edit and retire, the dashboard's figures."""
from __future__ import annotations

import re
import sqlite3
import time

from tests.helpers.paths import CORE
from tests.web.conftest import add_staff, ask, login, page_csrf

OLD_22 = "城市新建民用建筑，按照国家有关规定修建战时可用于防空的地下室。"
NEW_22 = "城市新建民用建筑，按照国家有关规定同步修建战时可用于防空的地下室，并报人民防空主管部门备案。"


def amended_law() -> bytes:
    text = (CORE / "人民防空法(2009-08-27).md").read_text(encoding="utf-8")
    assert OLD_22 in text
    return text.replace(OLD_22, NEW_22).encode()


def wait_done(client, status_path: str, timeout: float = 120) -> str:
    """The upload's status page once loading finished (it refreshes itself meanwhile)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        page = client.get(status_path)
        if "正在导入" not in page.text:
            return page.text
        assert 'http-equiv="refresh"' in page.text
        time.sleep(0.2)
    raise AssertionError("upload did not finish")


def staff_client(client, home):
    add_staff(home)
    assert login(client).status_code == 303
    return client


def test_upload_preview_confirm_and_the_next_answer_uses_it(client, web_home):
    staff_client(client, web_home)
    token = page_csrf(client, "/staff/upload")
    r = client.post("/staff/upload", data={"csrf": token},
                    files={"file": ("人民防空法(2026-12-01).md", amended_law(), "text/markdown")})
    assert r.status_code == 200, r.text
    assert "新版本" in r.text and "修改 1 条" in r.text
    assert OLD_22 in r.text and NEW_22 in r.text  # old → new text side by side
    confirm = re.search(r'action="(/staff/upload/\d+/confirm)"', r.text).group(1)
    r = client.post(confirm, data={"csrf": token}, follow_redirects=False)
    status = r.headers["location"]
    again = client.post(confirm, data={"csrf": token}, follow_redirects=False)  # delivered twice
    assert again.headers["location"] == status
    assert "已导入" in wait_done(client, status)
    db = sqlite3.connect(web_home / "lawbot.db")
    assert db.execute("SELECT COUNT(*) FROM versions v JOIN laws l ON l.id=v.law_id"
                      " WHERE l.title='中华人民共和国人民防空法'").fetchone()[0] == 2
    answer = ask(client, "人防法第二十二条").text
    assert NEW_22 in answer and OLD_22 not in answer


def test_uploads_are_refused_politely_and_change_nothing(client, web_home):
    staff_client(client, web_home)
    token = page_csrf(client, "/staff/upload")
    cases = [("law.exe", b"MZ\x00\x00", "格式"), ("空.md", b"   ", ""), ("bad.docx", b"not a zip", "")]
    for name, data, words in cases:
        r = client.post("/staff/upload", data={"csrf": token}, files={"file": (name, data, "application/octet-stream")})
        assert r.status_code == 400 and "Traceback" not in r.text and words in r.text
    r = client.post("/staff/upload", data={"csrf": token},
                    files={"file": ("big.md", b"x" * (21 * 1024 * 1024), "text/markdown")})
    assert r.status_code == 413
    db = sqlite3.connect(web_home / "lawbot.db")
    assert db.execute("SELECT COUNT(*) FROM pending_uploads").fetchone()[0] == 0


def test_a_declined_question_becomes_an_faq_pair_once(client, web_home):
    declined = ask(client, "明天重庆天气怎么样").text
    assert "kind-decline" in declined
    staff_client(client, web_home)
    queue = client.get("/staff/queue").text
    assert "明天重庆天气怎么样" in queue
    action = re.search(r'action="(/staff/queue/\d+/answer)"', queue).group(1)
    idem = re.search(r'name="idem" value="([^"]+)"', queue).group(1)
    form = {"csrf": page_csrf(client, "/staff/queue"), "idem": idem, "answer": "天气请查询气象部门发布的预报。",
            "basis": "人防法第二十二条"}
    first = client.post(action, data=form, follow_redirects=False)
    second = client.post(action, data=form, follow_redirects=False)  # posted twice
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    db = sqlite3.connect(web_home / "lawbot.db")
    assert db.execute("SELECT COUNT(*) FROM faq WHERE active=1 AND created_by='web:alice'").fetchone()[0] == 1
    assert "明天重庆天气怎么样" not in client.get("/staff/queue").text
    bad = dict(form, idem="another-key-123", basis="人防法第九十九条")
    r = client.post(action, data=bad)
    assert r.status_code == 400 and "第99条" in r.text


def test_faq_edit_and_retire(client, web_home):
    staff_client(client, web_home)
    token = page_csrf(client, "/staff/faq")
    r = client.post("/staff/faq/new", data={"csrf": token, "idem": "new-pair-0001", "question": "防空地下室要建吗",
                                            "answer": "城市新建民用建筑要修建。", "basis": "人防法第二十二条"})
    assert r.status_code == 200 and "已新增常见问答" in r.text
    faq_id = re.search(r"#(\d+) 防空地下室要建吗", r.text).group(1)
    r = client.post(f"/staff/faq/{faq_id}/edit", data={"csrf": token, "idem": "edit-pair-0001", "question": "防空地下室要建吗",
                                                       "answer": "按照国家有关规定修建。", "basis": "人防法第二十二条"})
    assert "按照国家有关规定修建。" in r.text and "城市新建民用建筑要修建。" not in r.text
    new_id = re.search(r"#(\d+) 防空地下室要建吗", r.text).group(1)
    assert new_id != faq_id
    r = client.post(f"/staff/faq/{new_id}/retire", data={"csrf": token})
    assert "已停用" in r.text and "防空地下室要建吗</strong>" not in r.text


def test_dashboard_counts_questions_answers_and_feedback(client, web_home):
    html = ask(client, "人防法第二十二条").text
    ask(client, "明天重庆天气怎么样")
    log_id = re.search(r'name="log_id" value="(\d+)"', html).group(1)
    client.post("/feedback", data={"log_id": log_id, "value": "up", "csrf": page_csrf(client)})
    staff_client(client, web_home)
    stats = client.get("/api/staff/stats?days=7").json()
    assert stats["total"] == 2 and stats["answered"] == 1 and stats["thumbs_up"] == 1
    assert stats["top_articles"][0]["article"] == "《中华人民共和国人民防空法》第二十二条"
    dash = client.get("/staff").text
    assert "人防法第二十二条" in dash and 'id="stats-data"' in dash


def test_a_pair_may_rest_on_a_named_source_but_not_on_nothing(client, web_home):
    staff_client(client, web_home)
    token = page_csrf(client, "/staff/faq")
    r = client.post("/staff/faq/new", data={"csrf": token, "idem": "source-pair-01", "question": "警报试鸣几点开始",
                                            "answer": "以当地公告为准。", "basis": "", "source": "重庆市人防办试鸣公告"})
    assert r.status_code == 200 and "出处（非法律条文）：重庆市人防办试鸣公告" in r.text
    r = client.post("/staff/faq/new", data={"csrf": token, "idem": "source-pair-02", "question": "没有依据的问答",
                                            "answer": "……", "basis": "", "source": ""})
    assert r.status_code == 400 and "依据" in r.text
