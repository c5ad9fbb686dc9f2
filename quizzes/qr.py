"""QR codes for certificates (their verification URL) and campaign posters (the join link).

Made with ``segno`` (pure Python, no native dependencies). Error correction level M survives a
crumpled poster or a phone photo of a printed certificate; the URLs are short, so the symbols
stay small enough to scan from a screen in a WeChat group.
"""
from __future__ import annotations

import io


def _symbol(url: str):
    import segno

    return segno.make(url, error="m", micro=False)


def qr_png(url: str, *, scale: int = 10, border: int = 4) -> bytes:
    """A print-ready PNG (black on white)."""
    out = io.BytesIO()
    _symbol(url).save(out, kind="png", scale=scale, border=border)
    return out.getvalue()


def qr_svg(url: str, *, scale: int = 10, border: int = 4) -> bytes:
    """The same symbol as SVG (scales without loss for posters)."""
    out = io.BytesIO()
    _symbol(url).save(out, kind="svg", scale=scale, border=border, xmldecl=True)
    return out.getvalue()


def qr_image(url: str, size: int, *, border: int = 2):
    """A PIL image of about ``size`` pixels square, for drawing onto another image."""
    from PIL import Image

    symbol = _symbol(url)
    modules = symbol.symbol_size(scale=1, border=border)[0]
    scale = max(1, size // modules)
    out = io.BytesIO()
    symbol.save(out, kind="png", scale=scale, border=border)
    out.seek(0)
    return Image.open(out).convert("RGB")
