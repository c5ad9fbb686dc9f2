"""Reading and writing the ``questions`` table of ``quiz.db`` (imported and generated questions).

The engine draws only ``approved`` rows; this module is how questions get there: imports land
approved in one transaction, generated questions land ``pending`` until a reviewer approves them.
Each row keeps the whole :class:`~quizzes.model.Question` as JSON in ``data``; the ``status``
column is the truth and is mirrored into the JSON so that a row always decodes consistently.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable

from quizzes import db
from quizzes.errors import NotFound, QuizError
from quizzes.model import STATUSES, Question, question_from_dict, question_to_dict


@dataclass(frozen=True)
class AddResult:
    """What :meth:`QuestionStore.add_many` did, by question id."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)


def _encode(q: Question) -> str:
    return json.dumps(question_to_dict(q), ensure_ascii=False, sort_keys=True)


def _same(a: Question, b: Question) -> bool:
    """Equal as stored; where a question came from (file and row) does not count."""
    return replace(a, location="") == replace(b, location="")


class QuestionStore:
    """The ``questions`` table of one ``quiz.db`` (opened like the engine opens it: WAL, busy
    timeout, migrated; every write holds the write lock from its start)."""

    def __init__(self, path: str | Path, *, clock: Callable[[], float] = time.time):
        self.path = Path(path)
        self.conn = db.connect(self.path)
        self.clock = clock

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "QuestionStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- reading -------------------------------------------------------------------------

    def _decode(self, data: str, status: str) -> Question:
        return replace(question_from_dict(json.loads(data)), status=status)

    def get(self, question_id: str) -> Question | None:
        row = self.conn.execute("SELECT data, status FROM questions WHERE id=?", (question_id,)).fetchone()
        return self._decode(*row) if row else None

    def by_status(self, status: str | None = None, origin: str | None = None) -> list[Question]:
        """Questions with this status (all when None), oldest first."""
        sql, params = "SELECT data, status FROM questions WHERE 1=1", []
        if status is not None:
            sql, params = sql + " AND status=?", [*params, status]
        if origin is not None:
            sql, params = sql + " AND origin=?", [*params, origin]
        rows = self.conn.execute(sql + " ORDER BY created_at, rowid", params).fetchall()
        return [self._decode(d, s) for d, s in rows]

    def count(self, status: str) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM questions WHERE status=?", (status,)).fetchone()[0]

    # ---- writing -------------------------------------------------------------------------

    def add_many(self, questions: Iterable[Question], created_by: str = "", *,
                 update: bool = True) -> AddResult:
        """Store questions in one transaction (all or nothing).

        A question already stored with the same content is left alone (re-importing a file changes
        nothing). One stored with different content is replaced when ``update`` (imports: the
        file is the organisers' master copy) and kept as it is otherwise (generation never undoes
        a reviewer's decision). An id taken by a question of another origin is refused.
        """
        questions = list(questions)
        ids = [q.id for q in questions]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise QuizError(f"题目编号重复：{'、'.join(dupes)}。")
        added, updated, unchanged = [], [], []
        now = self.clock()
        with db.write(self.conn) as conn:
            for q in questions:
                if q.status not in STATUSES:
                    raise QuizError(f"题目 {q.id} 的状态“{q.status}”无效。")
                row = conn.execute("SELECT data, status, origin FROM questions WHERE id=?", (q.id,)).fetchone()
                if row is None:
                    conn.execute(
                        "INSERT INTO questions (id, origin, status, data, created_at, created_by)"
                        " VALUES (?, ?, ?, ?, ?, ?)", (q.id, q.origin, q.status, _encode(q), now, created_by))
                    added.append(q.id)
                    continue
                if row[2] != q.origin:
                    raise QuizError(f"编号 {q.id} 已被另一道题使用，请换一个编号。")
                if _same(self._decode(row[0], row[1]), q) or not update:
                    unchanged.append(q.id)
                    continue
                conn.execute("UPDATE questions SET status=?, data=?, reviewed_at=NULL, reviewed_by=NULL"
                             " WHERE id=?", (q.status, _encode(q), q.id))
                updated.append(q.id)
        return AddResult(tuple(added), tuple(updated), tuple(unchanged))

    def set_status(self, question_id: str, status: str, reviewer: str) -> Question:
        """Approve, reject (or send back to pending) one question; returns it as now stored."""
        if status not in STATUSES:
            raise QuizError(f"状态“{status}”无效（可选：{'、'.join(STATUSES)}）。")
        with db.write(self.conn) as conn:
            row = conn.execute("SELECT data FROM questions WHERE id=?", (question_id,)).fetchone()
            if row is None:
                raise NotFound(f"没有编号为 {question_id} 的题目。")
            q = self._decode(row[0], status)
            conn.execute("UPDATE questions SET status=?, data=?, reviewed_at=?, reviewed_by=? WHERE id=?",
                         (status, _encode(q), self.clock(), reviewer, question_id))
        return q
