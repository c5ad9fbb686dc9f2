"""Bytes -> str for text-like uploads whose encoding nobody declared.

Chinese statute files arrive as UTF-8, UTF-8 with BOM, UTF-16 (Windows Notepad) or GBK/GB18030
(older Windows tools and government sites). We honour a BOM, try strict UTF-8, then GB18030, and
refuse binary data instead of importing mojibake.
"""
from __future__ import annotations

import codecs
import re

from ingest.errors import DecodeError, UnsupportedFormatError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# C0/C1 controls other than tab, newline, carriage return and form feed, plus U+FFFD.
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")
_MAX_BAD_RATIO = 0.01


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    """The encoding announced by a byte-order mark and the BOM's length, or None."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, len(bom)
    return None


def decode_text(data: bytes, filename: str = "") -> str:
    """Decode a text upload: BOM-aware UTF-8/16/32, then strict UTF-8, then GB18030."""
    found = bom_encoding(data)
    if found:
        name, skip = found
        try:
            text = data[skip:].decode(name)
        except UnicodeDecodeError:
            raise DecodeError(filename) from None
    else:
        if b"\x00" in data:
            raise UnsupportedFormatError(filename, "这不是文本文件（含有二进制内容），请使用 Markdown、HTML、DOCX 或 TXT 文件。")
        text = _decode_without_bom(data, filename)
    check_not_garbage(text, filename)
    return text


def _decode_without_bom(data: bytes, filename: str) -> str:
    for name in ("utf-8", "gb18030"):
        try:
            return data.decode(name)
        except UnicodeDecodeError:
            continue
    raise DecodeError(filename)


def check_not_garbage(text: str, filename: str = "") -> None:
    """Refuse decoded text that is mostly control characters or replacement characters."""
    if not text:
        return
    bad = len(_BAD_CHARS.findall(text))
    if bad and bad / len(text) > _MAX_BAD_RATIO:
        raise DecodeError(filename, "文件内容无法识别为文字（可能是二进制文件或编码错误）。")
