"""Staff curation: curated FAQ pairs, the question log, feedback and the unanswered review.

Every channel's staff side goes through here: ``lawbot faq …`` on the terminal, /faq,
/unanswered → 答复 and /stats in the bot, and the web's staff console. Citizens' 👍 / 👎 land in
:meth:`Curation.feedback`. An answer a staff member gives to a logged question becomes an FAQ
pair and resolves every logged question it covers. All writes are idempotent.
"""
from __future__ import annotations

from typing import Sequence

from app.pending import PendingAnswers
from kb.errors import NotFoundError
from kb.faq import Basis, FaqBook, FaqEntry, FaqError
from kb.logbook import Logbook, Stats, UnansweredGroup
from kb.service import KnowledgeBase
from kb.store import Store

__all__ = ["Curation", "FaqError", "decode_csv"]


def decode_csv(data: bytes | str, name: str = "faq.csv") -> str:
    """A CSV as text, whatever encoding it was saved in (UTF-8 with or without BOM, GB18030 …)."""
    if isinstance(data, str):
        return data
    from ingest.textdecode import decode_text

    return decode_text(data, name)


class Curation:
    """FAQ pairs, feedback and the question log for one thread (it owns the SQLite connection)."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.log = Logbook(kb.store)
        self.faq = FaqBook(kb.store, kb.settings.home_region, seed=True)
        self.answers = PendingAnswers(kb.store.db)

    @property
    def store(self) -> Store:
        return self.kb.store

    def close(self) -> None:
        self.kb.close()

    # ---- FAQ pairs ----

    def faq_entries(self) -> list[FaqEntry]:
        return self.faq.entries()

    def faq_add(self, question: str, answer: str, basis: str | Sequence[Basis], created_by: str,
                source: str = "") -> FaqEntry:
        """A new pair; ``basis`` like ``人防法第二十二条；重庆人防条例 18`` must exist, or, where no
        statute states the answer, ``source`` names where it comes from. Raises FaqError."""
        return self.faq.add(question, answer, basis, created_by=created_by, source=source)

    def faq_remove(self, faq_id: int, actor: str = "system") -> bool:
        """Retire a pair; False if it was not active (already retired or unknown)."""
        return self.faq.remove(faq_id, actor)

    def faq_edit(self, faq_id: int, question: str, answer: str, basis: str | Sequence[Basis],
                 created_by: str, source: str = "") -> FaqEntry:
        """Replace an active pair by its edited text (a new id; the old one retired) in one
        transaction. Raises FaqError (bad text or basis, or the pair no longer active)."""
        with self.store.db.atomic():
            if self.faq.get(faq_id) is None:
                raise FaqError(f"问答 #{faq_id} 已停用或不存在。")
            entry = self.faq.add(question, answer, basis, created_by=created_by, source=source)
            self.faq.remove(faq_id)
        return entry

    def faq_import(self, data: bytes | str, created_by: str) -> list[FaqEntry]:
        """Pairs from a CSV (问题, 答案, 依据), all rows or none. Raises FaqError naming the rows."""
        return self.faq.import_csv(decode_csv(data), created_by=created_by)

    # ---- citizens' feedback and the question log ----

    def feedback(self, log_id: int, user_ref: str, positive: bool) -> bool:
        """👍 / 👎 on a logged answer (the last press counts); False for an unknown log id."""
        return self.log.feedback(log_id, user_ref, 1 if positive else -1)

    def unanswered(self, limit: int = 10) -> list[UnansweredGroup]:
        return self.log.unanswered(limit)

    def stats(self, days: int = 7) -> Stats:
        return self.log.stats(days)

    # ---- answering a logged question as an FAQ pair (survives a restart) ----

    def start_answer(self, user_ref: str, log_id: int) -> str | None:
        """Remember that ``user_ref`` is answering this logged question; its text, or None if gone."""
        entry = self.log.entry(log_id)
        if entry is None:
            return None
        self.answers.start(user_ref, log_id)
        return entry["question"]

    def pending_answer(self, user_ref: str) -> int | None:
        return self.answers.current(user_ref)

    def cancel_answer(self, user_ref: str) -> bool:
        return self.answers.clear(user_ref)

    def add_answer(self, user_ref: str, log_id: int, answer: str, basis: str,
                   created_by: str) -> tuple[FaqEntry, int]:
        """Store the staff answer as an FAQ pair for the logged question and resolve the logged
        questions it covers: (the pair, how many were resolved). Raises FaqError / NotFoundError."""
        entry = self.log.entry(log_id)
        if entry is None:
            self.answers.clear(user_ref)
            raise NotFoundError("这条提问记录已不存在。")
        faq = self.faq.add(entry["question"], answer, basis, created_by=created_by)
        resolved = self.log.resolve(log_id, faq.id)
        self.answers.clear(user_ref)
        return faq, resolved
