"""The terminal chat: the same answering core as the bot, one question per line."""
from __future__ import annotations

import click

from bot.render_text import render_answer
from kb.answer import INTRODUCTION


def answer_text(assistant, question: str, channel: str = "cli") -> str:
    return render_answer(assistant.answer(question, channel=channel))


def run_chat(assistant) -> None:
    click.echo(INTRODUCTION + "输入“退出”结束。")
    while True:
        try:
            line = click.prompt("", prompt_suffix="> ", default="", show_default=False)
        except (EOFError, click.Abort):
            click.echo("")
            return
        if line.strip() in {"退出", "exit", "quit", "q"}:
            click.echo("再见！")
            return
        click.echo(answer_text(assistant, line, channel="terminal"))
        click.echo("")
