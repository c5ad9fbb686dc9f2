"""parse_bytes / parse_path: format choice, encodings, limits and bad input."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from ingest_testdata import DOCX_SAMPLE, FIXTURES, RENFANG
from ingest import Limits, parse_bytes, parse_path
from ingest.errors import (DecodeError, EmptyFileError, IngestError, NoArticlesError, TooLargeError,
                           UnsupportedFormatError)
from ingest.markdown import parse_markdown


def articles(law):
    return [(a.number, a.suffix, a.text, a.chapter) for a in law.articles]


@pytest.fixture(scope="module")
def renfang(shared):
    text = RENFANG.read_text("utf-8")
    return text, parse_markdown(text, RENFANG.name)


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-16", "utf-8-sig", "utf-16-be"])
def test_markdown_in_other_encodings(renfang, encoding):
    text, expected = renfang
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    law = parse_bytes(data, RENFANG.name)
    assert law.title == expected.title and articles(law) == articles(expected)
    assert law.version_date == "2009-08-27"


def test_format_is_sniffed_without_a_useful_extension(renfang, shared):
    text, expected = renfang
    assert articles(parse_bytes(text.encode(), "upload")) == articles(expected)
    assert parse_bytes(text.encode(), "renfang.txt").source_format == "markdown"
    assert parse_bytes(DOCX_SAMPLE.read_bytes(), "upload").source_format == "docx"
    page = (FIXTURES / "sample_script.html").read_bytes()
    assert parse_bytes(page, "upload").source_format == "html"
    assert parse_bytes(page, "page.txt").source_format == "html"


def test_plain_text_upload(fixture_text):
    law = parse_bytes(fixture_text("tiny_arabic.txt").encode("gb18030"), "示例.txt")
    assert law.source_format == "text" and law.title == "示例管理办法" and len(law.articles) == 3


@pytest.mark.parametrize("data", [b"", b"   \n\r\n\t  "])
def test_empty_file(data):
    with pytest.raises(EmptyFileError) as caught:
        parse_bytes(data, "empty.md")
    assert str(caught.value) == "无法导入 empty.md：文件是空的。"


def test_binary_garbage():
    noise = random.Random(7).randbytes(4096)
    with pytest.raises((UnsupportedFormatError, DecodeError)):
        parse_bytes(noise, "noise.txt")
    controls = bytes(range(1, 9)) * 200 + "第一条 甲。".encode()
    with pytest.raises(DecodeError):
        parse_bytes(controls, "controls.md")


@pytest.mark.parametrize("name, data", [
    ("law.pdf", b"%PDF-1.7\n..."),
    ("law.txt", b"%PDF-1.4 disguised"),
    ("setup.exe", b"MZ\x90\x00\x03"),
    ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100)),
    ("table.xlsx", "第一条 甲。".encode()),
])
def test_unsupported_formats(name, data):
    with pytest.raises(UnsupportedFormatError) as caught:
        parse_bytes(data, name)
    assert name in str(caught.value)


def test_text_without_articles():
    with pytest.raises(NoArticlesError):
        parse_bytes("# 通知\n\n请大家注意防空警报试鸣。\n".encode(), "notice.md")


def test_size_limit_is_checked_before_parsing():
    data = "# 示例法\n\n第一条 甲。\n".encode()
    assert parse_bytes(data, "ok.md", limits=Limits(max_file_bytes=len(data))).articles
    with pytest.raises(TooLargeError, match="超过"):
        parse_bytes(data, "big.md", limits=Limits(max_file_bytes=len(data) - 1))


def test_real_over_limit_file_is_refused_without_reading(tmp_path, monkeypatch):
    path = tmp_path / "huge.md"
    with path.open("wb") as f:
        f.truncate(20 * 1024 * 1024 + 1)  # sparse: no 20 MB written

    def never(self):
        raise AssertionError("the file was read")

    monkeypatch.setattr(Path, "read_bytes", never)
    with pytest.raises(TooLargeError) as caught:
        parse_path(path)
    assert str(caught.value) == "无法导入 huge.md：文件超过 20 MB 的上限，请拆分或精简后再导入。"


def test_parse_path(shared, tmp_path):
    law = parse_path(RENFANG)
    assert law.source_name == RENFANG.name and len(law.articles) == 53
    with pytest.raises(IngestError, match="无法读取"):
        parse_path(tmp_path / "missing.md")


@pytest.mark.parametrize("name, data", [
    ("a.md", b""), ("b.pdf", b"%PDF"), ("c.docx", b"PK\x03\x04broken"), ("d.txt", b"\x01\x02\x03" * 50),
    ("e.md", "# 标题\n没有条文".encode()),
])
def test_every_error_is_one_chinese_line_naming_the_file(name, data):
    with pytest.raises(IngestError) as caught:
        parse_bytes(data, f"/uploads/{name}")
    message = str(caught.value)
    assert message.startswith(f"无法导入 {name}：") and "\n" not in message and message.endswith("。")
