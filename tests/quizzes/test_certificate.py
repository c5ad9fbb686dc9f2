"""Certificate images: a real PNG of the expected size, with the participant's details drawn in."""
from __future__ import annotations

import io
from dataclasses import replace

import pytest
from click.testing import CliRunner
from PIL import Image, ImageChops

from quizzes import certificate
from quizzes.certificate import SIZE, FontMissing, local_date, render_certificate
from quizzes.engine import Certificate
from quizzes.errors import QuizError
from tests.helpers.quizzes import play, spec

ISSUED = 1_780_590_600.0  # 2026-06-04 16:30 UTC = 2026-06-05 00:30 in Shanghai
CERT = Certificate(code="LB-K7Q2-M9XD", campaign_code="CQU2026", campaign_name="重庆大学2026年“6·5”防空知识竞赛",
                   name="张三", school="重庆大学", score=9, total=10, issued_at=ISSUED)


def image(png: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(png))
    img.load()
    return img


def test_a_png_of_the_expected_size_that_is_not_blank():
    png = render_certificate(CERT, organiser="重庆市国防动员办公室")
    assert png.startswith(b"\x89PNG")
    img = image(png)
    assert img.format == "PNG" and img.size == SIZE == (1600, 1130)
    colours = img.convert("RGB").getcolors(maxcolors=1 << 20)
    assert len(colours) > 50  # text, borders and anti-aliasing, not a flat page
    background = max(colours)[1]
    inked = sum(n for n, c in colours if c != background)
    assert inked > 0.03 * SIZE[0] * SIZE[1]


def test_different_details_give_different_images():
    base = image(render_certificate(CERT))
    for other in (replace(CERT, name="李四"), replace(CERT, score=8), replace(CERT, code="LB-AAAA-BBBB"),
                  replace(CERT, campaign_name="西南大学竞赛")):
        diff = ImageChops.difference(base.convert("RGB"), image(render_certificate(other)).convert("RGB"))
        assert diff.getbbox() is not None, other
    assert render_certificate(CERT) == render_certificate(CERT)  # deterministic


def test_name_region_changes_with_the_name():
    a = image(render_certificate(CERT)).convert("L")
    b = image(render_certificate(replace(CERT, name="欧阳娜娜"))).convert("L")
    left, top, right, bottom = ImageChops.difference(a, b).getbbox()
    assert 440 <= top and bottom <= 580  # only the name line (and its underline) differ


def test_long_or_odd_text_still_renders():
    odd = replace(CERT, name="阿卜杜热合曼·买买提依明·艾合买提江·吐尔逊" * 3, school="",
                  campaign_name="很长的活动名称" * 20, code="LB-\x00ZZZZ-ZZZZ")
    assert image(render_certificate(odd, organiser="某某大学武装部\n国防教育中心")).size == SIZE


def test_issue_date_is_local():
    assert local_date(ISSUED, "Asia/Shanghai") == "2026年6月5日"
    assert local_date(ISSUED, "UTC") == "2026年6月4日"


def test_an_invalid_record_is_not_rendered():
    with pytest.raises(QuizError, match="未通过校验"):
        render_certificate(replace(CERT, valid=False))


def test_missing_font_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(certificate, "FONT_PACKAGE", "no_such_font_package")
    certificate.font_path.cache_clear()
    certificate._font.cache_clear()
    try:
        with pytest.raises(FontMissing, match="cvttf-notosanscjk-regular"):
            render_certificate(CERT)
    finally:
        certificate.font_path.cache_clear()
        certificate._font.cache_clear()


def test_cli_renders_a_verified_certificate(tmp_path, db_path, engine, clock):
    from bot.cli import cli

    assert db_path == tmp_path / "quiz.db"  # so --home tmp_path is the engine's database
    c = engine.create_campaign(spec(code="SWU2030", name="西南大学“6·5”防空知识竞赛", organiser="西南大学武装部"))
    clock.now = c.starts_at + 10
    engine.register(c.id, "u1", name="王小明", school="西南大学")
    code = play(engine, engine.start_scored(c.id, "u1", 1), clock).certificate_code
    out = tmp_path / "证书.png"
    runner = CliRunner()
    result = runner.invoke(cli, ["--home", str(tmp_path), "campaign", "certificate", code.lower(), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "王小明" in result.output and code in result.output
    cert = engine.verify(code)
    assert out.read_bytes() == render_certificate(cert, organiser="西南大学武装部")
    assert image(out.read_bytes()).size == SIZE

    missing = runner.invoke(cli, ["--home", str(tmp_path), "campaign", "certificate", "LB-2222-2222",
                                  "--out", str(tmp_path / "x.png")])
    assert missing.exit_code == 1 and "没有核验码为 LB-2222-2222 的证书" in missing.output
    assert not (tmp_path / "x.png").exists()

    pdf = tmp_path / "证书.pdf"
    result = runner.invoke(cli, ["--home", str(tmp_path), "campaign", "certificate", code, "--out", str(pdf),
                                 "--base-url", "https://lawbot.example.cn"])
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes() == render_certificate(cert, organiser="西南大学武装部", fmt="pdf",
                                                  base_url="https://lawbot.example.cn")
    wrong = runner.invoke(cli, ["--home", str(tmp_path), "campaign", "certificate", code, "--out",
                                str(tmp_path / "证书.gif")])
    assert wrong.exit_code != 0 and ".png 或 .pdf" in wrong.output and "Traceback" not in wrong.output


# ---- QR code of the verification page, PDF, review status (issue 16) ----------------------

def test_the_certificate_carries_a_qr_code_of_its_verification_page():
    from quizzes.certificate import QR_SIZE, verify_url
    from quizzes.qr import qr_image

    url = verify_url("https://lawbot.example.cn/", CERT.code)
    assert url == "https://lawbot.example.cn/verify/LB-K7Q2-M9XD"
    img = image(render_certificate(CERT, base_url="https://lawbot.example.cn")).convert("RGB")
    qr = qr_image(url, QR_SIZE)
    left, top = 150, SIZE[1] - 90 - qr.size[1]
    placed = img.crop((left, top, left + qr.size[0], top + qr.size[1]))
    assert ImageChops.difference(placed, qr).getbbox() is None  # exactly the symbol of that URL
    other = qr_image(verify_url("https://lawbot.example.cn", "LB-AAAA-BBBB"), QR_SIZE)
    assert ImageChops.difference(placed, other).getbbox() is not None
    without = image(render_certificate(CERT)).convert("RGB").crop((left, top, left + qr.size[0], top + qr.size[1]))
    assert ImageChops.difference(placed, without).getbbox() is not None


def test_a_pdf_of_one_a4_landscape_page():
    import re

    pdf = render_certificate(CERT, base_url="https://lawbot.example.cn", fmt="pdf")
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type /Page>") >= 1
    box = [float(x) for x in re.search(rb"/MediaBox \[\s*([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)", pdf).groups()]
    assert box[2] == pytest.approx(841.9, abs=2) and box[3] == pytest.approx(595.3, abs=3)  # A4 landscape, pt
    with pytest.raises(QuizError):
        render_certificate(CERT, fmt="gif")


@pytest.mark.parametrize("status, words", [("held", "复核"), ("revoked", "撤销")])
def test_a_held_or_revoked_certificate_is_never_rendered(status, words):
    from types import SimpleNamespace

    record = SimpleNamespace(**{**CERT.__dict__, "status": status})
    with pytest.raises(QuizError, match=words):
        render_certificate(record)
