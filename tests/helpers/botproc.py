"""``lawbot bot run`` as a real process against the loopback Bot API, for fault injection.

The reliability suite (``tests/reliability``) starts the deployed command line — click, settings
from the environment, logging, PTB's ``run_polling`` / ``run_webhook`` — kills it with SIGKILL at
awkward moments and starts it again on the same data directory, then checks the data directory
with :func:`integrity` and the quiz helpers below. Students are driven through the fake's users
(``api.run_sync(user.send_text(...))``); a question is answered by pressing its first option.
"""
from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

from .fake_bot_api import BotMessage, FakeBotApi, FakeUser
from .paths import REPO

STAFF = 9001


def free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BotProcess:
    """One ``lawbot --home HOME bot run`` process at a time; ``kill()`` is SIGKILL."""

    def __init__(self, api: FakeBotApi, home: Path, log: Path, *, webhook_port: int | None = None,
                 env: dict[str, str] | None = None):
        self.api, self.home, self.log_path = api, home, log
        self.webhook_port = webhook_port
        self.env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1", "TELEGRAM_BOT_TOKEN": "TEST",
                    "LAWBOT_STAFF_IDS": str(STAFF), "LAWBOT_EMBEDDER": "hash", **(env or {})}
        self.env.pop("TELEGRAM_API_BASE_URL", None)
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def argv(self) -> list[str]:
        args = [sys.executable, "-m", "bot.cli", "--home", str(self.home), "bot", "run",
                "--api-base-url", self.api.base_url]
        if self.webhook_port:
            args += ["--webhook", "https://bot.example/hook", "--webhook-listen", "127.0.0.1",
                     "--webhook-port", str(self.webhook_port), "--webhook-secret", "s3cret"]
        return args

    def start(self, timeout: float = 60.0) -> BotProcess:
        """Start and wait until it is taking updates (polling, or listening for webhook POSTs)."""
        polls = len(self.api.calls("getUpdates"))
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self.argv(), cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"bot exited with {self.proc.returncode}:\n{self.log()[-3000:]}")
            if self.webhook_port:
                if self.api.calls("setWebhook")[self.starts - 1:] and self._listening():
                    return self
            elif len(self.api.calls("getUpdates")) > polls:
                return self
            time.sleep(0.05)
        raise TimeoutError(f"bot not ready in {timeout}s:\n{self.log()[-3000:]}")

    def _listening(self) -> bool:
        with closing(socket.socket()) as s:
            return s.connect_ex(("127.0.0.1", self.webhook_port)) == 0

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, nothing is flushed or confirmed."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> int:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else 0

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""


def integrity(path: Path) -> str:
    """``PRAGMA integrity_check`` of a SQLite file (``"ok"`` when sound)."""
    with closing(sqlite3.connect(path, timeout=30)) as con:
        return "; ".join(r[0] for r in con.execute("PRAGMA integrity_check"))


def rows(path: Path, sql: str, params=()) -> list[tuple]:
    with closing(sqlite3.connect(path, timeout=30)) as con:
        return con.execute(sql, params).fetchall()


def held_certificates(db) -> int:
    """No flagged participant holds a valid certificate (issue #14 item 5); how many are held."""
    if "status" not in {r[1] for r in rows(db, "PRAGMA table_info(certificates)")}:
        return 0
    assert rows(db, "SELECT count(*) FROM certificates c JOIN attempts t ON t.id = c.attempt_id"
                    " WHERE t.flagged = 1 AND c.status = 'valid'") == [(0,)]
    return rows(db, "SELECT count(*) FROM certificates WHERE status = 'held'")[0][0]


def quiz_buttons(message: dict) -> list[str]:
    return [b.get("callback_data", "") for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row if b.get("callback_data", "")[:3] in ("qa:", "qt:")]


def open_question(api: FakeBotApi, user: FakeUser, after: tuple[int, int] = (0, -1),
                  timeout: float = 30.0) -> dict:
    """The newest question message of the user's round past ``after`` (attempt, position)."""
    def find():
        found = [(key, m) for m in api.sent_messages(user.id) if (buttons := quiz_buttons(m))
                 and (key := tuple(int(x) for x in buttons[0].split(":")[1:3])) > after]
        return max(found, key=lambda f: (f[0], f[1]["message_id"]))[1] if found else None
    return api.run_sync(api.wait_for(find, timeout=timeout), timeout=timeout + 5)


def key_of(message: dict) -> tuple[int, int]:
    attempt, position = quiz_buttons(message)[0].split(":")[1:3]
    return int(attempt), int(position)


def answer_first(api: FakeBotApi, user: FakeUser, question: dict, wait: bool = True) -> BotMessage | None:
    """Press the first option (and 提交 for a multi-answer question). With ``wait`` returns the
    feedback the question became: the bot acknowledged the answer only after committing it."""
    buttons = quiz_buttons(question)
    if buttons[0].startswith("qt:"):  # several answers: toggle the first, then submit
        toggled = api.run_sync(user.press(question["message_id"], buttons[0]))
        submit = next(b for b in quiz_buttons(toggled.message) if b.startswith("qa:"))
        return api.run_sync(user.press(question["message_id"], submit, wait=wait))
    return api.run_sync(user.press(question["message_id"], buttons[0], wait=wait))
