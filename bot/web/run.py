"""Serving the web app for real: uvicorn with forwarded headers, one or several worker processes.

Workers are separate processes started by uvicorn from :func:`app_from_env` (an import string,
so the settings travel through ``LAWBOT_*`` variables set by ``lawbot web run``). Each worker
owns its own application-layer workers and SQLite connections; the store is shared safely
(SQLite WAL).
"""
from __future__ import annotations

import logging
import os

from typing import Callable

from kb.settings import Settings

log = logging.getLogger("web")


def app_from_env():
    """The app for a uvicorn worker, from the environment ``lawbot web run`` prepared."""
    from app.config import load_settings, load_web_settings
    from bot.web.app import create_app

    settings = load_settings(os.environ.get("LAWBOT_HOME"))
    return create_app(settings, load_web_settings(settings.home))


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000, root_path: str = "",
          workers: int = 1, forwarded_allow_ips: str = "127.0.0.1", log_level: str = "info") -> None:
    """Run uvicorn until interrupted (blocks)."""
    import uvicorn

    os.environ["LAWBOT_HOME"] = str(settings.home)
    os.environ["LAWBOT_EMBEDDER"] = settings.embedder
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # one inference thread per query (see bot run)
    uvicorn.run("bot.web.run:app_from_env", factory=True, host=host, port=port, workers=max(1, workers),
                proxy_headers=True, forwarded_allow_ips=forwarded_allow_ips, root_path=root_path, log_level=log_level,
                server_header=False, access_log=False)


def serve_in_background(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> Callable[[], None]:
    """Serve the web app from a thread of this process (``lawbot start`` beside the Telegram bot);
    returns a function that stops it."""
    import threading

    import uvicorn

    from bot.web.app import create_app

    config = uvicorn.Config(create_app(settings), host=host, port=port, proxy_headers=True,
                            server_header=False, access_log=False, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="lawbot-web", daemon=True)
    thread.start()

    def stop() -> None:
        server.should_exit = True
        thread.join(15)

    return stop
