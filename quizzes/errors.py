"""Quiz errors; ``str(err)`` is a polite one-line Simplified Chinese message for the user."""


class QuizError(Exception):
    """Base class of quiz errors."""


class NotFound(QuizError):
    """A campaign, attempt, question or certificate that does not exist."""


class WindowClosed(QuizError):
    """The campaign has not started yet or has ended."""


class AttemptLimit(QuizError):
    """No scored (or practice) attempts left for this participant."""


class RegistrationError(QuizError):
    """Missing or invalid registration data, or the account/student number is already used."""


class ImportFailed(QuizError):
    """A question file could not be imported; ``problems`` lists every bad row."""

    def __init__(self, message: str, problems=()):
        super().__init__(message)
        self.problems = list(problems)
