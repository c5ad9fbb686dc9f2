"""One entry point for uploads: pick the parser by extension and content, enforce size limits.

The CLI and the bot's admin upload hand over bytes and a file name; this module refuses what it
cannot handle safely (too large, empty, binary, unknown formats) with one clear Chinese line, and
otherwise routes to the Markdown, HTML, DOCX or plain-text parser.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from kb.model import ParsedLaw
from ingest.docx import DocxLimits, parse_docx
from ingest.errors import (EmptyFileError, IngestError, TooLargeError, UnsafeFileError,
                           UnsupportedFormatError)
from ingest.htmlpage import parse_html
from ingest.markdown import parse_markdown
from ingest.plaintext import parse_text
from ingest.textdecode import decode_text

_MiB = 1024 * 1024
_BY_EXTENSION = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html",
                 ".xhtml": "html", ".docx": "docx", ".txt": "text", ".text": "text"}
FORMATS = tuple(_BY_EXTENSION)  # the one list of file extensions lawbot loads (folders, uploads)
_KNOWN_UNSUPPORTED = {
    ".pdf": "暂不支持 PDF 文件，请下载 DOCX 版本或复制正文保存为 TXT 后再导入。",
    ".doc": "暂不支持旧版 Word（.doc）文件，请另存为 DOCX 后再导入。",
    ".wps": "暂不支持 WPS 文件，请另存为 DOCX 后再导入。",
    ".rtf": "暂不支持 RTF 文件，请另存为 DOCX 后再导入。",
}
_MAGIC = (
    (b"%PDF", ".pdf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", ".doc"),
    (b"{\\rtf", ".rtf"),
)
_HTML_START = re.compile(
    r"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title)\b", re.I | re.S)


@dataclass(frozen=True)
class Limits:
    """Upload limits; tests pass small ones."""

    max_file_bytes: int = 20 * _MiB
    docx: DocxLimits = field(default_factory=DocxLimits)


DEFAULT_LIMITS = Limits()


def parse_bytes(data: bytes, filename: str, *, limits: Limits = DEFAULT_LIMITS) -> ParsedLaw:
    """Parse an uploaded file; raises an :class:`IngestError` subclass with a Chinese message."""
    name = Path(filename).name or filename
    _check_size(len(data), name, limits)
    if not data.strip():
        raise EmptyFileError(name)
    kind = _kind(data, name)
    try:
        return _parse(data, name, kind, limits)
    except RecursionError:  # absurdly nested markup
        raise UnsafeFileError(name, "文件结构嵌套过深，已拒绝导入。") from None


def _parse(data: bytes, name: str, kind: str, limits: Limits) -> ParsedLaw:
    if kind == "docx":
        return parse_docx(data, name, limits=limits.docx)
    if kind == "html":
        return parse_html(data, name)
    text = decode_text(data, name)
    if kind == "markdown" or (kind == "sniff" and _looks_markdown(text)):
        return parse_markdown(text, name)
    if kind == "sniff" and _HTML_START.match(text[:2048]):
        return parse_html(text, name)
    return parse_text(text, name)


def parse_path(path: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS) -> ParsedLaw:
    """Read and parse one file, checking its size before reading it."""
    p = Path(path)
    try:
        size = p.stat().st_size
        _check_size(size, p.name, limits)
        data = p.read_bytes()
    except IngestError:
        raise
    except OSError:
        raise IngestError(p.name, "文件无法读取（不存在或没有权限）。") from None
    return parse_bytes(data, p.name, limits=limits)


def _check_size(size: int, name: str, limits: Limits) -> None:
    if size > limits.max_file_bytes:
        mb = limits.max_file_bytes / _MiB
        raise TooLargeError(name, f"文件超过 {mb:g} MB 的上限，请拆分或精简后再导入。")


def _kind(data: bytes, name: str) -> str:
    """markdown / html / docx / text from content magic and extension; "sniff" if unknown."""
    ext = Path(name).suffix.lower()
    for magic, magic_ext in _MAGIC:
        if data.startswith(magic):
            raise UnsupportedFormatError(name, _KNOWN_UNSUPPORTED[magic_ext])
    if data.startswith(b"PK\x03\x04") or ext == ".docx":
        return "docx"
    if ext in _KNOWN_UNSUPPORTED:
        raise UnsupportedFormatError(name, _KNOWN_UNSUPPORTED[ext])
    if not ext:
        return "sniff"
    if ext not in _BY_EXTENSION:
        raise UnsupportedFormatError(name)
    kind = _BY_EXTENSION[ext]
    return "sniff" if kind == "text" else kind


def _looks_markdown(text: str) -> bool:
    first = next((line for line in text.splitlines() if line.strip()), "")
    return first.lstrip("\ufeff").startswith("# ")
