"""The deployed bot under faults: ``lawbot bot run`` killed with SIGKILL mid-round and restarted,
Telegram answering 429 with ``retry_after``, an update delivered again after a restart, a webhook
POST retried. After each, the data directory is checked: every acknowledged answer stored exactly
once, ``PRAGMA integrity_check`` ok, the leaderboard equal to a recomputation from the answers."""
from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.helpers.botproc import (
    STAFF,
    BotProcess,
    answer_first,
    free_port,
    held_certificates,
    integrity,
    key_of,
    open_question,
    rows,
)

pytestmark = pytest.mark.reliability
SH = ZoneInfo("Asia/Shanghai")
QUESTIONS = 5


def local(ts: float) -> str:
    return datetime.fromtimestamp(ts, SH).strftime("%Y-%m-%d %H:%M")


def create_campaign(api, code: str = "REL1") -> None:
    now = time.time()
    reply = api.run_sync(api.user(STAFF).send_text(
        f"/newcampaign {code} | 可靠性测试 | {local(now - 3600)} | {local(now + 86400)} | 题数 {QUESTIONS} | "
        "每题 60 秒 | 及格 1"), timeout=40)
    assert "已创建活动" in reply.text, reply.text


def register(api, user, name: str, school: str, code: str = "REL1"):
    assert "姓名" in api.run_sync(user.send_text(f"/join {code}")).text
    assert "学校" in api.run_sync(user.send_text(name)).text
    menu = api.run_sync(user.send_text(school))
    assert "报名成功" in menu.text, menu.text
    return menu


def check_quiz_db(home, acknowledged: dict[tuple[int, int], int]) -> dict:
    """Exactly-once answers, integrity, and the leaderboard against a recomputation."""
    from quizzes import ranking
    from quizzes.db import connect

    db = home / "quiz.db"
    assert integrity(db) == "ok"
    stored = {(a, p): json.loads(c)[0] if c else None
              for a, p, c in rows(db, "SELECT attempt_id, position, choice FROM answers WHERE outcome='answered'")}
    missing = [k for k in acknowledged if k not in stored]
    assert not missing, f"acknowledged answers lost: {missing}"
    per_item = rows(db, "SELECT attempt_id, position, COUNT(*) FROM answers GROUP BY 1, 2 HAVING COUNT(*) > 1")
    assert per_item == []  # one row per question of a round, however often it was pressed
    scores = rows(db, "SELECT t.id, t.score, (SELECT COALESCE(SUM(a.correct), 0) FROM answers a"
                      " WHERE a.attempt_id = t.id) FROM attempts t WHERE t.status = 'finished'")
    assert all(score == recomputed for _, score, recomputed in scores), scores
    conn = connect(db)
    try:
        for (cid,) in conn.execute("SELECT id FROM campaigns").fetchall():
            assert ranking.check(conn, cid) == []
    finally:
        conn.close()
    return {"answers": len(stored), "finished": len(scores), "held": held_certificates(db)}


def play(api, student, question, upto: int, acknowledged: dict) -> dict:
    """Answer until position ``upto`` (exclusive); returns the next open question."""
    while key_of(question)[1] < upto:
        feedback = answer_first(api, student, question)
        assert feedback.method == "editMessageText", feedback
        acknowledged[key_of(question)] = 1
        if key_of(question)[1] == QUESTIONS - 1:
            return None
        question = open_question(api, student, after=key_of(question))
    return question


def test_kill_9_mid_round_resumes_and_keeps_every_acknowledged_answer(api, small_home_copy, tmp_path) -> None:
    bot = BotProcess(api, small_home_copy, tmp_path / "bot.log").start()
    students = [api.user(2000 + i, f"学生{i}") for i in range(3)]
    acknowledged: dict[tuple[int, int], int] = {}
    try:
        create_campaign(api)
        questions = []
        for i, student in enumerate(students):
            menu = register(api, student, f"学生{i}", f"学校{i % 2}")
            api.run_sync(student.press(menu, "📝 开始正式答题"))
            questions.append(open_question(api, student))
        questions = [play(api, s, q, 2, acknowledged) for s, q in zip(students, questions)]
        # One press in flight when the process dies: acknowledged or not, never stored twice.
        answer_first(api, students[0], questions[0], wait=False)
        bot.kill()
        kills = 1
        bot.start()
        deadline = time.monotonic() + 30
        while "resumed 3 open quiz round(s)" not in bot.log() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "resumed 3 open quiz round(s)" in bot.log()  # timers re-armed; the buttons work again
        questions = [open_question(api, student) for student in students]
        questions = [play(api, s, q, QUESTIONS, acknowledged) if q is not None else None
                     for s, q in zip(students, questions)]
        results = [api.run_sync(api.wait_for(lambda s=s: any("得分" in (m.get("text") or "") or "成绩" in (m.get("text") or "")
                                                           for m in api.sent_messages(s.id)[-3:]), timeout=30))
                   for s in students]
        assert all(results)
    finally:
        bot.stop()
    figures = check_quiz_db(small_home_copy, acknowledged)
    assert figures["finished"] == len(students) and figures["answers"] == len(students) * QUESTIONS
    assert integrity(small_home_copy / "lawbot.db") == "ok" and integrity(small_home_copy / "inbox.db") == "ok"
    assert "Traceback" not in bot.log() and "swigfaiss" not in bot.log()
    print(f"kill -9 mid-round: {kills} kill, {len(students)} students, {len(acknowledged)} acknowledged answers, "
          f"{figures['answers']} stored once each, {figures['held']} flagged certificates held")


