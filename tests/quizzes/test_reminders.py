"""6·5 reminders core: when a reminder is due (time zone, before/after, once a year) and the
delivery bookkeeping that lets a broadcast resume after a restart without sending twice."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from quizzes.errors import QuizError
from quizzes.reminders import (GRACE_S, Reminders, due_occasion, next_occasion, occasion,
                               parse_reminder_at)
from tests.helpers.quizzes import Clock

SH = ZoneInfo("Asia/Shanghai")


def at(*args, tz=SH) -> float:
    return datetime(*args, tzinfo=tz).timestamp()


@pytest.fixture
def clock() -> Clock:
    return Clock(at(2027, 6, 5, 9, 0))


@pytest.fixture
def rem(tmp_path, clock):
    r = Reminders.open(tmp_path / "quiz.db", clock)
    yield r
    r.close()


# ---- due-time computation -----------------------------------------------------------------------

def test_parse_reminder_at() -> None:
    assert parse_reminder_at("06-05 09:00") == (6, 5, 9, 0)
    assert parse_reminder_at(" 6-5 9:30 ") == (6, 5, 9, 30)
    for bad in ("", "06-05", "13-01 09:00", "06-31 09:00", "06-05 25:00", "六月五日 9点"):
        with pytest.raises(QuizError):
            parse_reminder_at(bad)


def test_occasion_is_local_time_in_the_configured_zone() -> None:
    occ = occasion(2027, "06-05 09:00", "Asia/Shanghai")
    assert occ.key == "6-5:2027"
    assert occ.at == datetime(2027, 6, 5, 1, 0, tzinfo=ZoneInfo("UTC")).timestamp()  # UTC+8
    other = occasion(2027, "06-05 09:00", "Europe/Berlin")  # UTC+2 in June
    assert other.at - occ.at == 6 * 3600
    assert occasion(2027, "02-29 09:00", "Asia/Shanghai") is None  # not a leap year
    assert occasion(2028, "02-29 09:00", "Asia/Shanghai").key == "6-5:2028"
    with pytest.raises(QuizError):
        occasion(2027, "06-05 09:00", "Mars/Olympus")


def test_due_only_from_its_time_until_the_grace_period() -> None:
    def due(ts: float):
        return due_occasion(ts, "06-05 09:00", "Asia/Shanghai")

    assert due(at(2027, 6, 5, 8, 59, 59)) is None
    assert due(at(2027, 6, 5, 9, 0)).key == "6-5:2027"
    assert due(at(2027, 6, 5, 14, 59)).key == "6-5:2027"
    assert due(at(2027, 6, 5, 9, 0) + GRACE_S) is None  # the siren test is long over
    assert due(at(2027, 6, 4, 9, 0)) is None and due(at(2027, 12, 31, 9, 0)) is None
    # 09:00 in Shanghai is 01:00 UTC: a UTC clock reading "6 June 00:30" is still before it.
    assert due(at(2027, 6, 5, 0, 30, tz=ZoneInfo("UTC"))) is None
    # A late-evening reminder stays due across the new year.
    late = due_occasion(at(2028, 1, 1, 0, 30), "12-31 23:00", "Asia/Shanghai")
    assert late is not None and late.key == "6-5:2027"


def test_next_occasion() -> None:
    assert next_occasion(at(2027, 6, 5, 8, 0), "06-05 09:00", "Asia/Shanghai").key == "6-5:2027"
    assert next_occasion(at(2027, 6, 5, 9, 0), "06-05 09:00", "Asia/Shanghai").key == "6-5:2028"
    assert next_occasion(at(2027, 3, 1, 9, 0), "02-29 09:00", "Asia/Shanghai").key == "6-5:2028"


# ---- subscribers and deliveries -------------------------------------------------------------------

def test_subscribe_is_idempotent_and_unsubscribe_ends_it(rem) -> None:
    assert rem.subscribe(1, "1") is True
    assert rem.subscribe(1, "1") is False
    assert rem.is_subscribed(1) and rem.subscriber_count() == 1
    assert rem.unsubscribe(1) is True and rem.unsubscribe(1) is False
    assert not rem.is_subscribed(1) and rem.subscriber_count() == 0
    assert rem.subscribe(1, "1") is True  # coming back works


def test_broadcast_is_created_once_per_occasion_with_a_snapshot(rem, clock) -> None:
    for chat in (1, 2, 3):
        rem.subscribe(chat, str(chat))
    rem.subscribe(4, "4")
    rem.unsubscribe(4)
    b = rem.start_broadcast("6-5:2027", "提醒")
    assert (b.key, b.text, b.pending, b.sent, b.finished_at) == ("6-5:2027", "提醒", 3, 0, None)
    rem.subscribe(5, "5")  # after the snapshot: not part of this year's round
    again = rem.start_broadcast("6-5:2027", "另一段文字")
    assert again.id == b.id and again.text == "提醒" and again.total == 3
    assert rem.pending(b.id) == [1, 2, 3]
    assert [u.key for u in rem.unfinished()] == ["6-5:2027"]
    other = rem.start_broadcast("6-5:2028", "明年")
    assert other.id != b.id and other.total == 4  # next year's snapshot includes the newcomer


def test_delivery_bookkeeping_resumes_where_it_stopped(tmp_path, clock) -> None:
    path = tmp_path / "quiz.db"
    rem = Reminders.open(path, clock)
    for chat in range(1, 7):
        rem.subscribe(chat, str(chat))
    b = rem.start_broadcast("6-5:2027", "提醒")
    assert rem.mark_sent(b.id, 1) and rem.mark_sent(b.id, 2)
    assert rem.mark_sent(b.id, 2) is False  # never twice
    assert rem.mark_failed(b.id, 3, "Forbidden: bot was blocked by the user", unsubscribe=True)
    assert not rem.is_subscribed(3)
    assert rem.finish(b.id) is False
    rem.close()

    rem = Reminders.open(path, clock)  # "restart"
    assert rem.pending(b.id) == [4, 5, 6]
    assert rem.retry_later(b.id, 4, "timed out", max_tries=2) is True
    assert rem.retry_later(b.id, 4, "timed out", max_tries=2) is False  # given up after 2 tries
    assert rem.mark_sent(b.id, 5) and rem.mark_sent(b.id, 6)
    assert rem.pending(b.id) == []
    assert rem.finish(b.id) is True
    done = rem.broadcast(b.id)
    assert (done.sent, done.failed, done.pending) == (4, 2, 0) and done.finished_at == clock.now
    assert rem.unfinished() == []
    rows = rem.conn.execute("SELECT chat_id, status, tries FROM deliveries ORDER BY chat_id").fetchall()
    assert rows == [(1, "sent", 1), (2, "sent", 1), (3, "failed", 1), (4, "failed", 2),
                    (5, "sent", 1), (6, "sent", 1)]
    assert rem.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rem.close()


def test_unsubscribing_drops_pending_deliveries_and_abandon_closes(rem) -> None:
    for chat in (1, 2, 3):
        rem.subscribe(chat, str(chat))
    b = rem.start_broadcast("6-5:2027", "提醒")
    rem.unsubscribe(2)
    assert rem.pending(b.id) == [1, 3]
    assert rem.abandon(b.id) == 2
    closed = rem.broadcast(b.id)
    assert closed.finished_at is not None and closed.failed == 3 and rem.unfinished() == []
