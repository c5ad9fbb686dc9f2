"""A print-ready campaign poster (A4 portrait PNG): the campaign's name, organiser, window and a
large QR code of the join link, for a noticeboard or a class WeChat group. Drawn like the
certificates (Pillow, Noto Sans CJK from the bundled font package)."""
from __future__ import annotations

import io

from quizzes.certificate import GOLD, GREY, INK, PAPER, RED, _clean, _fit, _font, _wrap

SIZE = (1240, 1754)  # A4 at 150 dpi


def render_poster(name: str, url: str, *, organiser: str = "", window: str = "", rules: str = "",
                  school: str = "") -> bytes:
    from PIL import Image, ImageDraw

    from quizzes.qr import qr_image

    w, h = SIZE
    img = Image.new("RGB", SIZE, PAPER)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, w, 260), fill=RED)
    draw.text((w // 2, 95), "“6·5”防空知识竞赛", font=_font(72), fill=(255, 255, 255), anchor="mm")
    draw.text((w // 2, 190), "扫码参加 · 无需下载应用", font=_font(44), fill=(255, 240, 200), anchor="mm")
    y = 340
    for line in _wrap(draw, _clean(name), _font(64), w - 160)[:3]:
        draw.text((w // 2, y), line, font=_font(64), fill=INK, anchor="mm")
        y += 86
    for text, size, colour in ((school, 48, RED), (organiser and f"主办：{organiser}", 36, GREY),
                               (window, 36, GREY), (rules, 34, GREY)):
        text = _clean(text)
        if text:
            draw.text((w // 2, y + 10), text, font=_fit(draw, text, size, w - 160), fill=colour, anchor="mm")
            y += size + 34
    qr = qr_image(url, 760, border=3)
    top = max(y + 30, 760)
    img.paste(qr, ((w - qr.size[0]) // 2, top))
    draw.rectangle(((w - qr.size[0]) // 2 - 12, top - 12, (w + qr.size[0]) // 2 + 12, top + qr.size[1] + 12),
                   outline=GOLD, width=6)
    draw.text((w // 2, top + qr.size[1] + 70), "用手机扫描二维码，或打开：", font=_font(36), fill=INK, anchor="mm")
    draw.text((w // 2, top + qr.size[1] + 130), url, font=_fit(draw, url, 40, w - 120, 20), fill=RED, anchor="mm")
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()
