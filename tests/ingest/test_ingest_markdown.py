"""The corpus Markdown parser over the real shared corpus (core laws and the LawRefBook collection)."""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from ingest_testdata import CORE, LAWREFBOOK, RENFANG
from ingest.errors import NoArticlesError
from ingest.markdown import parse_markdown

# An independent count: lines that open with 第<numerals>条 (optionally 之N) and a space.
ARTICLE_LINE = re.compile(r"^第[一二三四五六七八九十百千零〇两0-9]+条(?:之[一二三四五六七八九十]+)?[ \u3000]", re.M)
EXPECTED_COUNTS = {
    "上海市民防条例(2018-12-20).md": 48, "人民防空法(2009-08-27).md": 53, "兵役法(2021-08-20).md": 65,
    "军事设施保护法(2021-06-10).md": 72, "军事设施保护法实施办法(2001-01-12).md": 53,
    "北京市人民防空条例.md": 50, "国防交通法(2016-09-03).md": 60, "国防动员法(2010-02-26).md": 72,
    "国防教育法(2018-04-27).md": 38, "国防教育法(2024-09-13).md": 42, "国防法(2020-12-26).md": 73,
    "民用运力国防动员条例(2019-03-02).md": 53, "河南省实施《人民防空法》办法(2020-06-04).md": 34,
    "浙江省实施《人民防空法》办法(2020-11-27).md": 35, "重庆市人民防空条例(2010-07-30).md": 47,
    "重庆市国防动员条例(2015-07-30).md": 49, "重庆市国防教育条例(2010-11-25).md": 37,
}


def parse(path: Path):
    return parse_markdown(path.read_text("utf-8"), path.name)


def test_core_corpus_is_what_we_expect(core_files):
    assert sorted(p.name for p in core_files) == sorted(EXPECTED_COUNTS)


@pytest.mark.parametrize("name", sorted(EXPECTED_COUNTS))
def test_core_file_parses_contiguously(shared, name):
    path = CORE / name
    law = parse(path)
    numbers = [a.number for a in law.articles]
    assert numbers == list(range(1, len(numbers) + 1)), "numbers 1..N, no gaps, no duplicates"
    assert all(a.suffix == "" for a in law.articles)
    assert len(law.articles) == len(ARTICLE_LINE.findall(path.read_text("utf-8"))) == EXPECTED_COUNTS[name]
    assert all(a.paragraphs for a in law.articles)
    has_chapters = "\n## " in path.read_text("utf-8")  # the two 实施办法 have no chapters
    assert all(bool(a.chapter) == has_chapters for a in law.articles)
    assert law.title.startswith(("中华人民共和国", "北京市", "上海市", "重庆市", "河南省", "浙江省", "民用运力"))
    assert law.history and law.version_date
    assert law.source_format == "markdown" and law.source_name == name


def test_renfang_law_details(shared):
    law = parse(RENFANG)
    assert law.title == "中华人民共和国人民防空法"
    first, last = law.articles[0], law.articles[-1]
    assert first.text.startswith("第一条 为了有效地组织人民防空，保护人民的生命和财产安全")
    assert first.chapter == ("第一章 总则",)
    assert last.text == "第五十三条 本法自1997年1月1日起施行。" and last.chapter == ("第九章 附则",)
    art2 = law.articles[1]
    assert len(art2.paragraphs) == 2 and art2.paragraphs[1].text.startswith("人民防空实行长期准备")
    art49 = law.articles[48]
    assert len(art49.paragraphs[0].items) == 7 and art49.paragraphs[0].items[0] == "（一）侵占人民防空工程的；"
    assert law.preamble == "" and law.appendix == ""


def test_core_parsing_is_fast(core_files):
    texts = [(p.read_text("utf-8"), p.name) for p in core_files]
    start = time.perf_counter()
    for text, name in texts:
        parse_markdown(text, name)
    assert time.perf_counter() - start < 0.5


@pytest.mark.slow  # every file of the national collection (3,500 laws)
def test_whole_lawrefbook_collection(shared):
    """Every file either parses into strictly increasing articles or clearly has none (~2 s)."""
    files = sorted(LAWREFBOOK.rglob("*.md"))
    assert len(files) > 3000
    parsed = refused = 0
    for path in files:
        text = path.read_text("utf-8")
        try:
            law = parse_markdown(text, path.name)
        except NoArticlesError as error:
            refused += 1
            assert path.name in str(error)
            assert not ARTICLE_LINE.search(text), path
            continue
        parsed += 1
        order = [(a.number, a.suffix) for a in law.articles]
        assert len(set(order)) == len(order), path
        assert all(a < b for a, b in zip(_keys(law), _keys(law)[1:])), path
        assert law.title and law.level, path
    assert parsed > 3000 and 0 < refused < 300


def _keys(law):
    from kb.numerals import cn_to_int
    return [(a.number, cn_to_int(a.suffix[1:]) if a.suffix else 0) for a in law.articles]


def test_markdown_without_info_end_or_title():
    law = parse_markdown("示例规定\n\n（2020年1月1日公布）\n\n第一条 甲。\n\n第二条 乙。\n", "示例.md")
    assert law.title == "示例规定" and [a.number for a in law.articles] == [1, 2]
    assert law.version_date == "2020-01-01"
    law = parse_markdown("# 示例规定\n\n2020年1月1日 公布\n\n## 第一章 总则\n\n第一条 甲。\n", "示例.md")
    assert [e.date for e in law.history] == ["2020-01-01"] and law.articles[0].chapter == ("第一章 总则",)
