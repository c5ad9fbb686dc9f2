"""Quiz test helpers: a movable clock, generated questions, a campaign spec, playing a round."""
from __future__ import annotations

import json

from quizzes.engine import CampaignSpec
from quizzes.model import Basis, Question, question_to_dict

T0 = 1_906_000_000.0  # 2030-05-25 (UTC); campaigns from spec() run from T0 + 1000 for a day


class Clock:
    def __init__(self, now: float = T0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


def make_question(i: int, topic: str = "alarm", **kw) -> Question:
    values = dict(id=f"{topic}-{i:03d}", stem=f"{topic} 第{i}题？", options=("甲", "乙", "丙", "丁"),
                  correct=(i % 4,), explanation=f"解析{i}", topic=topic, difficulty="easy",
                  audience=("public", "student"),
                  basis=(Basis("中华人民共和国人民防空法", 1 + i % 3),))
    values.update(kw)
    return Question(**values)


def spec(**kw) -> CampaignSpec:
    values = dict(code="CQU2030", name="重庆大学 6·5 防空知识竞赛", starts_at=T0 + 1000, ends_at=T0 + 86400,
                  question_count=5, seconds_per_question=20, pass_mark=3)
    values.update(kw)
    return CampaignSpec(**values)


def play(engine, attempt, clock, correct_positions=None, wrong=(), think=2.0, user=None):
    """Answer every item of ``attempt``: right, except positions in ``wrong``; returns the result."""
    user = user or attempt.user_ref
    while (item := engine.present(attempt.id)) is not None:
        clock.advance(think)
        shown = item.correct_shown
        if item.position in wrong:
            shown = (next(i for i in range(len(item.order)) if i not in item.correct_shown),)
        res = engine.answer(attempt.id, item.position, shown, user)
        assert res.status == "accepted"
    return engine.finish(attempt.id)


def store_questions(engine, questions, created_at: float = 1.0) -> None:
    """Rows in the questions table, as imports and generated drafts arrive there."""
    engine.conn.executemany(
        "INSERT INTO questions(id, origin, status, data, created_at) VALUES (?, ?, ?, ?, ?)",
        [(q.id, q.origin, q.status, json.dumps(question_to_dict(q), ensure_ascii=False), created_at)
         for q in questions])


def load_core(path):
    """The real core corpus in a statute store (lookup only: no index, no model)."""
    from ingest.loader import expand_paths, load_files
    from kb.store import Store

    from tests.helpers.paths import CORE

    store = Store(path)
    assert not load_files(store, expand_paths([CORE])).failures
    return store
