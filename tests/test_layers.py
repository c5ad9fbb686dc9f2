"""Imports point down: the core (kb, ingest, quizzes) and the application layer (app) load no
channel (telegram, bot) and no web framework, so any channel can be built on them."""
from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("telegram", "bot", "fastapi", "starlette", "uvicorn", "aiohttp", "flask", "django")


def test_core_and_app_import_no_channel_or_web_framework():
    code = (
        "import sys, pkgutil, importlib\n"
        "import kb, ingest, quizzes, app\n"
        "for pkg in (kb, ingest, quizzes, app):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"the core or app imported: {out.stdout.strip()}"


def test_core_reads_no_settings_from_the_environment():
    """Settings come from the entry point (app.config); the core only quiets the libraries it
    loads (``os.environ.setdefault`` of their own logging variables)."""
    import re

    from tests.helpers.paths import REPO

    reads = re.compile(r"os\.getenv|environ\.get\(|environ\[|getenv\(")
    found = [f"{p.relative_to(REPO)}:{n}" for pkg in ("kb", "ingest", "quizzes")
             for p in sorted((REPO / pkg).rglob("*.py"))
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if reads.search(line)]
    assert found == []
