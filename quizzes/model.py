"""The quiz question model, shared by bank files, imports, generated questions and the engine.

A :class:`Question` is immutable. Options are stored in the author's order; the engine shuffles
them per participant and keeps the permutation, so "correct" is always an index into
``Question.options`` (never into what a participant saw).
"""
from __future__ import annotations

from dataclasses import dataclass, field

MIN_OPTIONS, MAX_OPTIONS = 2, 6
MAX_EXPLANATION = 200  # Telegram's quiz-explanation limit; the short text shown after an answer
MAX_STEM = 300  # Telegram's poll-question limit
MAX_OPTION = 100  # Telegram's poll-option limit
LETTERS = "ABCDEF"

ORIGINS = ("curated", "generated", "imported")
DIFFICULTIES = ("easy", "medium", "hard")
AUDIENCES = ("public", "student", "staff")
STATUSES = ("approved", "pending", "rejected")  # generated questions start pending


@dataclass(frozen=True)
class Basis:
    """One legal basis: an article of a law in the store, by full title and number."""

    law: str  # full title as stored, e.g. 中华人民共和国人民防空法
    article: int
    suffix: str = ""  # 之一 …

    def label(self) -> str:
        return f"《{self.law}》第{self.article}条{self.suffix}"


@dataclass(frozen=True)
class Question:
    id: str  # stable, unique across the bank: "alarm-001", "gen-<hash>", "imp-<hash>"
    stem: str
    options: tuple[str, ...]
    correct: tuple[int, ...]  # indexes into options; one or more
    explanation: str  # ≤ MAX_EXPLANATION characters, shown right after the answer
    review: str = ""  # longer text for the end-of-round review; falls back to explanation
    basis: tuple[Basis, ...] = ()  # articles that support the answer …
    source: str = ""  # … or, for facts outside the statutes, a named source
    topic: str = ""
    difficulty: str = "medium"
    audience: tuple[str, ...] = ("public",)
    origin: str = "curated"
    status: str = "approved"
    location: str = ""  # "file:line" or "import.csv:row 7", for messages
    # per basis, the first 12 hex digits of sha256 of the article text the question was written
    # against (kb.dependants): a changed article flags the question for review
    basis_sha: tuple[str, ...] = ()

    @property
    def multiple(self) -> bool:
        return len(self.correct) > 1

    @property
    def tags(self) -> tuple[str, ...]:
        """Flat tags used to select questions: topic, difficulty, audiences, origin."""
        return tuple(t for t in (self.topic, self.difficulty, *self.audience, self.origin) if t)

    def answer_letters(self) -> str:
        return "".join(LETTERS[i] for i in self.correct)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a question source, with where it is."""

    location: str  # "quizzes/bank/alarm.toml:12" or "题库.csv:第7行"
    message: str  # Simplified Chinese, one line

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass
class BankLoad:
    questions: list[Question] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


# ---- JSON (the questions table, attempt snapshots, quiz list) ------------------------------

def question_to_dict(q: Question) -> dict:
    return {
        "id": q.id, "stem": q.stem, "options": list(q.options), "correct": list(q.correct),
        "explanation": q.explanation, "review": q.review,
        "basis": [{"law": b.law, "article": b.article, "suffix": b.suffix} for b in q.basis],
        "source": q.source, "topic": q.topic, "difficulty": q.difficulty,
        "audience": list(q.audience), "origin": q.origin, "status": q.status, "location": q.location,
    }


def question_from_dict(d: dict) -> Question:
    return Question(
        id=d["id"], stem=d["stem"], options=tuple(d["options"]), correct=tuple(d["correct"]),
        explanation=d.get("explanation", ""), review=d.get("review", ""),
        basis=tuple(Basis(b["law"], int(b["article"]), b.get("suffix", "")) for b in d.get("basis", ())),
        source=d.get("source", ""), topic=d.get("topic", ""), difficulty=d.get("difficulty", "medium"),
        audience=tuple(d.get("audience", ("public",))), origin=d.get("origin", "curated"),
        status=d.get("status", "approved"), location=d.get("location", ""),
    )
