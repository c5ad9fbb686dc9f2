"""DOCX: the flk-style sample, a DOCX built from the corpus Markdown, and hostile archives."""
from __future__ import annotations

import io
import zipfile

import pytest

from ingest_testdata import DOCX_SAMPLE, RENFANG
from docx_builder import build_docx, document_xml, national_style
from ingest import parse_bytes
from ingest.docx import DocxLimits, parse_docx
from ingest.errors import TooLargeError, TruncatedFileError, UnsafeFileError
from ingest.markdown import parse_markdown


@pytest.fixture(scope="module")
def sample(shared):
    return parse_docx(DOCX_SAMPLE.read_bytes(), DOCX_SAMPLE.name)


def test_sample_docx(sample):
    assert sample.title == "重要军工设施保护条例"
    assert [a.number for a in sample.articles] == list(range(1, 52))
    first, last = sample.articles[0], sample.articles[-1]
    assert first.text.startswith("第一条 为了保护重要军工设施的安全，保障重要军工设施的使用效能")
    assert "\u3000" not in first.text[:5]  # the full-width space after the label is a separator
    assert last.text == "第五十一条 本条例自2025年9月15日起施行。"
    assert sample.articles[1].paragraphs[0].items[0] == "（一）科研生产管理机构所在场所，技术研发、制造装配、维修保障场所；"
    assert sample.articles[1].paragraphs[1].text == "重要军工设施目录由国务院和中央军事委员会规定。"
    chapters = list(dict.fromkeys(a.chapter for a in sample.articles))
    assert chapters[0] == ("第一章 总则",) and chapters[-1] == ("第七章 附则",) and len(chapters) == 7
    assert (sample.level, sample.region, sample.version_date) == ("行政法规", "全国", "2025-05-19")
    assert sample.source_format == "docx"


def test_national_style_docx_matches_the_markdown(shared):
    markdown = RENFANG.read_text("utf-8")
    expected = parse_markdown(markdown, RENFANG.name)
    paragraphs = national_style(markdown)
    assert "目　　录" in paragraphs and "第一章\u3000总\u3000\u3000则" in paragraphs
    law = parse_bytes(build_docx(paragraphs), "中华人民共和国人民防空法.docx")
    assert law.title == expected.title
    key = lambda a: (a.number, a.suffix, a.text, a.chapter)  # noqa: E731
    assert [key(a) for a in law.articles] == [key(a) for a in expected.articles]
    assert [e.date for e in law.history] == [e.date for e in expected.history]
    assert law.version_date == "2009-08-27" and law.preamble == ""  # the 目录 leaves no trace
    assert law.short_names == expected.short_names and law.level == "法律"


def test_runs_tabs_and_breaks_are_joined():
    data = build_docx(["示例条例", ["第一条", "\u3000为了", "示例，", "制定本条例。"], "第二条\t甲。\n乙。"])
    law = parse_docx(data, "runs.docx")
    assert [a.text for a in law.articles] == ["第一条 为了示例，制定本条例。", "第二条 甲。\n乙。"]


def test_truncated_docx(shared):
    data = DOCX_SAMPLE.read_bytes()
    with pytest.raises(TruncatedFileError) as caught:
        parse_bytes(data[: len(data) // 2], "half.docx")
    assert str(caught.value) == "无法导入 half.docx：文件已损坏或不完整（不是有效的 DOCX）。"


def test_not_a_zip_and_missing_document():
    with pytest.raises(TruncatedFileError):
        parse_bytes("第一条 这是文本".encode(), "fake.docx")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(TruncatedFileError, match="缺少正文"):
        parse_bytes(out.getvalue(), "nodoc.docx")


def test_doctype_is_refused():
    xml = document_xml(["示例条例", "第一条 甲。"], prolog='<!DOCTYPE x [<!ENTITY a "aaaa">]>')
    with pytest.raises(UnsafeFileError, match="DOCTYPE"):
        parse_bytes(build_docx([], document=xml), "entities.docx")


def _zeros_docx(size: int) -> bytes:
    """A DOCX whose document.xml is followed by a member of ``size`` zero bytes, streamed."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("word/document.xml", document_xml(["示例条例", "第一条 甲。"]))
        with z.open("word/media/zeros.bin", "w", force_zip64=True) as member:
            chunk = bytes(1024 * 1024)
            for _ in range(size // len(chunk)):
                member.write(chunk)
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return _zeros_docx(200 * 1024 * 1024)


def test_zip_bomb_is_refused_before_decompressing(bomb, monkeypatch):
    assert len(bomb) < 2 * 1024 * 1024

    def never(*args, **kwargs):
        raise AssertionError("a member was decompressed")

    monkeypatch.setattr(zipfile.ZipFile, "open", never)
    with pytest.raises(UnsafeFileError, match="压缩炸弹"):
        parse_bytes(bomb, "bomb.docx")


def test_high_ratio_member_under_the_size_cap_is_refused():
    with pytest.raises(UnsafeFileError):
        parse_docx(_zeros_docx(8 * 1024 * 1024), "ratio.docx")


def test_total_uncompressed_size_cap():
    data = build_docx(["示例条例", "第一条 " + "甲" * 5000])
    with pytest.raises(TooLargeError):
        parse_docx(data, "big.docx", limits=DocxLimits(max_uncompressed=10_000))
    assert parse_docx(data, "big.docx").articles[0].number == 1



def _understate(data: bytes, member: bytes, size: int) -> bytes:
    """Rewrite the uncompressed size of ``member`` in its local header and directory entry."""
    out = bytearray(data)
    # (signature, offset of the uncompressed size, offset of the name length, offset of the name)
    for sig, size_at, name_len_at, name_at in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        start = out.find(sig)
        while start != -1:
            name_len = int.from_bytes(out[start + name_len_at:start + name_len_at + 2], "little")
            if out[start + name_at:start + name_at + name_len] == member:
                out[start + size_at:start + size_at + 4] = size.to_bytes(4, "little")
            start = out.find(sig, start + 4)
    return bytes(out)


def test_lying_zip_directory_cannot_inflate_past_the_declared_size():
    """A directory understating document.xml's size: reading stops there and the CRC check fails."""
    xml = document_xml(["示例条例"] + [f"第{n}条 甲。" for n in range(1, 2000)])
    liar = _understate(build_docx([], document=xml), b"word/document.xml", 1000)
    assert zipfile.ZipFile(io.BytesIO(liar)).getinfo("word/document.xml").file_size == 1000
    with pytest.raises(TruncatedFileError):
        parse_docx(liar, "liar.docx")


def test_doctype_in_utf16_xml_is_refused():
    xml = document_xml(["示例条例", "第一条 甲。"], prolog='<!DOCTYPE x [<!ENTITY a "aaaa">]>')
    xml = xml.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", xml.encode("utf-16"))
    with pytest.raises(UnsafeFileError):
        parse_docx(out.getvalue(), "utf16.docx")
