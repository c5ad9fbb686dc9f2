"""Asking a question from the web: the per-client limit, the application layer's answer, and
the view both the chat page and ``/api/ask`` show. Follow-up questions carry the law and
article just shown (kept by the page, or sent by an API client) to the application layer.
"""
from __future__ import annotations

from dataclasses import replace

from fastapi import Request

from kb.answer import FAQ_DISCLAIMER
from bot.web.context import ctx
from bot.web.deps import Refused, client_address, client_id
from bot.web.views import AnswerView, answer_view

SHOWN_QUESTION = 600  # characters of the question repeated above its answer
MAX_CONTEXT = 100  # characters of a law name / article number carried between questions
SLOW_DOWN = "您提问有点频繁，请稍等一分钟再问。感谢理解！"


def user_ref(request: Request) -> str:
    return f"web:{client_id(request)}"


async def ask(request: Request, question: str, context_law: str = "", context_article: str = "",
              context_question: str = "") -> AnswerView:
    """The answer to ``question`` in the conversation the page (or API client) carries: the law,
    article and question of the last answer; raises :class:`Refused` (429) over the client's limit."""
    from app.conversation import Conversation

    c = ctx(request)
    wait = c.limiter.allow(client_address(request))
    if wait:
        raise Refused(SLOW_DOWN, 429, int(wait))
    conversation = Conversation.carried(context_law, context_article[:MAX_CONTEXT], context_question)
    reply = await c.services.ask(question or "", user_ref(request), conversation)
    shown = question if len(question) <= SHOWN_QUESTION else question[:SHOWN_QUESTION] + "……"
    return replace(answer_view(reply, FAQ_DISCLAIMER), question=shown)  # as typed (escaped on the page)
