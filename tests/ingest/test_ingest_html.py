"""HTML pages: the gov.cn statute page, the flk.npc.gov.cn JavaScript shell, scripts and encodings."""
from __future__ import annotations

import re

import pytest

from ingest_testdata import FIXTURES, FLK_SHELL_SAMPLE, GOVCN_SAMPLE
from ingest import parse_bytes
from ingest.errors import NoArticlesError
from ingest.htmlpage import decode_html, parse_html

NAV_WORDS = ("首页", "无障碍", "中国政府网", "版权所有", "网站纠错", "国务院客户端", "字号", "京ICP备", "|")


@pytest.fixture(scope="module")
def govcn(shared):
    return parse_html(GOVCN_SAMPLE.read_bytes(), GOVCN_SAMPLE.name)


def test_govcn_title_and_articles(govcn):
    html = GOVCN_SAMPLE.read_text("utf-8")
    distinct_labels = set(re.findall(r"<strong>(第[一二三四五六七八九十百]+条)</strong>", html))
    assert govcn.title == "电子招标投标办法"
    assert len(govcn.articles) == len(distinct_labels) == 66  # the hidden print copy is not counted twice
    assert [a.number for a in govcn.articles] == list(range(1, 67))
    assert govcn.articles[0].text.startswith("第一条 为了规范电子招标投标活动")
    assert govcn.articles[-1].text == "第六十六条 本办法自2013年5月1日起施行。"
    assert govcn.source_format == "html"


def test_govcn_structure(govcn):
    assert govcn.articles[0].chapter == ("第一章 总则",)
    assert govcn.articles[-1].chapter == ("第九章 附则",)
    art2 = govcn.articles[1]
    assert [p.text[:7] for p in art2.paragraphs] == ["在中华人民共和", "本办法所称电子", "数据电文形式与"]
    assert govcn.appendix.startswith("附件：《电子招标投标系统技术规范")


def test_govcn_has_no_navigation_text(govcn):
    texts = [a.text for a in govcn.articles] + [govcn.preamble, govcn.title]
    assert not [t for t in texts for word in NAV_WORDS if word in t]
    assert "发展改革委主任" not in govcn.preamble  # the promulgation order is not the statute


def test_govcn_metadata(govcn):
    assert govcn.version_date == "2013-02-04"  # the date under the order's signatures
    assert govcn.level == "部门规章" and govcn.region == "全国"


def test_flk_shell_is_refused_with_a_hint(shared):
    with pytest.raises(NoArticlesError) as caught:
        parse_bytes(FLK_SHELL_SAMPLE.read_bytes(), FLK_SHELL_SAMPLE.name)
    message = str(caught.value)
    assert FLK_SHELL_SAMPLE.name in message and "不含法规正文" in message and "DOCX" in message
    assert "\n" not in message


def test_scripts_styles_and_noscript_never_reach_the_text():
    law = parse_bytes((FIXTURES / "sample_script.html").read_bytes(), "sample_script.html")
    assert law.title == "示例条例"
    assert [a.text for a in law.articles] == [
        "第一条 为了示例，制定本条例。",
        "第二条 本条例适用于示例。\n示例应当真实。",
        "第三条 本条例自公布之日起施行。",
    ]
    everything = " ".join([law.title, law.preamble, law.appendix, *(a.text for a in law.articles)])
    assert "假条文" not in everything and "也是假的" not in everything and "启用脚本" not in everything
    assert law.history[0].date == "2020-01-01" and law.level == "行政法规"


def test_encoding_from_meta_charset_and_fallback():
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>'
            "<body><h1>示例规定</h1><p>第一条 编码测试。</p><p>第二条 第二条文。</p></body></html>")
    data = page.encode("gbk")
    assert decode_html(data).count("编码测试") == 1
    law = parse_bytes(data, "gbk.html")
    assert law.title == "示例规定" and law.articles[0].text == "第一条 编码测试。"
    no_meta = page.replace("charset=gb2312", "").encode("gb18030")
    assert parse_bytes(no_meta, "nometa.htm").articles[1].text == "第二条 第二条文。"


def test_title_from_page_title_when_the_body_has_none():
    page = ("<html><head><title>示例办法_某网站</title></head>"
            "<body><div><p>第一条 甲。</p><p>第二条 乙。</p></div></body></html>")
    assert parse_html(page, "t.html").title == "示例办法"
