"""The web channel in a real browser: headless Chromium (Debian's ``chromium`` and
``chromium-driver``, driven by Selenium) against ``lawbot web run`` on loopback, with the real
model over the real core corpus. Writes the screenshots named in the README to docs/screenshots/.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.paths import REPO
from tests.web.test_web_staff import NEW_22, OLD_22, amended_law

pytestmark = [pytest.mark.slow, pytest.mark.browser]
CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
SHOTS = REPO / "docs" / "screenshots"
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
         "--autoplay-policy=no-user-gesture-required", "--lang=zh-CN")


def browser(width: int | None = 360, height: int = 780):
    if not (CHROMIUM.exists() and DRIVER.exists()):
        pytest.skip("chromium / chromium-driver are not installed (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    if width:  # a phone: 360 CSS pixels wide, device pixel ratio 2
        options.add_experimental_option("mobileEmulation",
                                        {"deviceMetrics": {"width": width, "height": height, "pixelRatio": 2}})
    else:
        options.add_argument("--window-size=1280,1000")
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    driver.set_page_load_timeout(60)
    return driver


def real_home(request) -> Path:
    """The real-model core home: the session's ``core_home``, or a prebuilt one named by
    ``LAWBOT_TEST_CORE_HOME`` (developers: skips the minutes of building it; it is copied)."""
    prebuilt = os.environ.get("LAWBOT_TEST_CORE_HOME")
    return Path(prebuilt) if prebuilt else request.getfixturevalue("core_home")


@pytest.fixture(scope="module")
def server(request, tmp_path_factory):
    from tests.helpers.web_server import web_server

    home = tmp_path_factory.mktemp("browser") / "home"
    shutil.copytree(real_home(request), home)
    with web_server(home) as url:
        yield url, home


def wait_for(driver, css: str, timeout: float = 60, count: int = 1):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, css)) >= count)
    return driver.find_elements(By.CSS_SELECTOR, css)


def wait_for_text(driver, css: str, text: str, timeout: float = 60) -> str:
    """Wait until an element matching ``css`` shows ``text`` and return its text. The page may
    re-render meanwhile (the previous answer's notice replaced by the next one): an element gone
    stale is looked up again, not read."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def shown(d):
        try:
            return next((t for e in d.find_elements(By.CSS_SELECTOR, css) if text in (t := e.text)), False)
        except StaleElementReferenceException:
            return False

    return WebDriverWait(driver, timeout).until(shown)


def tap(driver, element) -> None:
    """Scroll the element to the middle of the screen (clear of the fixed question bar), tap it."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def ask(driver, question: str, n: int):
    """Type a question, send it, wait for the n-th answer on the page."""
    from selenium.webdriver.common.by import By

    box = driver.find_element(By.ID, "q")
    box.clear()
    box.send_keys(question)
    driver.find_element(By.CSS_SELECTOR, "#ask button[type=submit]").click()
    return wait_for(driver, "#exchanges .exchange", count=n)[n - 1]


def test_citizen_asks_on_a_phone_opens_a_related_article_and_gives_feedback(server):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    url, home = server
    d = browser()
    try:
        d.get(url + "/")
        assert d.execute_script("return window.innerWidth") == 360
        first = ask(d, "防空洞能租来开店吗？", 1)
        quote = first.find_element(By.CSS_SELECTOR, ".quote .text")
        assert "人民防空工程" in quote.text
        assert first.find_element(By.CSS_SELECTOR, ".quote mark").text  # the answering sentence marked
        assert "《中华人民共和国人民防空法》" in first.find_element(By.CSS_SELECTOR, ".cite").text
        assert "不构成法律意见" in first.text
        # nothing overflows the phone's width
        assert d.execute_script("return document.documentElement.scrollWidth") <= 360
        related = first.find_elements(By.CSS_SELECTOR, ".related-item")
        assert related, "the answer offers related articles"
        body = related[0].find_element(By.CSS_SELECTOR, ".quote .text")
        assert not body.is_displayed()
        tap(d, related[0].find_element(By.TAG_NAME, "summary"))  # one tap opens it
        assert body.is_displayed() and body.text.startswith("第")
        tap(d, first.find_element(By.CSS_SELECTOR, "button.fb.up"))
        done = wait_for(d, "#exchanges .exchange .fb-done:not([hidden])")[0]
        assert "感谢" in done.text
        SHOTS.mkdir(parents=True, exist_ok=True)
        d.execute_script("arguments[0].scrollIntoView({block: 'start'})", first)  # question, answer, opened related
        d.save_screenshot(str(SHOTS / "chat-360.png"))
        # a follow-up refers to the law just shown
        second = ask(d, "那第二十七条呢？", 2)
        assert "《中华人民共和国人民防空法》第二十七条" in second.text
        # a hostile question is shown as text, runs nothing
        attack = '<script>alert(1)</script>"><img src=x onerror=alert(1)>防空洞'
        third = ask(d, attack, 3)
        assert attack in third.find_element(By.CSS_SELECTOR, ".msg.user").text
        assert not third.find_elements(By.CSS_SELECTOR, "img, script")
        with pytest.raises(NoAlertPresentException):
            d.switch_to.alert.text
    finally:
        d.quit()
    db = sqlite3.connect(home / "lawbot.db")
    assert db.execute("SELECT COUNT(*) FROM feedback WHERE value=1").fetchone()[0] >= 1


def test_alarm_signal_plays_from_its_pattern(server):
    from selenium.webdriver.common.by import By

    url, _ = server
    d = browser()
    try:
        d.get(url + "/65")
        card = d.find_element(By.ID, "air_raid")
        card.find_element(By.CSS_SELECTOR, ".play[data-speed='10']").click()
        time.sleep(0.4)
        status = card.find_element(By.CSS_SELECTOR, ".status").text
        assert "第 1/15 遍" in status and "鸣响中" in status
        time.sleep(0.5)  # 6 s sounding at 10× = 0.6 s: now in the first pause
        assert "停顿中" in card.find_element(By.CSS_SELECTOR, ".status").text
        card.find_element(By.CSS_SELECTOR, ".stop").click()
    finally:
        d.quit()


def test_staff_uploads_confirms_and_the_next_citizen_answer_uses_it(server, tmp_path):
    from selenium.webdriver.common.by import By

    url, home = server
    r = subprocess.run([sys.executable, "-m", "bot.cli", "--home", str(home), "web", "add-staff", "editor",
                        "--password-stdin"], input="browser test password\n", text=True, cwd=REPO,
                       capture_output=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(
                           p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)})
    assert r.returncode == 0, r.stderr
    law = tmp_path / "人民防空法(2026-12-01).md"
    law.write_bytes(amended_law())
    d = browser(width=None)
    try:
        d.get(url + "/staff")
        d.find_element(By.NAME, "name").send_keys("editor")
        d.find_element(By.NAME, "password").send_keys("browser test password")
        d.find_element(By.CSS_SELECTOR, "form.form button[type=submit]").click()
        wait_for(d, "#chart-days")
        assert d.execute_script("return !!(window.Chart && Chart.getChart('chart-days'))")
        d.save_screenshot(str(SHOTS / "dashboard.png"))
        d.get(url + "/staff/upload")
        d.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(law))
        d.find_element(By.CSS_SELECTOR, "form.form button[type=submit]").click()
        wait_for(d, "#confirm-upload")
        page = d.find_element(By.TAG_NAME, "main").text
        assert OLD_22 in page and NEW_22 in page and "修改 1 条" in page
        d.find_element(By.ID, "confirm-upload").click()  # loads in the background; the page refreshes
        wait_for(d, "p.ok", timeout=1200)
        assert "已导入" in d.find_element(By.TAG_NAME, "h1").text
    finally:
        d.quit()
    citizen = browser()
    try:
        citizen.get(url + "/")
        answer = ask(citizen, "人防法第二十二条", 1)
        assert NEW_22 in answer.text and OLD_22 not in answer.text
    finally:
        citizen.quit()
