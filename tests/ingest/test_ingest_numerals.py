"""kb.numerals: Chinese and Arabic numerals both ways."""
from __future__ import annotations

import pytest

from kb.numerals import cn_to_int, int_to_cn


@pytest.mark.parametrize("text, value", [
    ("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("二十二", 22), ("一百", 100),
    ("一百零一", 101), ("一百一十", 110), ("二百一十", 210), ("三千", 3000), ("一千零一", 1001),
    ("两百", 200), ("零", 0), ("〇", 0), ("二〇二四", 2024), ("一万零五", 10005),
    ("22", 22), ("２２", 22), (" 7 ", 7),
])
def test_cn_to_int(text, value):
    assert cn_to_int(text) == value


@pytest.mark.parametrize("bad", ["", "条", "十a", "1.5", "-3"])
def test_cn_to_int_rejects(bad):
    with pytest.raises(ValueError):
        cn_to_int(bad)


@pytest.mark.parametrize("value, text", [
    (1, "一"), (10, "十"), (11, "十一"), (20, "二十"), (22, "二十二"), (100, "一百"), (101, "一百零一"),
    (110, "一百一十"), (115, "一百一十五"), (1001, "一千零一"), (1010, "一千零一十"), (0, "零"),
    (10000, "一万"), (10005, "一万零五"),
])
def test_int_to_cn(value, text):
    assert int_to_cn(value) == text


def test_round_trip():
    assert all(cn_to_int(int_to_cn(n)) == n for n in range(0, 3000))
