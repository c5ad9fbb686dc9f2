"""The application layer as the web uses it: blocking operations run on worker threads, never on
the event loop.

Three single-thread workers per process, each owning its own SQLite connection (WAL: readers
never wait), as in the Telegram adapter:

* **answer** — :class:`app.answering.Answering`: the model, retrieval and the question log;
* **store** — :class:`app.browsing.Library` and :class:`app.curation.Curation`: browsing,
  feedback, the review queue, FAQ pairs and statistics — quick calls that must not queue behind
  retrieval;
* **admin** — :class:`app.loading.Uploads` on a separate knowledge base: previews, loading and
  index rebuilds. Answers keep flowing meanwhile and pick up the new index on their next query.
"""
from __future__ import annotations

from typing import Callable, TypeVar

from app.workers import LockedEmbedder, StoreSide, Worker
from kb.settings import Settings

T = TypeVar("T")
CHANNEL = "web"


class WebServices:
    """What the routes need from the application layer. ``embedder``: one model shared by the
    answering and admin knowledge bases (tests); by default each loads its own when needed."""

    def __init__(self, settings: Settings, embedder=None):
        from kb.service import KnowledgeBase

        self.settings = settings
        shared = LockedEmbedder(embedder) if embedder is not None else None

        def kb():
            return KnowledgeBase(settings, embedder=shared)

        def answering():
            from app.answering import Answering

            return Answering(kb())

        def uploads():
            from app.loading import Uploads

            return Uploads(kb(), CHANNEL)

        self._answer = Worker("web-answer", answering)
        self._store = Worker("web-store", lambda: StoreSide(kb()))
        self._admin = Worker("web-admin", uploads)

    async def ask(self, text: str, user_ref: str, conversation=None):
        """The reply to a citizen's question (:class:`app.answering.Reply`), logged; a follow-up
        (那第二十五条呢？ / 罚多少？) is resolved against ``conversation``
        (:class:`app.conversation.Conversation`, what the page last showed), as in the other chats."""
        def answer(ops):
            from app.conversation import Conversation

            reply, _ = (conversation or Conversation()).ask(ops, text, channel=CHANNEL, user_ref=user_ref)
            return reply

        return await self._answer.run(answer)

    async def warm_up(self) -> None:
        await self._answer.run(lambda ops: ops.warm_up())

    async def answering(self, fn: Callable[[object], T]) -> T:
        return await self._answer.run(fn)

    async def library(self, fn: Callable[[object], T]) -> T:
        return await self._store.run(lambda side: fn(side.library))

    async def curation(self, fn: Callable[[object], T]) -> T:
        return await self._store.run(lambda side: fn(side.curation))

    async def admin(self, fn: Callable[[object], T]) -> T:
        return await self._admin.run(fn)

    def close(self) -> None:
        for worker in (self._answer, self._store, self._admin):
            worker.close()
