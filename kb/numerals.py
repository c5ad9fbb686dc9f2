"""Chinese numerals <-> integers, for article numbers (第二十二条), dates and citations.

Statutes number articles in Chinese (第一百零一条), people type Arabic (第101条, full-width
第１０１条 too), and stable ids use integers; this module converts both ways, with no
dependencies so that both ``kb`` and ``ingest`` can use it.
"""
from __future__ import annotations

import re
from functools import lru_cache

_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
           "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "拾": 10, "百": 100, "千": 1000}
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_CN_DIGITS = "零一二三四五六七八九"

# Old forms still typed for the tens: 廿 (20), 卅 (30), 卌 (40).
_OLD_TENS_VALUE = {"廿": "二十", "卅": "三十", "卌": "四十"}
_OLD_TENS = re.compile("[廿卅卌]")

#: Characters that may appear in a numeral accepted by :func:`cn_to_int` (handy for regexes).
NUMERAL_CHARS = "".join(_DIGITS) + "十百千万廿卅卌" + "0123456789０１２３４５６７８９"


@lru_cache(maxsize=4096)
def cn_to_int(s: str) -> int:
    """Convert a Chinese or Arabic numeral to an int.

    Accepts 十二, 二十, 一百零一, 二百一十, 三千, 两百, 一万零五, digit strings such as
    二〇二四, and Arabic digits (ASCII or full-width). Raises ValueError otherwise.
    """
    text = s.strip()
    if not text:
        raise ValueError("empty numeral")
    text = _OLD_TENS.sub(lambda m: _OLD_TENS_VALUE[m.group()], text)  # 卅五 -> 三十五
    arabic = text.translate(_FULLWIDTH)
    if arabic.isascii():
        if arabic.isdigit():
            return int(arabic)
        raise ValueError(f"not a numeral: {s!r}")
    if len(text) > 1 and all(ch in _DIGITS for ch in text):
        return int("".join(str(_DIGITS[ch]) for ch in text))  # 二〇二四 -> 2024
    return _positional(text, s)


def _positional(text: str, original: str) -> int:
    total = section = 0
    digit: int | None = None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            section += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
        elif ch == "万":
            total += (section + (digit or 0)) * 10000
            section, digit = 0, None
        else:
            raise ValueError(f"not a numeral: {original!r}")
    return total + section + (digit or 0)


@lru_cache(maxsize=4096)
def int_to_cn(n: int) -> str:
    """Write a non-negative int in Chinese: 10 -> 十, 22 -> 二十二, 101 -> 一百零一, 110 -> 一百一十."""
    if n < 0:
        raise ValueError("negative numbers are not supported")
    if n == 0:
        return "零"
    if n >= 10000:
        high, low = divmod(n, 10000)
        if not low:
            return f"{int_to_cn(high)}万"
        zero = "零" if low < 1000 else ""
        return f"{int_to_cn(high)}万{zero}{_below_10000(low, leading=False)}"
    return _below_10000(n, leading=True)


def _below_10000(n: int, *, leading: bool) -> str:
    parts: list[str] = []
    pending_zero = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d, n = divmod(n, unit)
        if not d:
            pending_zero = bool(parts)
            continue
        if pending_zero:
            parts.append("零")
            pending_zero = False
        if not (unit == 10 and d == 1 and not parts and leading):
            parts.append(_CN_DIGITS[d])
        parts.append(name)
    return "".join(parts)
