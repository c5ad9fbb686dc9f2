"""Article segmentation: boundaries, cross-references, 之一 suffixes, 款/项, chapters, appendices."""
from __future__ import annotations

from ingest.markdown import parse_markdown
from ingest.plaintext import parse_text
from ingest.structure import Heading, heading_of, normalize_heading, segment, strip_toc
from kb.model import Paragraph


def by_key(law):
    return {a.key: a for a in law.articles}


def test_cross_references_never_start_articles(fixture_text):
    law = parse_markdown(fixture_text("tiny_crossref.md"), "tiny_crossref.md")
    assert [a.key for a in law.articles] == ["1", "2", "3", "3之一", "3之二", "4", "5", "6", "7"]
    arts = by_key(law)
    assert arts["2"].paragraphs == (Paragraph("依照本法第五条的规定办理。"), Paragraph("第五条规定的情形除外。"))
    assert arts["4"].paragraphs[-1].text == "第五条规定的期限，不适用本条。"
    assert arts["5"].text == "第五条 依照本法第四条和第三条之一执行。"


def test_zhiyi_suffixes(fixture_text):
    arts = by_key(parse_markdown(fixture_text("tiny_crossref.md"), "x.md"))
    assert (arts["3之一"].number, arts["3之一"].suffix, arts["3之一"].label) == (3, "之一", "第三条之一")
    assert arts["3之二"].text == "第三条之二 用全角空格分隔的条文。"


def test_paragraphs_and_items(fixture_text):
    art = by_key(parse_markdown(fixture_text("tiny_crossref.md"), "x.md"))["3"]
    assert art.paragraphs == (
        Paragraph("有下列情形之一的，依照本法处理：", ("（一）甲情形；", "（二）乙情形。")),
        Paragraph("前款规定的情形，由主管部门认定。"),
    )
    assert art.text == ("第三条 有下列情形之一的，依照本法处理：\n（一）甲情形；\n（二）乙情形。\n"
                        "前款规定的情形，由主管部门认定。")


def test_chapters_and_sections(fixture_text):
    arts = by_key(parse_markdown(fixture_text("tiny_crossref.md"), "x.md"))
    assert arts["1"].chapter == ("第一章 总则",)  # full-width and letter-spacing normalised
    assert arts["4"].chapter == ("第二章 分则", "第一节 一般规定")
    assert arts["6"].chapter == ("第二章 分则", "第二节 特别规定")
    assert arts["7"].chapter == ("第三章 附则",)  # a new chapter drops the previous section


def test_arabic_and_full_width_numbers_and_dunhao_items(fixture_text):
    law = parse_text(fixture_text("tiny_arabic.txt"), "tiny_arabic.txt")
    assert law.title == "示例管理办法"
    assert [(a.number, a.label) for a in law.articles] == [(1, "第一条"), (2, "第二条"), (3, "第三条")]
    assert law.articles[1].paragraphs == (Paragraph("本办法所称示例，包括：", ("一、文字；", "二、图片。")),)
    assert law.articles[2].paragraphs == (Paragraph("本办法自公布之日起施行。"),)
    assert law.articles[0].chapter == ("第一章 总则",)
    assert [e.date for e in law.history] == ["2019-05-01", "2021-03-02"]


def test_article_numbers_must_increase():
    seg = segment(["第一条 甲。", "第二条 乙。", "第一条 重复的不是新条文。", "第三条 丙。"])
    assert [a.number for a in seg.articles] == [1, 2, 3]
    assert seg.articles[1].paragraphs[-1].text == "第一条 重复的不是新条文。"


def test_gap_in_numbering_needs_a_separator():
    seg = segment(["第一条 甲。", "第九条规定的除外。", "第九条由国务院规定。", "第二条 乙。", "第九条 丙。"])
    assert [a.number for a in seg.articles] == [1, 2, 9]


def test_label_on_its_own_line():
    seg = segment(["第一条", "单独成行的正文。", "第二条 乙。"])
    assert seg.articles[0].paragraphs == (Paragraph("单独成行的正文。"),)


def test_articles_run_into_one_line_are_split():
    seg = segment(["第一条 甲。 第二条 乙。 依照第三条 规定。", "第三条 丙。"])
    assert [a.text for a in seg.articles] == ["第一条 甲。", "第二条 乙。 依照第三条 规定。", "第三条 丙。"]


def test_preamble_and_appendix():
    seg = segment(["序言正文。", Heading("第一章 总则"), "第一条 甲。", "附件：示例表", "第一条 附件里的条文"])
    assert seg.preamble == ("序言正文。",)
    assert [a.text for a in seg.articles] == ["第一条 甲。"]
    assert seg.appendix == ("附件：示例表", "第一条 附件里的条文")


def test_heading_detection():
    assert heading_of("第二章　防护重点") == "第二章 防护重点"
    assert heading_of("第五章法律责任") == "第五章 法律责任"
    assert heading_of("第一编 总则") == "第一编 总则"
    assert heading_of("第二章规定的情形除外。") is None
    assert heading_of("第三节的规定，适用于本章") is None
    assert normalize_heading("第七章\u3000附\u3000\u3000则") == "第七章 附则"
    assert normalize_heading("第五章  军用通信、输电线路") == "第五章 军用通信、输电线路"


def test_table_of_contents_is_dropped():
    lines = ["目　　录", "第一章　总　　则", "第二章　管理", "第一章　总　　则", "第一条 甲。", "第二章　管理", "第二条 乙。"]
    assert strip_toc(lines) == lines[3:]
    seg = segment(strip_toc(lines))
    assert [a.chapter for a in seg.articles] == [("第一章 总则",), ("第二章 管理",)]
