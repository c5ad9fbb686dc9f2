"""``lawbot --home H bot run`` as a real subprocess against the loopback Bot API.

The whole deployment path: click CLI → settings from flags and environment → logging with the
token redacted → ``Application.run_polling`` → the real e5 model over the real core corpus.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import FakeBotApi

REPO = Path(__file__).resolve().parents[2]
LAWBOT = Path(sys.executable).with_name("lawbot")
CITATION = re.compile(r"《[^《》]+》第[零〇一二两三四五六七八九十百千]+条")

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.mark.slow
def test_bot_run_subprocess_answers_citizens(core_home, tmp_path) -> None:
    home = tmp_path / "home"
    shutil.copytree(core_home, home)
    log_path = tmp_path / "bot.log"
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": "TEST", "LAWBOT_STAFF_IDS": "9001", "PYTHONUNBUFFERED": "1"}
    env.pop("TELEGRAM_API_BASE_URL", None)
    with FakeBotApi.in_thread() as api, open(log_path, "wb") as log:
        proc = subprocess.Popen([str(LAWBOT), "--home", str(home), "bot", "run", "--api-base-url", api.base_url],
                                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            citizen = api.user(1001)
            start = api.run_sync(citizen.send_text("/start", timeout=90), timeout=100)
            assert "人民防空普法助手" in start.text and start.params["parse_mode"] == "HTML"

            answer = api.run_sync(citizen.send_text("防空洞能租来开店吗"))
            assert CITATION.search(answer.text), answer.text  # valid HTML, or the fake would refuse it
            assert "📄 查看全文" in answer.button_texts and "👍 有帮助" in answer.button_texts
            full = api.run_sync(citizen.press(answer, "📄 查看全文"))
            assert CITATION.search(full.text.replace("\n", "")) or "第" in full.text
            api.run_sync(citizen.press(answer, "👍 有帮助", wait=False))
            api.run_sync(api.wait_for(lambda: any("感谢" in (c.params.get("text") or "")
                                                  for c in api.calls("answerCallbackQuery"))))

            refused = api.run_sync(citizen.upload("法规.md", "# 某法\n\n第一条 内容。".encode()))
            assert "只有工作人员" in refused.text
            assert api.calls("getFile") == [] and api.calls("downloadFile") == []
            assert [c["command"] for c in api.calls("setMyCommands")[0].params["commands"]][:2] == ["start", "help"]
            assert all(c.ok for c in api.calls("sendMessage"))
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    output = log_path.read_text(encoding="utf-8", errors="replace")
    assert proc.returncode == 0, output
    assert "botTEST" not in output and "/TEST/" not in output  # the token never reaches the logs
    assert "Traceback" not in output, output
    assert "starting the Telegram bot" in output and "bot stopped" in output


def test_bot_run_requires_a_token(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    result = subprocess.run([str(LAWBOT), "--home", str(tmp_path / "h"), "bot", "run"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "TELEGRAM_BOT_TOKEN" in result.stderr
