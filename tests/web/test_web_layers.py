"""The web channel is built on the application layer: importing every web module loads neither
Telegram nor any other channel of the bot package (the CLI, the terminal chat)."""
from __future__ import annotations

import subprocess
import sys


def test_web_imports_no_telegram_or_bot():
    code = ("import sys, pkgutil, importlib, bot.web as web\n"
            "for m in pkgutil.walk_packages(web.__path__, 'bot.web.'):\n"
            "    importlib.import_module(m.name)\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'telegram' or (m.startswith('bot.') and not m.startswith('bot.web')))))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
