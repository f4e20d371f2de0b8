"""What a served day refuses: a state folder it cannot resume, a request it cannot carry out."""

from __future__ import annotations

SWITCHING = "the served day has ended; the next working day opens in a moment"
RETRY_AFTER_S = 2  # a request while the next working day opens: ask again this much later


class ResumeRefused(RuntimeError):
    """The state folder cannot be resumed (the message says why and what to do)."""


class RequestRefused(ValueError):
    """A request the day cannot carry out: ``status`` is the HTTP status it deserves (503:
    the served day is switching to the next working day; ask again in a moment)."""

    def __init__(self, status: int, field: str, message: str) -> None:
        super().__init__(message)
        self.status, self.field = status, field
