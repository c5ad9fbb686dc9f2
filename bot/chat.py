"""The terminal chat: the same answering operation as the bot (:mod:`app.answering`), one
question per line."""
from __future__ import annotations

import click

from app.answering import Answering
from app.conversation import Conversation
from bot.render_text import render_answer
from kb.answer import INTRODUCTION


def answer_text(answering: Answering, question: str, channel: str = "cli") -> str:
    return render_answer(answering.ask(question, channel=channel))


def run_chat(answering: Answering) -> None:
    click.echo(INTRODUCTION + "输入“退出”结束。")
    conversation = Conversation()  # follow-ups (那第二十五条呢？ 罚多少？) refer to the last answer
    while True:
        try:
            line = click.prompt("", prompt_suffix="> ", default="", show_default=False)
        except (EOFError, click.Abort):
            click.echo("")
            return
        if line.strip() in {"退出", "exit", "quit", "q"}:
            click.echo("再见！")
            return
        reply, conversation = conversation.ask(answering, line, channel="terminal")
        click.echo(render_answer(reply))
        click.echo("")
