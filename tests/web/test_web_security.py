"""Security headers, the embed exception, the API's OpenAPI without a CDN, staff accounts."""
from __future__ import annotations

import sqlite3

from click.testing import CliRunner

from tests.web.conftest import PASSWORD, STAFF, add_staff, login, make_client, page_csrf


def test_security_headers_on_pages_api_and_errors(client):
    for path in ("/", "/api/laws", "/no/such/page", "/static/css/site.css"):
        r = client.get(path)
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"


def test_only_the_embed_page_may_be_framed_by_the_configured_sites(web_home):
    with make_client(web_home, embed_origins="https://www.example.gov.cn") as c:
        r = c.get("/embed")
        assert "frame-ancestors https://www.example.gov.cn" in r.headers["content-security-policy"]
        assert "x-frame-options" not in r.headers
        assert 'id="ask"' in r.text
        js = c.get("/widget.js")
        assert js.status_code == 200 and "/embed" in js.text and "javascript" in js.headers["content-type"]


def test_openapi_is_served_and_swagger_from_a_cdn_is_not(client):
    spec = client.get("/openapi.json").json()
    for path in ("/api/ask", "/api/search", "/api/laws", "/api/articles/{law}/{number}", "/api/feedback"):
        assert path in spec["paths"]
    assert client.get("/docs").status_code == 404
    docs = client.get("/api/docs").text
    assert "/api/ask" in docs and "cdn" not in docs.lower()


def test_add_staff_command_stores_only_a_scrypt_hash(web_home):
    from bot.cli import cli

    r = CliRunner().invoke(cli, ["--home", str(web_home), "web", "add-staff", "bob", "--password-stdin"],
                           input="a long enough password\n")
    assert r.exit_code == 0, r.output
    assert "已新增工作人员 bob" in r.output
    row = sqlite3.connect(web_home / "web.db").execute("SELECT password_hash FROM staff WHERE name='bob'").fetchone()
    assert row[0].startswith("scrypt$") and "a long enough password" not in row[0]
    r = CliRunner().invoke(cli, ["--home", str(web_home), "web", "add-staff", "bob", "--password-stdin"],
                           input="short\n")
    assert r.exit_code == 1 and "密码长度" in r.output


def test_staff_pages_and_api_need_a_session(client, web_home):
    r = client.get("/staff/faq", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/staff/login?next=/staff/faq")
    assert client.get("/api/staff/stats").status_code == 401
    r = client.post("/staff/faq/new", data={"question": "q", "answer": "a", "basis": "人防法第二十二条"})
    assert r.status_code in (401, 403)
    add_staff(web_home)
    r = login(client, STAFF, "wrong password!")
    assert r.status_code == 401 and "不正确" in r.text
    r = login(client)
    assert r.status_code == 303 and r.headers["location"] == "/staff"
    cookie = client.cookies.get("lawbot_staff")
    assert cookie and PASSWORD not in cookie
    dash = client.get("/staff")
    assert dash.status_code == 200 and "使用统计" in dash.text and "chart.umd.min.js" in dash.text
    assert client.get("/api/staff/stats").json()["total"] == 0
    client.post("/staff/logout", data={"csrf": page_csrf(client, "/staff")})
    client.cookies.set("lawbot_staff", cookie)  # replaying the old cookie after logging out
    assert client.get("/staff", follow_redirects=False).status_code == 303


def test_login_only_follows_local_next_paths(client, web_home):
    add_staff(web_home)
    token = page_csrf(client, "/staff/login")
    r = client.post("/staff/login", data={"name": STAFF, "password": PASSWORD, "csrf": token,
                                          "next": "//evil.example/x"}, follow_redirects=False)
    assert r.headers["location"] == "/staff"


def test_repeated_failed_logins_are_slowed_down(client, web_home):
    add_staff(web_home)
    codes = [login(client, STAFF, f"wrong-{i}-password").status_code for i in range(11)]
    assert codes[:10] == [401] * 10 and codes[10] == 429


def test_behind_a_proxy_prefix_links_keep_the_prefix(web_home):
    from fastapi.testclient import TestClient

    from kb.embed import HashEmbedder
    from kb.settings import Settings
    from tests.web.conftest import SECRET
    from bot.web.app import create_app
    from app.config import WebSettings

    app = create_app(Settings(home=web_home, embedder="hash"), WebSettings(secret=SECRET),
                     embedder=HashEmbedder())
    with TestClient(app, root_path="/lawbot") as c:
        html = c.get("/lawbot/").text
        assert 'href="/lawbot/static/css/site.css"' in html and 'action="/lawbot/ask"' in html
        assert c.get("/lawbot/static/css/site.css").status_code == 200


def test_an_unexpected_error_is_a_polite_page_without_a_traceback(web_home):
    from fastapi.testclient import TestClient

    app = make_client(web_home).app

    async def broken(fn):
        raise RuntimeError("secret internal detail")

    app.state.ctx.services.library = broken
    with TestClient(app, raise_server_exceptions=False) as quiet:
        r = quiet.get("/laws")
        assert r.status_code == 500 and "稍后再试" in r.text
        assert "secret internal detail" not in r.text and "Traceback" not in r.text
        r = quiet.get("/api/laws")
        assert r.status_code == 500 and r.json()["error"].startswith("抱歉")