def test_429_with_retry_after_is_waited_out_and_replies_go_once(api, small_home_copy, tmp_path) -> None:
    bot = BotProcess(api, small_home_copy, tmp_path / "bot.log").start()
    citizen, student = api.user(1001), api.user(2001, "学生")
    acknowledged: dict[tuple[int, int], int] = {}
    try:
        api.fail_next("sendMessage", n=2, retry_after=1)
        reply = api.run_sync(citizen.send_text("/help"), timeout=30)
        calls = [c for c in api.calls("sendMessage") if c.params.get("chat_id") == citizen.id]
        assert [c.status for c in calls] == [429, 429, 200]
        assert calls[2].time - calls[0].time >= 2 * 1.0 - 0.05  # retry_after honoured, twice
        assert len(api.sent_messages(citizen.id)) == 1 and reply.text

        create_campaign(api)
        menu = register(api, student, "学生", "学校")
        api.run_sync(student.press(menu, "📝 开始正式答题"))
        question = open_question(api, student)
        api.fail_next("editMessageText", n=1, retry_after=1)
        api.fail_next("answerCallbackQuery", n=1, retry_after=1)
        play(api, student, question, QUESTIONS, acknowledged)
        edits = [c.status for c in api.calls("editMessageText")]
        assert edits.count(429) == 1 and edits.count(200) >= QUESTIONS
    finally:
        bot.stop()
    figures = check_quiz_db(small_home_copy, acknowledged)
    assert figures["answers"] == QUESTIONS
    print(f"429 retry_after: 4 throttled calls waited out, {len(acknowledged)} answers stored once, "
          f"1 /help reply sent once")


def test_update_delivered_again_after_a_restart_is_handled_once(api, small_home_copy, tmp_path) -> None:
    bot = BotProcess(api, small_home_copy, tmp_path / "bot.log").start()
    student, citizen = api.user(2001, "张三"), api.user(1001)
    try:
        create_campaign(api)
        assert "姓名" in api.run_sync(student.send_text("/join REL1")).text
        assert "学校" in api.run_sync(student.send_text("张三")).text
        name_update = api.update_ids()[-1]
        answer = api.run_sync(citizen.send_text("人防法第二十二条"))
        question_update = api.update_ids()[-1]
        assert "第二十二条" in answer.text
        bot.kill()  # before Telegram heard that these updates were handled
        bot.start()
        before = (len(api.sent_messages(student.id)), len(api.sent_messages(citizen.id)))
        api.run_sync(api.redeliver(name_update))
        api.run_sync(api.redeliver(question_update))
        time.sleep(2.0)  # time for a second handling to show
        assert (len(api.sent_messages(student.id)), len(api.sent_messages(citizen.id))) == before
        done = api.run_sync(student.send_text("重庆大学"))
        assert "报名成功" in done.text and "张三，重庆大学" in done.text, done.text
    finally:
        bot.stop()
    db = small_home_copy / "quiz.db"
    assert rows(db, "SELECT name, school FROM registrations") == [("张三", "重庆大学")]
    assert rows(small_home_copy / "lawbot.db", "SELECT count(*) FROM question_log") == [(1,)]
    assert "delivered again" in bot.log()
    for name in ("quiz.db", "lawbot.db", "inbox.db"):
        assert integrity(small_home_copy / name) == "ok"
    print("re-delivered updates after kill -9: 2 updates delivered twice, handled once each")


def test_webhook_post_retried_gets_one_reply(api, small_home_copy, tmp_path) -> None:
    port = free_port()
    bot = BotProcess(api, small_home_copy, tmp_path / "bot.log", webhook_port=port).start()
    citizen = api.user(1001)
    url = f"http://127.0.0.1:{port}/hook"
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret", "Content-Type": "application/json"}

    def update(update_id: int, text: str) -> str:
        entities = [{"type": "bot_command", "offset": 0, "length": len(text)}] if text.startswith("/") else []
        return json.dumps({"update_id": update_id, "message": {
            "message_id": update_id, "date": int(time.time()), "chat": citizen.chat_dict(),
            "from": citizen.to_dict(), "text": text, "entities": entities}})

    try:
        with httpx.Client(timeout=10) as http:
            assert http.post(url, content=update(900001, "/help"),
                             headers={**headers, "X-Telegram-Bot-Api-Secret-Token": "wrong"}).status_code == 403
            statuses = [http.post(url, content=update(900002, "/help"), headers=headers).status_code
                        for _ in range(2)]  # a retry after a timeout
        with ThreadPoolExecutor(4) as pool:  # and retries racing each other
            statuses += list(pool.map(lambda _: httpx.post(url, content=update(900003, "人防法第二十二条"),
                                                           headers=headers, timeout=10).status_code, range(4)))
        assert statuses == [200] * 6
        api.run_sync(api.wait_for(lambda: len(api.sent_messages(citizen.id)) >= 2, timeout=20), timeout=25)
        time.sleep(2.0)
        texts = [m.get("text") or "" for m in api.sent_messages(citizen.id)]
        assert len(texts) == 2 and sum("怎么提问" in t for t in texts) == 1, texts
        assert sum("城市新建民用建筑" in t for t in texts) == 1, texts
    finally:
        bot.stop()
    assert rows(small_home_copy / "inbox.db", "SELECT count(*) FROM inbox") == [(2,)]
    print("webhook: 1 POST with a wrong secret refused (403), 2 sequential and 4 concurrent retries, 2 replies")
