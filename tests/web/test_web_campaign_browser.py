"""A campaign in a real browser (issue 16): headless Chromium at phone size against ``lawbot web
run`` on loopback. A student opens the campaign link, registers with the school pick list, takes
the scored round with its countdown (a reload resumes the question with the time left, a late
answer is refused), sees the result and the certificate, and the certificate's verification
page says valid, then revoked; the organiser's dashboard shows the round just taken. Writes
docs/screenshots/campaign-question-360.png and campaign-certificate.png (named in the README).
No model is needed: the server runs on the small hash-embedder home.
"""
from __future__ import annotations

import re
import sqlite3
import time

import pytest

from tests.web.conftest import PASSWORD, STAFF, add_staff
from tests.web.test_web_browser import SHOTS, browser, tap, wait_for, wait_for_text

pytestmark = [pytest.mark.slow, pytest.mark.browser]
CODE = "SWU2030"


@pytest.fixture(scope="module")
def server(small_web_home, tmp_path_factory):
    import shutil

    from quizzes.bank import load_bank
    from quizzes.engine import CampaignSpec, QuizEngine
    from tests.helpers.web_server import web_server

    home = tmp_path_factory.mktemp("campaign-browser") / "home"
    shutil.copytree(small_web_home, home)
    now = time.time()
    with QuizEngine(home / "quiz.db", load_bank().questions) as eng:
        eng.create_campaign(CampaignSpec(
            code=CODE, name="西南大学“6·5”防空知识竞赛", starts_at=now - 60, ends_at=now + 7200,
            question_count=4, seconds_per_question=30, pass_mark=1, organiser="西南大学武装部",
            fields={"college": True}, headcounts={"西南大学": 300, "重庆大学": 500}, hold_flagged=False))
    add_staff(home)
    with web_server(home, env={"LAWBOT_EMBEDDER": "hash"}) as url:
        yield url, home


def remaining(d) -> int:
    from selenium.webdriver.common.by import By

    return int(d.find_element(By.CSS_SELECTOR, "[data-remaining-ms]").get_attribute("data-remaining-ms"))


