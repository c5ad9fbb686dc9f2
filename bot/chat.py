"""The terminal chat: the same answering core as the bot, one question per line."""
from __future__ import annotations

import click

from bot.render_text import render_answer
from kb.answer import compose

WELCOME = ("您好！我是人民防空与国防法规普法助手。请用日常语言提问，例如“防空洞能租来开店吗？”，"
           "或直接查条文，例如“人防法第二十二条”。输入“退出”结束。")
MAX_QUESTION = 500


def answer_text(kb, question: str) -> str:
    question = question.strip()
    if not question:
        return "请输入您的问题。"
    if len(question) > MAX_QUESTION:
        return f"问题有点长（超过 {MAX_QUESTION} 字），请简要说明您想了解的情况。"
    settings = kb.settings
    answer = compose(kb.search(question, 10), settings.legal_hotline, settings.office_contact)
    return render_answer(answer)


def run_chat(kb) -> None:
    click.echo(WELCOME)
    while True:
        try:
            line = click.prompt("", prompt_suffix="> ", default="", show_default=False)
        except (EOFError, click.Abort):
            click.echo("")
            return
        if line.strip() in {"退出", "exit", "quit", "q"}:
            click.echo("再见！")
            return
        click.echo(answer_text(kb, line))
        click.echo("")
