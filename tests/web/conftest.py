"""Fixtures of the web tests: a small home (three real laws, hash embedder) served through the
ASGI test client, and helpers to read CSRF tokens and log staff in."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.helpers.paths import CORE

SMALL_LAWS = ("人民防空法(2009-08-27).md", "国防教育法(2018-04-27).md", "国防教育法(2024-09-13).md",
              "重庆市人民防空条例(2010-07-30).md")
SECRET = b"test-secret-0123456789abcdef0123456789"
STAFF, PASSWORD = "alice", "correct horse battery"


@pytest.fixture(scope="session")
def small_web_home(tmp_path_factory) -> Path:
    """Built once: four real law files, indexed with the hash embedder."""
    from ingest.loader import expand_paths, load_files
    from kb.embed import HashEmbedder
    from kb.service import KnowledgeBase
    from kb.settings import Settings

    home = tmp_path_factory.mktemp("web-home")
    kb = KnowledgeBase(Settings(home=home, embedder="hash"), embedder=HashEmbedder())
    load_files(kb.store, expand_paths([CORE / name for name in SMALL_LAWS]))
    kb.reindex()
    kb.close()
    return home


@pytest.fixture
def web_home(small_web_home, tmp_path) -> Path:
    target = tmp_path / "home"
    shutil.copytree(small_web_home, target)
    return target


def make_client(home: Path, **web_overrides):
    from fastapi.testclient import TestClient

    from kb.embed import HashEmbedder
    from kb.settings import Settings
    from bot.web.app import create_app
    from app.config import WebSettings

    settings = Settings(home=home, embedder="hash")
    web = WebSettings(secret=SECRET, **{"asks_per_minute": 100, **web_overrides})
    return TestClient(create_app(settings, web, embedder=HashEmbedder()))


@pytest.fixture
def client(web_home):
    with make_client(web_home) as c:
        yield c


def csrf_of(html: str) -> str:
    return re.search(r'name="lawbot-csrf" content="([^"]+)"', html).group(1)


def page_csrf(client, path: str = "/") -> str:
    return csrf_of(client.get(path).text)


def ask(client, question: str, **extra):
    token = page_csrf(client)
    return client.post("/ask", data={"q": question, "csrf": token, **extra}, headers={"x-requested-with": "fetch"})


def add_staff(home: Path, name: str = STAFF, password: str = PASSWORD) -> None:
    from bot.web.accounts import Accounts

    accounts = Accounts(home / "web.db")
    accounts.set_password(name, password)
    accounts.close()


def login(client, name: str = STAFF, password: str = PASSWORD):
    token = page_csrf(client, "/staff/login")
    return client.post("/staff/login", data={"name": name, "password": password, "csrf": token},
                       follow_redirects=False)
