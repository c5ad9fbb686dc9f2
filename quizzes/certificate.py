"""Certificates of a passed campaign attempt as a PNG image or a PDF, for participants to keep or
print.

The image shows what the certificate record holds (name as registered, school, campaign, score,
local issue date, verification code) and how to verify it: a QR code and the address of the
public verification page (``/verify/LB-XXXX-XXXX``) when the deployment has a public URL. The
record in ``quiz.db`` (with its MAC and its review status) is what counts; the picture is only a
rendering of it, so a held or revoked certificate is never rendered. Text is drawn with Noto Sans CJK from
the ``cvttf-notosanscjk-regular`` package (OFL), because servers rarely have a CJK font.
"""
from __future__ import annotations

import io
import re
import time
from datetime import datetime, timedelta, timezone as fixed_timezone
from functools import lru_cache
from pathlib import Path

from quizzes.errors import QuizError

SIZE = (1600, 1130)
FONT_PACKAGE = "cvttf_NotoSansCJK_Regular"
FONT_FILE = "NotoSansCJKtc-Regular.otf"
DEFAULT_ISSUER = "国防动员办公室"
VERIFY_LINE = "可通过 lawbot campaign verify {code} 或联系主办单位核验"
VERIFY_URL_LINE = "扫描二维码或访问 {url} 核验"
QR_SIZE = 190

PAPER = (251, 247, 238)
RED = (163, 31, 36)
GOLD = (200, 164, 90)
INK = (40, 36, 32)
GREY = (110, 104, 96)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


class FontMissing(QuizError):
    """The CJK font package is not installed."""


@lru_cache(maxsize=1)
def font_path() -> Path:
    """The bundled Noto Sans CJK file; a clear error when the package is missing."""
    from importlib import resources

    try:
        path = resources.files(FONT_PACKAGE) / FONT_FILE
    except ModuleNotFoundError:
        path = None
    if path is None or not path.is_file():
        raise FontMissing("无法生成证书：缺少中文字体，请安装 cvttf-notosanscjk-regular"
                          "（pip install cvttf-notosanscjk-regular==1.0）。")
    return Path(str(path))


@lru_cache(maxsize=32)
def _font(size: int):
    from PIL import ImageFont

    return ImageFont.truetype(str(font_path()), size)


def local_date(ts: float, tz: str = "Asia/Shanghai") -> str:
    """``2025年6月5日`` in the deployment's time zone."""
    try:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(tz)
    except Exception:  # no tz database on this machine: China has no DST, so +08:00 is exact
        zone = fixed_timezone(timedelta(hours=8)) if tz in ("Asia/Shanghai", "Asia/Chongqing", "PRC") \
            else fixed_timezone.utc
    d = datetime.fromtimestamp(ts, zone)
    return f"{d.year}年{d.month}月{d.day}日"


def _clean(text: str) -> str:
    return _CONTROL.sub("", text or "").strip()


def _fit(draw, text: str, size: int, max_width: int, min_size: int = 24):
    """The largest font not above ``size`` at which ``text`` fits on one line."""
    while size > min_size and draw.textlength(text, font=_font(size)) > max_width:
        size -= 2
    return _font(size)


def _wrap(draw, text: str, font, max_width: int) -> list[str]:
    lines, line = [], ""
    for ch in text:
        if draw.textlength(line + ch, font=font) > max_width and line:
            if ch in "，。、；：）”》！？":  # never start a line with closing punctuation
                line, ch = line[:-1], line[-1] + ch
            lines.append(line)
            line = ch
        else:
            line += ch
    return [*lines, line] if line else lines


def _spaced(draw, xy: tuple[int, int], text: str, font, fill, spacing: int) -> None:
    """Centred text with extra space between characters (for the title)."""
    widths = [draw.textlength(ch, font=font) for ch in text]
    x = xy[0] - (sum(widths) + spacing * (len(text) - 1)) / 2
    for ch, w in zip(text, widths):
        draw.text((x, xy[1]), ch, font=font, fill=fill, anchor="lm")
        x += w + spacing


def verify_url(base_url: str, code: str) -> str:
    """The public verification page of a certificate: ``https://host/verify/LB-XXXX-XXXX``."""
    return f"{base_url.rstrip('/')}/verify/{code}"


