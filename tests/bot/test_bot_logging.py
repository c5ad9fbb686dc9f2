"""The bot's log shows operators real problems only (issue #14, item 7): FAISS's probe of the
instruction sets this build lacks (``ModuleNotFoundError: faiss.swigfaiss_avx512``) is not logged,
while FAISS's own warnings and errors still are."""
from __future__ import annotations

import os
import subprocess
import sys

from tests.helpers.paths import REPO

SCRIPT = """
import logging
from bot.telegram.run import configure_logging
configure_logging("123:SECRET")
import faiss  # the loader probes avx512, avx2, then the generic build
logging.getLogger("faiss.loader").error("a real faiss problem")
logging.getLogger("bot.telegram").info("starting the Telegram bot")
"""


def test_faiss_probe_lines_are_not_logged_but_its_errors_are() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=False, cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
    assert result.returncode == 0, result.stderr
    log = result.stderr
    assert "ModuleNotFoundError" not in log and "swigfaiss" not in log and "Could not load" not in log
    assert "ERROR faiss.loader: a real faiss problem" in log
    assert "INFO bot.telegram: starting the Telegram bot" in log
