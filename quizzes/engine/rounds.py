"""Rounds: practice and scored attempts (the attempt limit checked in the transaction that creates
the attempt), presenting items with server-side deadlines, recording each answer exactly once,
timeouts, finishing (score, time, certificate). A capability of :class:`quizzes.engine.QuizEngine`."""
from __future__ import annotations

import json
from typing import Sequence

from quizzes import db, rosters
from quizzes.codes import certificate_mac, new_code
from quizzes.errors import AttemptLimit, NotFound, QuizError, RegistrationError
from quizzes.model import (question_from_dict, question_to_dict)
from quizzes.rules import MAX_QUESTIONS, MAX_SECONDS, MIN_SECONDS

from quizzes.engine.records import (
    AnswerResult, Attempt, Item, LATE_GRACE_S, MIN_HUMAN_MS, Review, RoundResult, _ATTEMPT_SQL, _ITEM_COLUMNS,
    _ITEM_SQL, _item, _map_choice, locked, option_order)


class Rounds:
    """Running rounds (mixed into QuizEngine)."""

    @locked
    def start_practice(self, user_ref: str, chat_id: int, *, count: int = 10,
                       seconds: int = 30, campaign_id: int | None = None) -> Attempt:
        """Open practice (/quiz) or a campaign's practice round (limited by practice_attempts;
        the campaign's tags, count and time; allowed outside the window, never ranked).
        An open attempt of the same user is returned instead of starting a second one."""
        user_ref = str(user_ref)
        with db.write(self.conn):
            open_ = self._active(user_ref)
            if open_ is not None:
                return open_
            tags: tuple[str, ...] = ()
            registration_id = None
            if campaign_id is not None:
                c = self.campaign(campaign_id)
                if c.practice_attempts <= 0:
                    raise AttemptLimit("本次活动没有安排练习。")
                used = self._one("SELECT COUNT(*) FROM attempts WHERE campaign_id=? AND user_ref=?"
                                 " AND kind='practice'", (c.id, user_ref))[0]
                if used >= c.practice_attempts:
                    raise AttemptLimit(f"本次活动的 {c.practice_attempts} 次练习机会已经用完了。")
                tags, count, seconds = c.tags, c.question_count, c.seconds_per_question
                reg = self._one("SELECT id FROM registrations WHERE campaign_id=? AND user_ref=?",
                                (c.id, user_ref))
                registration_id = reg[0] if reg else None
            if not 1 <= count <= MAX_QUESTIONS or not MIN_SECONDS <= seconds <= MAX_SECONDS:
                raise QuizError(f"每轮 1–{MAX_QUESTIONS} 题，每题 {MIN_SECONDS}–{MAX_SECONDS} 秒。")
            return self._create_attempt(user_ref, chat_id, "practice", campaign_id, registration_id,
                                        tags, count, seconds)

    @locked
    def start_scored(self, campaign_id: int, user_ref: str, chat_id: int) -> Attempt:
        """The scored attempt: registration required, inside the window, within the limit
        (counted in the same transaction that creates it). Raises AttemptLimit / WindowClosed /
        RegistrationError. An open scored attempt of this campaign is returned as it is; an
        open practice round is abandoned first."""
        user_ref = str(user_ref)
        with db.write(self.conn):
            c = self.campaign(campaign_id)
            now = self.clock()
            if not c.is_open(now):
                raise self._window_error(c, now)
            reg = self._one("SELECT id, school, student_hash, name FROM registrations"
                            " WHERE campaign_id=? AND user_ref=?", (c.id, user_ref))
            if reg is None:
                raise RegistrationError("请先报名本次活动，再开始正式答题。")
            rosters.check_listed(self.conn, c.id, reg[1], reg[2], reg[3])  # a roster added later
            open_ = self._active(user_ref)
            if open_ is not None:
                if open_.kind == "scored" and open_.campaign_id == c.id:
                    return open_
                if open_.kind == "scored":
                    raise AttemptLimit("你还有另一场活动的正式答题没有完成，请先完成它。")
                self.conn.execute("UPDATE attempts SET status='abandoned', finished_at=? WHERE id=?",
                                  (now, open_.id))
            used = self._one("SELECT COUNT(*) FROM attempts WHERE registration_id=? AND kind='scored'",
                             (reg[0],))[0]
            if used >= c.scored_attempts:
                raise AttemptLimit(f"你在本次活动中的 {c.scored_attempts} 次正式答题机会已经用完了。")
            return self._create_attempt(user_ref, chat_id, "scored", c.id, reg[0], c.tags,
                                        c.question_count, c.seconds_per_question)

    def _create_attempt(self, user_ref, chat_id, kind, campaign_id, registration_id, tags, count,
                        seconds) -> Attempt:
        """Inside a write transaction: draw, shuffle, snapshot."""
        pool = self.questions(tags)
        if self.held and pool:
            held = self.held(pool)
            pool = [q for q in pool if q.id not in held]
        if not pool:
            raise QuizError("题库里暂时没有可用的题目。")
        chosen = self._rng.sample(pool, min(count, len(pool)))
        now = self.clock()
        cur = self.conn.execute(
            "INSERT INTO attempts(user_ref, chat_id, campaign_id, registration_id, kind, question_count,"
            " seconds_per_question, started_at) VALUES (?,?,?,?,?,?,?,?)",
            (user_ref, int(chat_id), campaign_id, registration_id, kind, len(chosen), seconds, now))
        self.conn.executemany(
            "INSERT INTO attempt_items(attempt_id, position, question_id, question, option_order)"
            " VALUES (?,?,?,?,?)",
            [(cur.lastrowid, pos, q.id, json.dumps(question_to_dict(q), ensure_ascii=False),
              json.dumps(option_order(q, self._rng))) for pos, q in enumerate(chosen)])
        return Attempt(cur.lastrowid, user_ref, int(chat_id), kind, campaign_id, len(chosen), seconds,
                       now, "open", 0)

    def _active(self, user_ref: str) -> Attempt | None:
        row = self._one(_ATTEMPT_SQL + " WHERE t.user_ref=? AND t.status='open' ORDER BY t.id DESC LIMIT 1",
                        (str(user_ref),))
        return Attempt(*row) if row else None

    @locked
    def attempt(self, attempt_id: int) -> Attempt:
        row = self._one(_ATTEMPT_SQL + " WHERE t.id=?", (attempt_id,))
        if row is None:
            raise NotFound("没有找到这一轮答题。")
        return Attempt(*row)

    @locked
    def attempts_of(self, campaign_id: int, user_ref: str) -> list[Attempt]:
        """A participant's attempts (practice and scored) in a campaign, oldest first."""
        return [Attempt(*r) for r in self.conn.execute(
            _ATTEMPT_SQL + " WHERE t.campaign_id=? AND t.user_ref=? ORDER BY t.id", (campaign_id, str(user_ref)))]

    @locked
    def active_attempt(self, user_ref: str) -> Attempt | None:
        return self._active(user_ref)

    @locked
    def open_attempts(self) -> list[Attempt]:
        """Attempts left open (e.g. by a restart), for the bot to resume."""
        return [Attempt(*r) for r in self.conn.execute(_ATTEMPT_SQL + " WHERE t.status='open' ORDER BY t.id")]

    def _next_row(self, attempt_id: int):
        return self._one(
            _ITEM_SQL + " WHERE i.attempt_id=? AND NOT EXISTS (SELECT 1 FROM answers a"
            " WHERE a.attempt_id=i.attempt_id AND a.position=i.position) ORDER BY i.position LIMIT 1",
            (attempt_id,))

    def _accepting(self, attempt_id: int) -> bool:
        """Open, and (for a scored attempt) its campaign still running. Raises NotFound."""
        row = self._one("SELECT t.status, t.kind, c.ends_at FROM attempts t"
                        " LEFT JOIN campaigns c ON c.id=t.campaign_id WHERE t.id=?", (attempt_id,))
        if row is None:
            raise NotFound("没有找到这一轮答题。")
        status, kind, ends_at = row
        return status == "open" and not (kind == "scored" and self.clock() >= ends_at)

    @locked
    def present(self, attempt_id: int) -> Item | None:
        """The current item: the first without an answer/timeout. Sets sent_at/deadline the first
        time it is presented (idempotent afterwards). None when every item is done, the attempt
        is closed, or a scored attempt's campaign has ended (then call finish())."""
        if not self._accepting(attempt_id):
            return None
        row = self._next_row(attempt_id)
        if row is None:
            return None
        if row[5] is None:
            now = self.clock()
            with db.write(self.conn):
                self.conn.execute(
                    "UPDATE attempt_items SET sent_at=?, deadline_at=? + (SELECT seconds_per_question"
                    " FROM attempts WHERE id=?) WHERE attempt_id=? AND position=? AND sent_at IS NULL",
                    (now, now, attempt_id, attempt_id, row[1]))
            return self.item(attempt_id, row[1])
        return _item(row)

    @locked
    def current(self, attempt_id: int) -> Item | None:
        """Like present() but never marks anything as sent (sent_at/deadline_at are 0.0 for an
        item not presented yet)."""
        if self.attempt(attempt_id).status != "open":
            return None
        row = self._next_row(attempt_id)
        return _item(row) if row else None

    @locked
    def item(self, attempt_id: int, position: int) -> Item | None:
        """Any item of an attempt (sent_at/deadline_at 0.0 until presented); None if no such item."""
        row = self._one(_ITEM_SQL + " WHERE i.attempt_id=? AND i.position=?", (attempt_id, position))
        return _item(row) if row else None

    @locked
    def set_message(self, attempt_id: int, position: int, chat_id: int, message_id: int,
                    *, poll_id: str | None = None, restart_clock: bool = False) -> Item | None:
        """Remember where an item was sent; ``poll_id`` lets item_by_poll() find it again
        (Telegram poll answers carry only the poll id).

        ``restart_clock``: the message has just been delivered, so the participant's time starts
        now. When the first delivery of an unanswered item was delayed (a throttled or queued
        send), its deadline moves so the participant still gets the full seconds. Returns the
        item as stored afterwards."""
        now = self.clock()
        with db.write(self.conn):
            if restart_clock:
                self.conn.execute(
                    "UPDATE attempt_items SET sent_at=?, deadline_at=? + (SELECT seconds_per_question"
                    " FROM attempts WHERE id=?) WHERE attempt_id=? AND position=? AND message_id IS NULL"
                    " AND sent_at IS NOT NULL AND sent_at < ? AND NOT EXISTS (SELECT 1 FROM answers a"
                    " WHERE a.attempt_id=? AND a.position=?)",
                    (now, now, attempt_id, attempt_id, position, now, attempt_id, position))
            self.conn.execute(
                "UPDATE attempt_items SET chat_id=?, message_id=?, poll_id=COALESCE(?, poll_id)"
                " WHERE attempt_id=? AND position=?",
                (chat_id, message_id, None if poll_id is None else str(poll_id), attempt_id, position))
        row = self._one(_ITEM_SQL + " WHERE i.attempt_id=? AND i.position=?", (attempt_id, position))
        return _item(row) if row else None

    @locked
    def item_by_poll(self, poll_id: str) -> Item | None:
        row = self._one(_ITEM_SQL + " WHERE i.poll_id=?", (str(poll_id),))
        return _item(row) if row else None

    @locked
    def answer(self, attempt_id: int, position: int, shown: Sequence[int], user_ref: str,
               key: str | None = None) -> AnswerResult:
        """Record an answer exactly once (INSERT guarded by the primary key, committed).

        ``key``: the request's idempotency key, stored with the answer; a retry with the same key
        gets the original outcome again ("accepted", ``replayed``), any other second answer
        to the item is a "duplicate".

        ``shown``: the options chosen, as positions in the shuffled order the participant saw.
        Raises NotFound for an unknown attempt/item and QuizError for an empty or out-of-range
        choice (e.g. a retracted Telegram poll vote: ignore it). Deadlines are checked against
        clock(): after ``deadline_at + LATE_GRACE_S`` the answer is "late" and a timeout is
        recorded instead (if there was no row yet)."""
        now = self.clock()
        with db.write(self.conn):
            return self._answer(now, attempt_id, position, shown, user_ref, key)

    @locked
    def answer_many(self, answers: Sequence[tuple], *,
                    present_next: bool = True) -> list[AnswerResult | QuizError]:
        """Several answers ``(attempt_id, position, shown, user_ref[, key])`` in one transaction: one
        commit (one fsync) for all, so a web server can record the answers that arrive together
        at the rate of the disk's commits times the batch size. Each gets its AnswerResult, or
        the QuizError (NotFound, invalid choice) it raised — others in the batch are unaffected.
        With ``present_next`` the next item of each attempt that moved on is presented (its
        deadline starts) in the same transaction, and an attempt with nothing left is finished
        (scored, certificate issued) there too."""
        now = self.clock()
        out: list[AnswerResult | QuizError] = []
        ending: dict[int, None] = {}  # rounds that may have nothing left (or whose campaign ended)
        with db.write(self.conn):
            for attempt_id, position, shown, user_ref, *key in answers:
                try:
                    res = self._answer(now, attempt_id, position, shown, user_ref, *key)
                except QuizError as exc:
                    out.append(exc)
                    continue
                if present_next and (res.status == "closed" or (
                        res.status in ("accepted", "late") and not self._present_in(attempt_id, now))):
                    ending[attempt_id] = None
                out.append(res)
            for attempt_id in ending:  # they close here too
                if self._one("SELECT status FROM attempts WHERE id=?", (attempt_id,))[0] == "open" and (
                        not self._accepting(attempt_id) or self._next_row(attempt_id) is None):
                    self._finish_in(attempt_id, now)
        return out

    def _present_in(self, attempt_id: int, now: float) -> bool:
        """Inside a write transaction: start the deadline of the attempt's next item, if any.
        False when there is none to show (nothing left, or the round no longer accepts answers)."""
        if not self._accepting(attempt_id):
            return False
        row = self._next_row(attempt_id)
        if row is None:
            return False
        if row[5] is None:
            self.conn.execute(
                "UPDATE attempt_items SET sent_at=?, deadline_at=? + (SELECT seconds_per_question"
                " FROM attempts WHERE id=?) WHERE attempt_id=? AND position=? AND sent_at IS NULL",
                (now, now, attempt_id, attempt_id, row[1]))
        return True

    def _answer(self, now: float, attempt_id: int, position: int, shown: Sequence[int],
                user_ref: str, key: str | None = None) -> AnswerResult:
        """answer() inside the caller's write transaction."""
        row = self._one(
            "SELECT t.user_ref, t.status, t.kind, t.seconds_per_question, c.ends_at, a.outcome,"
            f" a.correct, a.idem_key, {_ITEM_COLUMNS} FROM attempt_items i JOIN attempts t ON t.id = i.attempt_id"
            " LEFT JOIN campaigns c ON c.id = t.campaign_id"
            " LEFT JOIN answers a ON a.attempt_id = i.attempt_id AND a.position = i.position"
            " WHERE i.attempt_id=? AND i.position=?", (attempt_id, position))
        if row is None:
            raise NotFound("没有找到这道题。")
        owner, status, kind, seconds, ends_at, outcome, was_correct, was_key = row[:8]
        item = _item(row[8:])
        if owner != str(user_ref):
            return AnswerResult("not_yours", item)
        if outcome == "answered" and key and key == was_key:  # the same request again: same outcome
            return AnswerResult("accepted", item, bool(was_correct), replayed=True)
        if status != "open" or (kind == "scored" and now >= ends_at):
            return AnswerResult("closed", item)
        if not item.sent_at:
            return AnswerResult("not_current", item)
        if outcome == "answered":
            return AnswerResult("duplicate", item, bool(was_correct))
        if outcome == "timeout":
            return AnswerResult("late", item)
        if now > item.deadline_at + LATE_GRACE_S:
            self._insert_timeout(attempt_id, position, now, seconds)
            return AnswerResult("late", item)
        chosen = _map_choice(item, shown)
        correct = sorted(chosen) == sorted(item.question.correct)
        latency = min(max(0, round((now - item.sent_at) * 1000)), seconds * 1000)
        flagged = latency < MIN_HUMAN_MS
        self.conn.execute(
            "INSERT INTO answers(attempt_id, position, outcome, choice, correct, answered_at,"
            " latency_ms, flagged, idem_key) VALUES (?,?,'answered',?,?,?,?,?,?)",
            (attempt_id, position, json.dumps(chosen), int(correct), now, latency, int(flagged), key or None))
        if flagged:
            self.conn.execute("UPDATE attempts SET flagged=1 WHERE id=?", (attempt_id,))
        return AnswerResult("accepted", item, correct, flagged)

    def _insert_timeout(self, attempt_id: int, position: int, now: float, seconds: int) -> bool:
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO answers(attempt_id, position, outcome, choice, correct, answered_at,"
            " latency_ms, flagged) VALUES (?, ?, 'timeout', NULL, 0, ?, ?, 0)",
            (attempt_id, position, now, seconds * 1000))
        return cur.rowcount == 1

    @locked
    def expire(self, attempt_id: int, position: int) -> bool:
        """Record a timeout for an item whose deadline has passed; False if it was answered
        (or the deadline has not passed, or the item was never presented, or the attempt is
        closed). To honour LATE_GRACE_S, schedule it at ``deadline_at + LATE_GRACE_S``."""
        now = self.clock()
        with db.write(self.conn):
            row = self._one(
                "SELECT t.status, t.seconds_per_question, i.deadline_at FROM attempt_items i"
                " JOIN attempts t ON t.id=i.attempt_id WHERE i.attempt_id=? AND i.position=?",
                (attempt_id, position))
            if row is None:
                raise NotFound("没有找到这道题。")
            status, seconds, deadline = row
            if status != "open" or deadline is None or now < deadline:
                return False
            return self._insert_timeout(attempt_id, position, now, seconds)

    @locked
    def finish(self, attempt_id: int) -> RoundResult:
        """Close the attempt (idempotent): remaining items count as unanswered (a timeout of
        the full time each); for a passed scored attempt a certificate is issued."""
        now = self.clock()
        with db.write(self.conn):
            self._finish_in(attempt_id, now)
        return self._result(attempt_id)

    def _finish_in(self, attempt_id: int, now: float) -> None:
        """finish() inside the caller's write transaction."""
        row = self._one(
            "SELECT t.status, t.kind, t.seconds_per_question, t.registration_id, t.campaign_id,"
            " t.question_count, c.pass_mark FROM attempts t LEFT JOIN campaigns c ON c.id=t.campaign_id"
            " WHERE t.id=?", (attempt_id,))
        if row is None:
            raise NotFound("没有找到这一轮答题。")
        status, kind, seconds, registration_id, campaign_id, total, pass_mark = row
        if status == "open":
            self.conn.execute(
                "INSERT OR IGNORE INTO answers(attempt_id, position, outcome, choice, correct,"
                " answered_at, latency_ms, flagged) SELECT attempt_id, position, 'timeout', NULL, 0,"
                " ?, ?, 0 FROM attempt_items WHERE attempt_id=?", (now, seconds * 1000, attempt_id))
            score, elapsed, flagged = self._one(
                "SELECT COALESCE(SUM(correct), 0), COALESCE(SUM(latency_ms), 0), COALESCE(MAX(flagged), 0)"
                " FROM answers WHERE attempt_id=?", (attempt_id,))
            self.conn.execute(
                "UPDATE attempts SET status='finished', finished_at=?, score=?, elapsed_ms=?,"
                " flagged=MAX(flagged, ?) WHERE id=?", (now, score, elapsed, flagged, attempt_id))
            if kind == "scored" and score >= pass_mark:
                self._issue_certificate(attempt_id, campaign_id, registration_id, score, total, now)

    def _issue_certificate(self, attempt_id, campaign_id, registration_id, score, total, now) -> str:
        name = self._one("SELECT name FROM registrations WHERE id=?", (registration_id,))[0]
        code = new_code()
        while self._one("SELECT 1 FROM certificates WHERE code=?", (code,)):
            code = new_code()
        mac = certificate_mac(self._cert_key, code, campaign_id, registration_id, name, score, total, now)
        self.conn.execute(
            "INSERT INTO certificates(code, attempt_id, campaign_id, registration_id, name, score, total,"
            " issued_at, mac) VALUES (?,?,?,?,?,?,?,?,?)",
            (code, attempt_id, campaign_id, registration_id, name, score, total, now, mac))
        return code

    def _result(self, attempt_id: int) -> RoundResult:
        kind, campaign_id, total, pass_mark = self._one(
            "SELECT t.kind, t.campaign_id, t.question_count, c.pass_mark FROM attempts t"
            " LEFT JOIN campaigns c ON c.id=t.campaign_id WHERE t.id=?", (attempt_id,))
        score, elapsed, wrong = 0, 0, []
        for position, question, choice, correct, latency in self.conn.execute(
                "SELECT i.position, i.question, a.choice, a.correct, a.latency_ms FROM attempt_items i"
                " JOIN answers a ON a.attempt_id=i.attempt_id AND a.position=i.position"
                " WHERE i.attempt_id=? ORDER BY i.position", (attempt_id,)):
            score += correct
            elapsed += latency
            if not correct:
                wrong.append(Review(position, question_from_dict(json.loads(question)),
                                    tuple(json.loads(choice)) if choice else (), False))
        code, status = self._one("SELECT code, status FROM certificates WHERE attempt_id=?", (attempt_id,)) \
            or (None, "")
        passed = None if kind != "scored" else score >= pass_mark
        return RoundResult(attempt_id, kind, campaign_id, score, total, elapsed, passed, tuple(wrong),
                           code if status == "valid" else None, status)

    @locked
    def abandon(self, attempt_id: int) -> None:
        """Practice only (e.g. /cancel); a scored attempt can only be finished."""
        att = self.attempt(attempt_id)
        if att.kind == "scored":
            raise QuizError("正式答题不能取消；如需结束，请交卷。")
        with db.write(self.conn):
            self.conn.execute("UPDATE attempts SET status='abandoned', finished_at=? WHERE id=? AND status='open'",
                              (self.clock(), attempt_id))

