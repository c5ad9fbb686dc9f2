"""The three air-defence alarm signals, defined once for every channel: their on/off patterns,
how to recognise them, and what to do on hearing them.

The patterns are those of the national air-defence alarm signal rules (预先警报 鸣36秒停24秒 ×3;
空袭警报 鸣6秒停6秒 ×15; 解除警报 连续鸣3分钟). The web's 6·5 page synthesises each signal from
:attr:`Signal.pattern`; reminders and quiz explanations may quote :attr:`Signal.description`.
"""
from __future__ import annotations

from dataclasses import dataclass

SOURCE = "国家人民防空办公室发布的防空警报信号规定"


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
           "保持镇静，迅速做好防空准备：关闭水、电、气和火源，带上必需的生活用品和证件，"
           "听从指挥，按指定路线有序进入人民防空工程或疏散地域。"),
    Signal("air_raid", "空袭警报", 6, 6, 15, "鸣 6 秒、停 6 秒，反复 15 遍，时间 3 分钟。",
           "立即就近进入人民防空工程或其他防护场所；来不及进入时，迅速利用附近地形地物就地隐蔽，"
           "不要在街上停留或围观。"),
    Signal("all_clear", "解除警报", 180, 0, 1, "连续鸣放 3 分钟。",
           "空袭威胁已经解除：听从人民防空部门的指挥，有序离开防护场所，恢复正常的生产、生活秩序，"
           "注意防范次生灾害。"),
)


def signal(key: str) -> Signal:
    return next(s for s in SIGNALS if s.key == key)
