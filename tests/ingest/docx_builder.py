"""Write minimal valid DOCX files for tests, with zipfile only (no python-docx).

A paragraph is a string (one run) or a sequence of strings (several runs, as Word splits bold
labels from text); "\\t" becomes <w:tab/> and "\\n" becomes <w:br/>.
"""
from __future__ import annotations

import io
import re
import zipfile
from typing import Iterable, Sequence
from xml.sax.saxutils import escape

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '</Types>')
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>')

Para = str | Sequence[str]


def run_xml(text: str) -> str:
    parts = []
    for piece in re.split(r"(\t|\n)", text):
        if piece == "\t":
            parts.append("<w:tab/>")
        elif piece == "\n":
            parts.append("<w:br/>")
        elif piece:
            parts.append(f'<w:t xml:space="preserve">{escape(piece)}</w:t>')
    return f"<w:r>{''.join(parts)}</w:r>"


def document_xml(paragraphs: Iterable[Para], prolog: str = "") -> str:
    body = []
    for para in paragraphs:
        runs = [para] if isinstance(para, str) else list(para)
        body.append(f"<w:p>{''.join(run_xml(r) for r in runs)}</w:p>")
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}'
            f'<w:document xmlns:w="{W_NS}"><w:body>{"".join(body)}</w:body></w:document>')


def build_docx(paragraphs: Iterable[Para], *, document: str | None = None) -> bytes:
    """A DOCX holding ``paragraphs`` (or a raw ``document`` XML string) as word/document.xml."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("word/document.xml", document if document is not None else document_xml(paragraphs))
    return out.getvalue()


def national_style(markdown: str) -> list[Para]:
    """Paragraphs of a corpus Markdown law laid out like a flk.npc.gov.cn DOCX download.

    Title, one parenthesised history line, a 目录 listing the chapters, then letter-spaced chapter
    headings ("第一章　总　　则" for 总则) and articles with U+3000 after the label, the label in
    its own run.
    """
    lines = [x.strip() for x in markdown.splitlines() if x.strip()]
    title = lines[0].removeprefix("# ").strip()
    end = lines.index("<!-- INFO END -->")
    history = "　".join(lines[1:end])
    body = lines[end + 1:]
    chapters = [_chapter(x[3:]) for x in body if x.startswith("## ")]
    paras: list[Para] = [title, f"（{history}）", "目　　录", *chapters]
    for line in body:
        if line.startswith("## "):
            paras.append(_chapter(line[3:]))
            continue
        m = re.match(r"(第[一二三四五六七八九十百千零]+条(?:之[一二三四五六七八九十]+)?) (.*)", line)
        paras.append([m.group(1), "\u3000" + m.group(2)] if m else "\u3000\u3000" + line)
    return paras


def _chapter(heading: str) -> str:
    label, _, name = heading.strip().partition(" ")
    name = name.strip()
    if len(name) == 2:  # 总则 -> 总　　则, as flk documents print it
        name = f"{name[0]}\u3000\u3000{name[1]}"
    return f"{label}\u3000{name}"
