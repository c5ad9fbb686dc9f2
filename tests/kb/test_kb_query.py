"""Question understanding: article references in the forms people type, law names, places."""
from __future__ import annotations

import pytest

from kb.model import Law
from kb.query import LawCatalog, detect_regions, understand

LAWS = [
    Law(1, "中华人民共和国人民防空法", ("人防法", "人民防空法"), "法律", "全国", 1, "2009-08-27", "现行有效"),
    Law(2, "中华人民共和国国防动员法", ("国防动员法",), "法律", "全国", 2, "2010-02-26", "现行有效"),
    Law(3, "重庆市人民防空条例", ("重庆人防条例",), "地方性法规", "重庆市", 3, "2010-07-30", "现行有效"),
    Law(4, "北京市人民防空条例", ("北京人防条例",), "地方性法规", "北京市", 4, "2002-03-29", "现行有效"),
    Law(5, "中华人民共和国国防教育法", ("国防教育法",), "法律", "全国", 5, "2024-09-13", "现行有效"),
    Law(6, "中华人民共和国军事设施保护法", ("军事设施保护法",), "法律", "全国", 6, "2021-06-10", "现行有效"),
    Law(7, "民用运力国防动员条例", (), "行政法规", "全国", 7, "2019-03-02", "现行有效"),
    Law(8, "浙江省实施《中华人民共和国人民防空法》办法", ("浙江人防办法",), "地方性法规", "浙江省", 8,
        "2020-11-27", "现行有效"),
]
CATALOG = LawCatalog.from_laws(LAWS)


@pytest.mark.parametrize("question, law_id, number", [
    ("人防法第二十二条", 1, 22),
    ("人民防空法第22条讲的是什么", 1, 22),
    ("《国防动员法》第四十九条", 2, 49),
    ("重庆人防条例第三十条说了啥", 3, 30),
    ("重庆市人民防空条例第四十二条", 3, 42),
    ("新修订的国防教育法第十五条", 5, 15),
    ("军事设施保护法第20条是什么", 6, 20),
    ("《中华人民共和国人民防空法》第二十八条", 1, 28),
    ("人防法 第 一百零一 条", 1, 101),
    ("人防法第２２条", 1, 22),
    ("民用运力动员条例第三十九条讲什么", 7, 39),  # loosely written name
    ("浙江人防实施办法第12条", 8, 12),
    ("北京人防条例第四十四条", 4, 44),
    ("国动法第五十六条", 2, 56),  # abbreviations in common use
    ("军设法第十七条说了什么", 6, 17),
])
def test_reference_forms(question, law_id, number):
    info = understand(question, CATALOG)
    assert [(r.law_id, r.number) for r in info.refs] == [(law_id, number)]


def test_bare_article_number_without_law_is_unresolved():
    (ref,) = understand("第22条是什么意思", CATALOG).refs
    assert ref.law_id is None and ref.number == 22


def test_suffix_and_cross_reference():
    (ref,) = understand("人防法第二十条之一", CATALOG).refs
    assert (ref.number, ref.suffix) == (20, "之一")


def test_shared_short_name_prefers_named_then_home_region():
    assert understand("人防条例第十条", CATALOG, "重庆市").refs[0].law_id == 3
    assert understand("北京的人防条例第十条", CATALOG, "重庆市").refs[0].law_id == 4


def test_places_and_home_districts():
    assert detect_regions("我在渝北开了个超市", "重庆市") == ("重庆市",)
    assert detect_regions("北京和上海有什么不同", "重庆市") == ("北京市", "上海市")
    assert detect_regions("防空洞能租吗", "重庆市") == ()


def test_a_city_names_its_province():
    """A question from 郑州 or 杭州 is under 河南's or 浙江's regulation, not the home region's."""
    assert detect_regions("郑州的防空地下室能出租吗", "重庆市") == ("河南省",)
    assert detect_regions("我在杭州萧山，防空警报哪天试鸣", "重庆市") == ("浙江省",)
    assert detect_regions("浦东新区人防工程谁管", "重庆市") == ("上海市",)
    assert detect_regions("成都人在沙坪坝租了个地下室", "重庆市") == ("四川省", "重庆市")


def test_law_names_detected_and_removed_from_residual():
    info = understand("国防教育法里学校要做什么", CATALOG)
    assert info.law_ids == (5,)
    assert "国防教育法" not in info.residual


@pytest.mark.parametrize("question, refs", [
    ("国防动员法12条", [(2, 12)]),  # no 第
    ("《国防动员法》12", [(2, 12)]),  # neither 第 nor 条
    ("人民防空法第卅条", [(1, 30)]),  # 卅 = 30
    ("人防法第廿七条", [(1, 27)]),
    ("国动法 第 8 条", [(2, 8)]),
    ("人防法第二十条第一款", [(1, 20)]),  # the paragraph does not change the article
    ("人防法十二", [(1, 12)]),
    ("人防法的第12条", [(1, 12)]),
    ("人防法12条和22条", [(1, 12), (1, 22)]),  # a list after one law name
    ("重庆人防条例30条说啥", [(3, 30)]),
])
def test_careless_reference_forms(question, refs):
    assert [(r.law_id, r.number) for r in understand(question, CATALOG).refs] == refs


@pytest.mark.parametrize("question", ["人防法2009年修订了吗", "人防法三令五申", "国防教育法规定每年几月搞活动",
                                      "人防法有一条说不能拆"])
def test_numbers_that_are_not_references(question):
    assert understand(question, CATALOG).refs == ()
