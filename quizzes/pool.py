"""Is a campaign's draw pool large enough for the number of people who will see it?

At a university campaign the questions circulate in class WeChat groups within minutes: with a
pool of 30 questions and 10 per round, the second student of a class has seen a third of
their questions already. The warning asks for a pool many times the round's size, more so
when many participants are expected (the headcounts). Used by every way of creating a campaign
(CLI, web console); pure.
"""
from __future__ import annotations

MIN_RATIO = 5  # pool / questions per round below which every campaign is warned
LARGE_RATIO = 10  # … and for a campaign expecting more than LARGE participants
LARGE = 1000


def pool_warning(pool: int, per_round: int, expected: int = 0) -> str | None:
    """A Chinese warning, or None when the pool is large enough."""
    wanted = per_round * (LARGE_RATIO if expected > LARGE else MIN_RATIO)
    if pool >= wanted:
        return None
    who = f"预计 {expected} 人参加，" if expected else ""
    return (f"注意：题目范围内只有 {pool} 道已审核的题，每轮抽 {per_round} 道；{who}题目很快会在群里流传，"
            f"建议扩充到至少 {wanted} 道（可放宽标签，或导入、审核更多题目）。")
