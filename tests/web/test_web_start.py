"""``lawbot start`` serves the web page on a loaded data directory and prints its address."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request

from tests.helpers.paths import REPO
from tests.helpers.web_server import free_port


def test_start_serves_the_chat_page_and_prints_its_address(web_home, tmp_path):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p),
           "TELEGRAM_BOT_TOKEN": ""}
    log = tmp_path / "start.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "--home", str(web_home), "--embedder", "hash",
                                 "start", "--port", str(port)], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            page = None
            for _ in range(300):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                        page = r.read().decode()
                    break
                except OSError:
                    assert proc.poll() is None, log.read_text()
                    time.sleep(0.2)
            assert page and 'id="ask"' in page and "人民防空普法助手" in page
        finally:
            proc.terminate()
            proc.wait(15)
    assert f"网页版：http://127.0.0.1:{port}/" in log.read_text()
