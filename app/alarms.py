"""The three air-defence alarm signals, defined once for every channel: their on/off patterns,
how to recognise them, and what to do on hearing them.

The patterns are those of the national air-defence alarm signal rules (预先警报 鸣36秒停24秒 ×3;
空袭警报 鸣6秒停6秒 ×15; 解除警报 连续鸣3分钟), named as the curated FAQ pairs name them
(``kb/data/faq_seed.jsonl``), with the same advice. The web's 6·5 page synthesises each signal
from :attr:`Signal.pattern`; other channels may quote :attr:`Signal.description`.
"""
from __future__ import annotations

from dataclasses import dataclass

SOURCE = "国家人民防空办公室统一规定的防空警报信号（各地防空警报试鸣公告均载明）"  # as kb/data/faq_seed.jsonl


@dataclass(frozen=True)
class Signal:
    key: str
    name: str
    on_seconds: int
    off_seconds: int
    repeats: int
    description: str
    what_to_do: str

    @property
    def total_seconds(self) -> int:
        """Length of the whole signal (the last silence not counted for a continuous tone)."""
        return self.repeats * (self.on_seconds + self.off_seconds)

    @property
    def pattern(self) -> tuple[tuple[int, int], ...]:
        """(seconds sounding, seconds silent) for each cycle, in order."""
        return tuple((self.on_seconds, self.off_seconds) for _ in range(self.repeats))


SIGNALS = (
    Signal("warning", "预先警报", 36, 24, 3, "鸣 36 秒、停 24 秒，反复 3 遍，时间 3 分钟。",
           "表示敌机可能来袭：应迅速做好防空准备，按照指定的路线和地点，有组织地进入人防工程或疏散。"),
    Signal("air_raid", "空袭警报", 6, 6, 15, "鸣 6 秒、停 6 秒，反复 15 遍，时间 3 分钟。",
           "应立即就近进入人防工程、地下室等坚固的掩蔽场所，来不及的就近利用地形地物隐蔽。"),
    Signal("all_clear", "解除警报", 180, 0, 1, "连续鸣放 3 分钟。",
           "表示空袭危险已经过去，可有序离开掩蔽场所。"),
)


def signal(key: str) -> Signal:
    return next(s for s in SIGNALS if s.key == key)
