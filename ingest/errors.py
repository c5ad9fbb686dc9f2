"""Exceptions raised for files that cannot be imported, each with a one-line Chinese message.

The edge (CLI, bot admin upload) shows ``str(error)`` as is: one polite line of Simplified
Chinese that names the file and says what to do. Catch :class:`IngestError` to handle them all.
"""
from __future__ import annotations


class IngestError(Exception):
    """Base class: a file could not be turned into a law."""

    default_detail = "文件无法识别。"

    def __init__(self, filename: str = "", detail: str | None = None) -> None:
        self.filename = filename or "该文件"
        self.detail = detail or self.default_detail
        super().__init__(f"无法导入 {self.filename}：{self.detail}")


class EmptyFileError(IngestError):
    default_detail = "文件是空的。"


class UnsupportedFormatError(IngestError):
    default_detail = "暂不支持这种文件格式，请使用 Markdown、HTML、DOCX 或 TXT 文件。"


class DecodeError(IngestError):
    default_detail = "无法识别文件的文字编码，请另存为 UTF-8 编码后再导入。"


class TooLargeError(IngestError):
    default_detail = "文件太大。"


class UnsafeFileError(IngestError):
    default_detail = "文件结构异常（可能是恶意构造的文件），已拒绝导入。"


class TruncatedFileError(IngestError):
    default_detail = "文件已损坏或不完整。"


class NoArticlesError(IngestError):
    default_detail = "文件中没有找到任何条文（如“第一条 ……”），无法作为法规导入。"


__all__ = [
    "IngestError", "EmptyFileError", "UnsupportedFormatError", "DecodeError", "TooLargeError",
    "UnsafeFileError", "TruncatedFileError", "NoArticlesError",
]
