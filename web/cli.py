"""``lawbot web …``: serve the web channel and manage staff accounts for its console."""
from __future__ import annotations

import sys

import click

from kb.settings import Settings


@click.group(name="web")
def web_group() -> None:
    """网页版：群众问答页面、法规浏览、工作人员后台和 JSON 接口。"""


@web_group.command("run")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--root-path", default="", help="Path prefix when served behind a proxy (e.g. /lawbot).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes (each loads the model once).")
@click.option("--forwarded-allow-ips", default="127.0.0.1", show_default=True,
              help="Proxies whose X-Forwarded-For/-Proto headers are trusted.")
@click.pass_obj
def run(settings: Settings, host: str, port: int, root_path: str, workers: int, forwarded_allow_ips: str) -> None:
    """启动网页服务（uvicorn）。"""
    from web.run import serve

    root_path = root_path.rstrip("/")
    if root_path and not root_path.startswith("/"):
        raise click.UsageError("--root-path 必须以 / 开头，例如 /lawbot。")
    click.echo(f"网页版已启动：http://{_shown(host)}:{port}{root_path}/", err=True)
    serve(settings, host, port, root_path, workers, forwarded_allow_ips)


def _shown(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "") else (f"[{host}]" if ":" in host else host)


@web_group.command("add-staff")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (scripts).")
@click.pass_obj
def add_staff(settings: Settings, name: str, password_stdin: bool) -> None:
    """新增工作人员账号或重设其密码（密码以 scrypt 散列保存）。"""
    from web.accounts import Accounts

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("密码", hide_input=True, confirmation_prompt="再输入一次")
    accounts = Accounts(settings.home / "web.db")
    try:
        created = accounts.set_password(name, password)
    finally:
        accounts.close()
    click.echo(f"已新增工作人员 {name}。" if created else f"已重设 {name} 的密码，原有登录已失效。")


@web_group.command("staff")
@click.pass_obj
def list_staff(settings: Settings) -> None:
    """列出工作人员账号。"""
    from web.accounts import Accounts

    accounts = Accounts(settings.home / "web.db")
    try:
        names = accounts.names()
    finally:
        accounts.close()
    click.echo("\n".join(names) if names else "还没有工作人员账号。可运行：lawbot web add-staff 用户名")
