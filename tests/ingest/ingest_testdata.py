"""Paths of the shared corpus and samples used by the ingest tests (a plain module, importable by name).

The shared data lives beside the repository (``../shared``), never inside it.
"""
from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
CORE = SHARED / "corpus" / "core"
LAWREFBOOK = SHARED / "corpus" / "lawrefbook"
SAMPLES = SHARED / "ingest-samples"
GOVCN_SAMPLE = SAMPLES / "govcn_gongbao_2013-13_电子招标投标办法.html"
FLK_SHELL_SAMPLE = SAMPLES / "flk_detail2_shell_中华人民共和国增值税法.html"
DOCX_SAMPLE = SAMPLES / "重要军工设施保护条例_20250519.docx"
RENFANG = CORE / "人民防空法(2009-08-27).md"
