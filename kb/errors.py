"""Exceptions of the knowledge base; the CLI and bot turn them into polite Chinese messages.

Every message is user-facing Simplified Chinese and fits on one line.
"""


class KBError(Exception):
    """Base class of knowledge-base errors; ``str(err)`` is the user-facing message."""


class NotFoundError(KBError):
    """A law or article that was asked for does not exist in the store."""


class IndexMissingError(KBError):
    """The search index has not been built yet (nothing ingested)."""


class ConfigError(KBError):
    """Settings are missing or invalid (bad embedder name, unreadable data directory …)."""


class QuestionTooLongError(KBError):
    """A question over the one length limit of :mod:`kb.normalize` reached retrieval."""


class ReadOnlyHomeError(KBError):
    """A command that changes data was run on a data directory that cannot be written."""


class VersionConflictError(KBError):
    """A file carries the date of a stored version but a different text (needs ``--replace``)."""


class CorpusChangeError(KBError):
    """A corpus change that cannot be made as asked (nothing to roll back, bad date …)."""
