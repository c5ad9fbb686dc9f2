"""``lawbot web …``: serve the web channel and manage staff accounts for its console."""
from __future__ import annotations

import sys

import click

from kb.settings import Settings


@click.group(name="web")
def web_group() -> None:
    """网页版：群众问答页面、法规浏览、工作人员后台和 JSON 接口。"""


def valid_host(ctx, param, value: str) -> str:
    """An IP address or a host name to bind (refused before anything starts)."""
    import ipaddress
    import re

    try:
        ipaddress.ip_address(value)
        return value
    except ValueError:
        pass
    if re.fullmatch(r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?", value or ""):
        return value
    raise click.BadParameter(f"“{value[:40]}”不是有效的地址，例如 127.0.0.1 或 0.0.0.0。")


def _proxies(ctx, param, value: str) -> str:
    """``*`` or comma-separated IP addresses / networks of trusted proxies."""
    import ipaddress

    parts = [p.strip() for p in (value or "").split(",")]
    try:
        for part in parts:
            if part != "*":
                ipaddress.ip_network(part, strict=False)
    except ValueError:
        raise click.BadParameter("应为以逗号分隔的 IP 地址或网段（如 127.0.0.1,10.0.0.0/8），或 *。") from None
    return ",".join(parts)


def _root(ctx, param, value: str | None) -> str:
    if value is None:
        return ""
    if not value.startswith("/") or len(value) > 200 or any(ch.isspace() for ch in value):
        raise click.BadParameter("必须以 / 开头且不含空格，例如 /lawbot。")
    return value.rstrip("/")


@web_group.command("run")
@click.option("--host", default="127.0.0.1", show_default=True, callback=valid_host, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--root-path", default=None, callback=_root,
              help="Path prefix when served behind a proxy (e.g. /lawbot).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes (each loads the model once).")
@click.option("--forwarded-allow-ips", default="127.0.0.1", show_default=True, callback=_proxies,
              help="Proxies whose X-Forwarded-For/-Proto headers are trusted (comma-separated, or *).")
@click.pass_obj
def run(settings: Settings, host: str, port: int, root_path: str, workers: int, forwarded_allow_ips: str) -> None:
    """启动网页服务（uvicorn）。"""
    from bot.web.run import serve

    click.echo(f"网页版：http://{shown_host(host)}:{port}{root_path}/", err=True)
    serve(settings, host, port, root_path, workers, forwarded_allow_ips)


run.serves = True  # runs until stopped (tests/helpers/cli_walk.py walks only what it refuses)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    try:
        return click.prompt("密码", hide_input=True, confirmation_prompt="再输入一次")
    except (click.Abort, EOFError):
        raise click.UsageError("没有读到密码：请在终端里输入，或用 --password-stdin 从标准输入读取。") from None


def shown_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "") else (f"[{host}]" if ":" in host else host)


@web_group.command("add-staff")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (scripts).")
@click.pass_obj
def add_staff(settings: Settings, name: str, password_stdin: bool) -> None:
    """新增工作人员账号或重设其密码（密码以 scrypt 散列保存）。"""
    from bot.web.accounts import Accounts

    accounts = Accounts(settings.home / "web.db")
    try:
        accounts.ensure_writable()  # a read-only home says so before asking for a password
        created = accounts.set_password(name, _read_password(password_stdin))
    finally:
        accounts.close()
    click.echo(f"已新增工作人员 {name}。" if created else f"已重设 {name} 的密码，原有登录已失效。")


@web_group.command("staff")
@click.pass_obj
def list_staff(settings: Settings) -> None:
    """列出工作人员账号。"""
    from bot.web.accounts import Accounts

    accounts = Accounts(settings.home / "web.db")
    try:
        names = accounts.names()
    finally:
        accounts.close()
    click.echo("\n".join(names) if names else "还没有工作人员账号。可运行：lawbot web add-staff 用户名")
