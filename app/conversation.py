"""One citizen's conversation: what was just discussed, so a follow-up can refer to it.

"人防法第二十四条" then "那第二十五条呢？" or "防空洞能放煤气罐吗" then "罚多少？": the second message
means something only after the first. :class:`Conversation` is the small immutable state a channel
keeps per user (the terminal chat one, the Telegram bot one per user in ``user_data``, the web one
per session): :meth:`Conversation.ask` answers through the core with the follow-up resolved
(:func:`kb.followup.resolve`) and returns the conversation after that answer. A statute answer
moves the conversation to its lead article; anything else (a decline, small talk) leaves it where
it was, so "第15条" after a decline still means the law discussed before.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from kb.answer import Answer
from kb.followup import Discussed


MAX_CONTEXT_LAW = 100  # characters of a law name carried between turns by a stateless channel
MAX_CONTEXT_QUESTION = 600  # characters of the previous question carried likewise


@dataclass(frozen=True)
class Conversation:
    discussed: Discussed | None = None

    @classmethod
    def carried(cls, law: str = "", article: str = "", question: str = "") -> "Conversation":
        """The conversation a stateless channel (the web page, an API client) carries between
        requests: the law and article of the last answer and the question that led there. Too
        long or missing parts are cut or dropped; no law means nothing was discussed."""
        law = (law or "").strip()[:MAX_CONTEXT_LAW]
        if not law:
            return cls()
        m = re.match(r"\s*([0-9]{1,4})", article or "")
        return cls(Discussed(law, int(m.group(1)) if m else 0, (question or "").strip()[:MAX_CONTEXT_QUESTION]))

    def after(self, answer: Answer) -> "Conversation":
        """The conversation once ``answer`` was given."""
        if answer.kind == "statute" and answer.lead is not None:
            art = answer.lead.article
            return Conversation(Discussed(art.law_title, art.number, answer.question))
        return self

    def ask(self, answering, text: str, channel: str = "cli", user_ref: str = ""):
        """Answer ``text`` in this conversation through ``answering`` (:class:`app.answering.Answering`);
        returns its :class:`app.answering.Reply` and the next conversation."""
        reply = answering.ask(text, channel=channel, user_ref=user_ref, previous=self.discussed)
        return reply, self.after(reply.answer)