def test_a_student_takes_the_round_on_a_phone_and_the_organiser_sees_it(server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    url, home = server
    d = browser()
    try:
        d.get(f"{url}/c/{CODE}")  # what the QR code opens
        assert d.execute_script("return window.innerWidth") == 360
        assert "每题限时 30 秒" in d.find_element(By.CSS_SELECTOR, ".campaign").text
        tap(d, d.find_element(By.LINK_TEXT, "报名参加"))
        d.find_element(By.NAME, "name").send_keys("王小明")
        schools = Select(d.find_element(By.NAME, "school"))
        assert [o.text for o in schools.options][1:] == ["西南大学", "重庆大学"]  # a pick list, no free text
        schools.select_by_visible_text("西南大学")
        d.find_element(By.NAME, "college").send_keys("法学院")
        tap(d, d.find_element(By.CSS_SELECTOR, "form.form button[type=submit]"))
        assert "已报名：王小明（西南大学" in wait_for(d, ".campaign")[0].text
        tap(d, d.find_element(By.XPATH, "//button[contains(., '开始正式答题')]"))

        wait_for(d, ".question .option")
        assert "第 1/4 题" in d.find_element(By.CSS_SELECTOR, ".progress").text
        shown = int(d.find_element(By.ID, "seconds").text)
        time.sleep(2.2)
        assert int(d.find_element(By.ID, "seconds").text) < shown  # the countdown runs
        assert d.execute_script("return document.documentElement.scrollWidth") <= 360
        SHOTS.mkdir(parents=True, exist_ok=True)
        d.save_screenshot(str(SHOTS / "campaign-question-360.png"))
        before = remaining(d)
        stem = d.find_element(By.CSS_SELECTOR, ".stem").text
        d.refresh()  # a reload mid-question: the same question, the time left (not a fresh 30 s)
        wait_for(d, ".question .option")
        assert d.find_element(By.CSS_SELECTOR, ".stem").text == stem and remaining(d) < before

        tap(d, d.find_elements(By.CSS_SELECTOR, ".question button.option, .question input[type=checkbox]")[0])
        if d.find_elements(By.CSS_SELECTOR, ".question input[type=checkbox]:checked"):
            tap(d, d.find_element(By.CSS_SELECTOR, ".question button.primary"))
        wait_for(d, ".question .notice-text")
        assert "第 2/4 题" in d.find_element(By.CSS_SELECTOR, ".progress").text

        attempt = int(re.search(r"/play/(\d+)", d.current_url).group(1))
        conn = sqlite3.connect(home / "quiz.db")  # the student waited too long on question 2
        conn.execute("UPDATE attempt_items SET deadline_at=? WHERE attempt_id=? AND position=1",
                     (time.time() - 10, attempt))
        conn.commit()
        tap(d, d.find_elements(By.CSS_SELECTOR, ".question button.option, .question input[type=checkbox]")[0])
        if d.find_elements(By.CSS_SELECTOR, ".question input[type=checkbox]:checked"):
            tap(d, d.find_element(By.CSS_SELECTOR, ".question button.primary"))
        assert "已超时" in wait_for_text(d, ".question .notice-text", "已超时")  # refused, not counted
        assert conn.execute("SELECT outcome FROM answers WHERE attempt_id=? AND position=1",
                            (attempt,)).fetchone()[0] == "timeout"
        while d.find_elements(By.CSS_SELECTOR, ".question"):
            from quizzes.engine import QuizEngine

            with QuizEngine(home / "quiz.db") as eng:
                item = eng.current(attempt)
            buttons = d.find_elements(By.CSS_SELECTOR, ".question button.option")
            if buttons:
                tap(d, buttons[item.correct_shown[0]])
            else:
                for i in item.correct_shown:
                    tap(d, d.find_elements(By.CSS_SELECTOR, ".question input[type=checkbox]")[i])
                tap(d, d.find_element(By.CSS_SELECTOR, ".question button.primary"))
            time.sleep(0.3)

        result = wait_for(d, ".result")[0].text
        assert "得分" in result and "第 1 名（共 1 人）" in result and "恭喜通过" in result
        code = re.search(r"LB-[A-Z0-9]{4}-[A-Z0-9]{4}", result).group(0)
        assert d.find_element(By.PARTIAL_LINK_TEXT, "证书 PDF").get_attribute("href").endswith(".pdf")
        tap(d, d.find_element(By.PARTIAL_LINK_TEXT, "证书图片"))
        wait_for(d, "img")
        assert d.current_url.endswith(".png")
        d.save_screenshot(str(SHOTS / "campaign-certificate-360.png"))
        d.get(f"{url}/verify/{code}")
        page = wait_for(d, ".verify")[0].text
        assert "证书有效" in page and "王*明" in page and "王小明" not in page
        from quizzes.engine import QuizEngine

        with QuizEngine(home / "quiz.db") as eng:
            eng.revoke(code, "复核发现代答")
        d.refresh()
        page = wait_for(d, ".verify")[0].text
        assert "证书已撤销" in page and "复核发现代答" in page
    finally:
        d.quit()

    staff = browser(width=None)
    try:
        staff.get(f"{url}/staff/login")
        staff.find_element(By.NAME, "name").send_keys(STAFF)
        staff.find_element(By.NAME, "password").send_keys(PASSWORD)
        staff.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        from selenium.webdriver.support.ui import WebDriverWait

        # Navigating on before the login's reply has landed cancels it (no session cookie, and the
        # console sends the browser back to the login page): wait for the page it leads to.
        WebDriverWait(staff, 30).until(lambda s: "/staff/login" not in s.current_url)
        staff.get(f"{url}/staff/campaigns/{CODE}")
        try:
            WebDriverWait(staff, 30).until(
                lambda s: s.find_element(By.CSS_SELECTOR, '[data-fig="participants"]').text == "1")
        except Exception as exc:  # say what the organiser saw and what the figures' source says
            stats = staff.execute_async_script(
                "var done = arguments[arguments.length - 1];"
                f"fetch('{url}/staff/campaigns/{CODE}/stats.json', {{credentials: 'same-origin'}})"
                ".then(function (r) { return r.text().then(function (t) { done(r.status + ' ' + t.slice(0, 600)); }); })"
                ".catch(function (e) { done('fetch failed: ' + e); });")
            body = staff.find_element(By.TAG_NAME, "body").text[:600]
            raise AssertionError(f"dashboard at {staff.current_url} shows: {body!r}; stats.json: {stats!r}") from exc
        assert "西南大学" in staff.find_element(By.CSS_SELECTOR, '[data-chart="schools"]').text
        assert staff.find_element(By.CSS_SELECTOR, '[data-fig="registered"]').text == "1"
    finally:
        staff.quit()


def test_the_certificate_image_for_the_readme(server):
    """The certificate as a participant downloads it (PNG with its QR code), kept for the README."""
    from PIL import Image

    from quizzes.certificate import render_certificate
    from quizzes.engine import Certificate

    cert = Certificate(code="LB-7K3M-Q9TX", campaign_code=CODE, campaign_name="西南大学“6·5”防空知识竞赛",
                       name="王小明", school="西南大学", score=9, total=10, issued_at=time.time())
    url, _ = server
    png = render_certificate(cert, organiser="西南大学武装部", base_url=url)
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "campaign-certificate.png").write_bytes(png)
    assert Image.open(SHOTS / "campaign-certificate.png").size == (1600, 1130)