def render_certificate(cert, *, organiser: str = "", timezone: str = "Asia/Shanghai",
                       base_url: str = "", fmt: str = "png") -> bytes:
    """``cert`` (a :class:`quizzes.engine.Certificate`) as a PNG (about 1600×1130 pixels) or,
    with ``fmt="pdf"``, a one-page A4-landscape PDF of the same image. ``base_url``: the public
    address of the web server; the certificate then carries a QR code of its verification page."""
    if fmt not in ("png", "pdf"):
        raise QuizError("证书只能生成 PNG 图片或 PDF 文件。")
    img = _draw(cert, organiser, timezone, base_url)
    out = io.BytesIO()
    if fmt == "pdf":  # 1600 px across 297 mm: about 137 dpi, crisp enough for A4 printing
        issued = time.gmtime(cert.issued_at)  # fixed dates: the same bytes every time
        img.save(out, format="PDF", resolution=SIZE[0] / (297 / 25.4), title=f"荣誉证书 {cert.code}",
                 author=_clean(organiser) or DEFAULT_ISSUER, creationDate=issued, modDate=issued)
    else:
        img.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _draw(cert, organiser: str, timezone: str, base_url: str):
    from PIL import Image, ImageDraw

    if not getattr(cert, "valid", True):
        raise QuizError("该证书记录未通过校验，不能生成证书图片，请联系主办单位。")
    status = getattr(cert, "status", "valid")
    if status == "held":
        raise QuizError("该证书正在等待主办方复核，复核通过后才能下载。")
    if status == "revoked":
        raise QuizError("该证书已被撤销，不能生成证书图片。")
    w, h = SIZE
    img = Image.new("RGB", SIZE, PAPER)
    draw = ImageDraw.Draw(img)
    draw.rectangle((36, 36, w - 37, h - 37), outline=RED, width=14)
    draw.rectangle((66, 66, w - 67, h - 67), outline=GOLD, width=3)
    for cx, cy in ((66, 66), (w - 67, 66), (66, h - 67), (w - 67, h - 67)):
        draw.rectangle((cx - 9, cy - 9, cx + 9, cy + 9), fill=GOLD)

    _spaced(draw, (w // 2, 205), "荣誉证书", _font(112), RED, 40)
    draw.text((w // 2, 312), "“6·5”防空知识竞赛", font=_font(44), fill=INK, anchor="mm")
    draw.line((w // 2 - 260, 356, w // 2 + 260, 356), fill=GOLD, width=2)

    school = _clean(cert.school)
    if school:
        draw.text((w // 2, 420), school, font=_fit(draw, school, 40, 1200), fill=GREY, anchor="mm")
    name = _clean(cert.name) or "—"
    name_font = _fit(draw, name, 88, 1200, 40)
    draw.text((w // 2, 505), name, font=name_font, fill=INK, anchor="mm", stroke_width=1, stroke_fill=INK)
    half = min(draw.textlength(name, font=name_font), 1200) / 2 + 40
    draw.line((w // 2 - half, 565, w // 2 + half, 565), fill=INK, width=2)

    body_font = _font(40)
    campaign, lines = _clean(cert.campaign_name), []
    while True:  # an overlong campaign name is shortened, never the score
        body = (f"　　在“{campaign}”中答对 {cert.score} 题（共 {cert.total} 题），"
                "成绩合格，特发此证，以资鼓励。")
        lines = _wrap(draw, body, body_font, 1240)
        if len(lines) <= 3 or not campaign:
            break
        campaign = campaign.rstrip("…")[:-1] + "…"
    y = 640
    for line in lines[:3]:
        draw.text((180, y), line, font=body_font, fill=INK, anchor="lm")
        y += 62

    issuer = _clean(organiser) or DEFAULT_ISSUER
    draw.text((w - 180, 860), issuer, font=_fit(draw, issuer, 40, 900), fill=INK, anchor="rm")
    draw.text((w - 180, 922), local_date(cert.issued_at, timezone), font=_font(36), fill=INK, anchor="rm")

    code = _clean(cert.code)
    if base_url:
        from quizzes.qr import qr_image

        url = verify_url(base_url, code)
        qr = qr_image(url, QR_SIZE)
        img.paste(qr, (150, h - 90 - qr.size[1]))
        x = 150 + qr.size[0] + 30
        draw.text((x, 985), f"核验码：{code}", font=_font(30), fill=RED, anchor="lm")
        line = VERIFY_URL_LINE.format(url=url)
        draw.text((x, 1030), line, font=_fit(draw, line, 26, w - 120 - x, 18), fill=GREY, anchor="lm")
    else:
        draw.text((180, 990), f"核验码：{code}", font=_font(30), fill=RED, anchor="lm")
        draw.text((180, 1035), VERIFY_LINE.format(code=code), font=_font(26), fill=GREY, anchor="lm")
    return img
