"""Parsers that turn published statute files (Markdown, HTML, DOCX, plain text) into typed values.

Parsers are pure: they take text or bytes and return :class:`kb.model.ParsedLaw`. Walking folders
and writing to the store happens at the edge (``ingest.loader``, the CLI, the bot's admin upload).

Entry points: :func:`parse_bytes` (an upload: bytes and a file name) and :func:`parse_path`; the
per-format parsers are :func:`parse_markdown`, :func:`parse_html`, :func:`parse_docx` and
:func:`parse_text`. Every failure is an :class:`IngestError` with a one-line Chinese message.
"""
from ingest.dispatch import DEFAULT_LIMITS, FORMATS, Limits, parse_bytes, parse_path
from ingest.docx import DocxLimits, parse_docx
from ingest.errors import (DecodeError, EmptyFileError, IngestError, NoArticlesError, TooLargeError,
                           TruncatedFileError, UnsafeFileError, UnsupportedFormatError)
from ingest.htmlpage import parse_html
from ingest.markdown import parse_markdown
from ingest.plaintext import parse_text

__all__ = [
    "parse_bytes", "parse_path", "parse_markdown", "parse_html", "parse_docx", "parse_text",
    "Limits", "DocxLimits", "DEFAULT_LIMITS", "FORMATS",
    "IngestError", "EmptyFileError", "UnsupportedFormatError", "DecodeError", "TooLargeError",
    "UnsafeFileError", "TruncatedFileError", "NoArticlesError",
]
