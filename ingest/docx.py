"""Parser for DOCX files as the national law database (flk.npc.gov.cn) publishes them.

Uses only zipfile and ElementTree: a DOCX is a zip whose word/document.xml holds paragraphs (w:p) of
runs (w:t text, w:tab, w:br). Uploads are untrusted, so the zip directory is checked before anything
is decompressed (size, member count, compression ratio: zip bombs), reads are capped, and XML with a
DOCTYPE (entity expansion attacks) is refused.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Iterator

from kb.model import ParsedLaw
from ingest.assemble import parse_lines
from ingest.errors import TooLargeError, TruncatedFileError, UnsafeFileError

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_DOCUMENT = "word/document.xml"
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.I)
_DOCTYPE_TEXT = re.compile(r"<!DOCTYPE|<!ENTITY", re.I)
_NOT_DOCX = "文件已损坏或不完整（不是有效的 DOCX）。"
_MiB = 1024 * 1024
# What zipfile raises for damaged, truncated, encrypted or exotic archives.
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
               NotImplementedError, RuntimeError, struct.error)


@dataclass(frozen=True)
class DocxLimits:
    """Safety limits for untrusted DOCX uploads."""

    max_uncompressed: int = 50 * _MiB  # sum of all members, from the zip directory
    max_ratio: float = 200.0  # uncompressed / compressed, per member
    ratio_floor: int = 1 * _MiB  # members smaller than this cannot be bombs; ratio not checked
    max_members: int = 2000


def parse_docx(data: bytes, source_name: str = "", *, limits: DocxLimits = DocxLimits()) -> ParsedLaw:
    """Parse a DOCX statute: title and history first, an optional 目录, then chapters and articles."""
    xml = read_document_xml(data, source_name, limits)
    return parse_lines(list(docx_lines(xml, source_name)), source_format="docx", source_name=source_name)


def read_document_xml(data: bytes, source_name: str, limits: DocxLimits = DocxLimits()) -> bytes:
    """word/document.xml of a DOCX, after checking the archive is sane and not a zip bomb."""
    if not data.startswith(b"PK"):
        raise TruncatedFileError(source_name, _NOT_DOCX)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS:
        raise TruncatedFileError(source_name, _NOT_DOCX) from None
    with archive:
        _check_directory(archive, source_name, limits)
        try:
            info = archive.getinfo(_DOCUMENT)
        except KeyError:
            raise TruncatedFileError(source_name, "文件不是 Word 文档（缺少正文部分），请确认是 DOCX 文件。") from None
        try:
            with archive.open(info) as member:
                xml = member.read(limits.max_uncompressed + 1)
        except _ZIP_ERRORS:
            raise TruncatedFileError(source_name, _NOT_DOCX) from None
    if len(xml) > limits.max_uncompressed:
        raise UnsafeFileError(source_name)
    if _has_doctype(xml):
        raise UnsafeFileError(source_name, "文件含有不安全的 XML 声明（DOCTYPE），已拒绝导入。")
    return xml


def _has_doctype(xml: bytes) -> bool:
    """A DOCTYPE or ENTITY declaration, also in UTF-16 encoded XML."""
    if xml.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in xml[:64]:
        return bool(_DOCTYPE_TEXT.search(xml.decode("utf-16", errors="ignore")))
    return bool(_DOCTYPE.search(xml))


def _check_directory(archive: zipfile.ZipFile, source_name: str, limits: DocxLimits) -> None:
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise UnsafeFileError(source_name)
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_floor and ratio > limits.max_ratio:
            raise UnsafeFileError(source_name, "文件压缩比异常（可能是压缩炸弹），已拒绝导入。")
    total = sum(i.file_size for i in infos)
    if total > limits.max_uncompressed:
        raise TooLargeError(source_name, f"解压后内容超过 {limits.max_uncompressed // _MiB} MB，已拒绝导入。")


def docx_lines(xml: bytes, source_name: str = "") -> Iterator[str]:
    """The document's paragraphs as lines; a w:br inside a paragraph also breaks the line."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        raise TruncatedFileError(source_name, _NOT_DOCX) from None
    skipped = {id(el) for fb in root.iter(_MC_FALLBACK) for el in fb.iter()}
    for para in root.iter(f"{_W}p"):
        if id(para) not in skipped:
            yield from "".join(_runs(para)).split("\n")


def _runs(paragraph: ET.Element) -> Iterator[str]:
    """Text of one paragraph, not descending into nested paragraphs or mc:Fallback copies."""
    stack = list(reversed(paragraph))
    while stack:
        child = stack.pop()
        tag = child.tag
        if tag == f"{_W}t":
            yield child.text or ""
        elif tag == f"{_W}tab":
            yield "\t"
        elif tag in (f"{_W}br", f"{_W}cr"):
            yield "\n"
        elif tag == f"{_W}noBreakHyphen":
            yield "-"
        elif tag not in (f"{_W}p", _MC_FALLBACK):
            stack.extend(reversed(child))
