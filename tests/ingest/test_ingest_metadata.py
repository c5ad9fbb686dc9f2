"""Metadata: titles, version dates, history, level, region and short names."""
from __future__ import annotations

import pytest

from ingest_testdata import CORE
from ingest.markdown import parse_markdown
from ingest.metadata import (filename_date, history_events, law_level, law_region, short_names,
                             version_date)
from kb.model import HistoryEvent


def core(name: str):
    path = CORE / name
    return parse_markdown(path.read_text("utf-8"), path.name)


def test_renfang_law(shared):
    law = core("人民防空法(2009-08-27).md")
    assert law.short_names[0] == "人防法" and "人民防空法" in law.short_names
    assert (law.level, law.region, law.status) == ("法律", "全国", "现行有效")
    assert law.version_date == "2009-08-27"
    assert law.history == (
        HistoryEvent("1996-10-29", "1996年10月29日 第八届全国人民代表大会常务委员会第二十二次会议通过"),
        HistoryEvent("2009-08-27", "2009年8月27日 第十一届全国人民代表大会常务委员会第十次会议《关于修改部分法律的决定》修正"),
    )


def test_chongqing_regulation(shared):
    law = core("重庆市人民防空条例(2010-07-30).md")
    assert (law.level, law.region) == ("地方性法规", "重庆市")
    assert {"重庆人防条例", "重庆市人防条例", "重庆人民防空条例"} <= set(law.short_names)
    assert law.version_date == "2010-07-30"  # the file name wins over the last history date
    assert law.history[-1].date == "2010-07-23"
    assert law.history[1].text.endswith("第一次修正")  # the stray trailing 根据 is dropped


def test_version_date_from_history_when_the_file_name_has_none(shared):
    law = core("北京市人民防空条例.md")
    assert law.version_date == "2002-03-29"
    assert (law.level, law.region) == ("地方性法规", "北京市")
    assert "北京人防条例" in law.short_names


def test_henan_implementing_measures(shared):
    law = core("河南省实施《人民防空法》办法(2020-06-04).md")
    assert law.title == "河南省实施《中华人民共和国人民防空法》办法"
    assert law.short_names[0] == "河南人防办法"
    assert "河南省实施《人民防空法》办法" in law.short_names
    assert law.version_date == "2020-06-04" and law.history[-1].date == "2020-06-03"


@pytest.mark.parametrize("name, level, region", [
    ("国防法(2020-12-26).md", "法律", "全国"),
    ("军事设施保护法实施办法(2001-01-12).md", "行政法规", "全国"),
    ("民用运力国防动员条例(2019-03-02).md", "行政法规", "全国"),
    ("上海市民防条例(2018-12-20).md", "地方性法规", "上海市"),
    ("浙江省实施《人民防空法》办法(2020-11-27).md", "地方性法规", "浙江省"),
])
def test_levels_and_regions(shared, name, level, region):
    law = core(name)
    assert (law.level, law.region) == (level, region)


def test_level_rules():
    assert law_level("最高人民法院关于审理案件的解释", "", "全国") == "司法解释"
    assert law_level("某某规定", "2020年1月1日最高人民检察院第十三届检察委员会通过", "全国") == "司法解释"
    assert law_level("中华人民共和国民法典", "", "全国") == "法律"
    assert law_level("中华人民共和国某某法实施办法", "国务院令第1号公布", "全国") == "行政法规"
    assert law_level("重要军工设施保护条例", "", "全国") == "行政法规"
    assert law_level("某某管理办法", "中华人民共和国公安部令第12号", "全国") == "部门规章"
    assert law_level("重庆市某某办法", "重庆市人民政府令第1号公布", "重庆市") == "地方政府规章"
    assert law_level("某某指引", "", "全国") == "其他"


def test_regions():
    assert law_region("广西壮族自治区人民防空条例") == "广西壮族自治区"
    assert law_region("洛阳市城市绿化条例", "2000年1月1日 洛阳市第十一届人民代表大会常务委员会通过") == "洛阳市"
    assert law_region("农村集市贸易管理办法") == "全国"
    assert law_region("关于某事项的决定", "上海市第十五届人民代表大会常务委员会第八次会议通过") == "上海市"


def test_short_names():
    assert short_names("中华人民共和国国防教育法") == ("国防教育法",)
    assert short_names("中华人民共和国民事诉讼法")[:2] == ("民诉法", "民事诉讼法")
    assert short_names("民用运力国防动员条例") == ()
    assert short_names("上海市民防条例", "上海市") == ("上海民防条例",)


def test_dates():
    assert filename_date("国防教育法(2024-09-13).md") == "2024-09-13"
    assert filename_date("重要军工设施保护条例_20250519.docx") == "2025-05-19"
    assert filename_date("北京市人民防空条例.md") is None
    events = (HistoryEvent("2001-01-01", "a"), HistoryEvent("2009-08-27", "b"))
    assert version_date("x.md", events) == "2009-08-27"
    assert version_date("x.md", (), "2013-02-04") == "2013-02-04"


def test_parenthesised_history_is_split_into_events():
    line = ("（2001年12月29日第九届全国人民代表大会常务委员会第二十五次会议通过　根据2009年8月27日第十一届"
            "全国人民代表大会常务委员会第十次会议《关于修改部分法律的决定》第一次修正　二〇二一年四月二十九日"
            "第十三届全国人民代表大会常务委员会第二十八次会议修订）")
    events = history_events([line])
    assert [e.date for e in events] == ["2001-12-29", "2009-08-27", "2021-04-29"]
    assert events[1].text.startswith("2009年8月27日第十一届") and events[2].text.endswith("会议修订")


def test_effective_date_stays_with_its_event():
    (event,) = history_events(["（2020年12月23日最高人民法院审判委员会第1823次会议通过，自2021年1月1日起施行）"])
    assert event.date == "2020-12-23" and event.text.endswith("起施行")
