"""Domain exceptions. Only api/errors.py turns them into HTTP responses.

Each carries a stable machine code and a message in Vietnamese (default, for staff)
and English.
"""

from typing import Any, ClassVar


class VigilError(Exception):
    code: ClassVar[str] = "error"

    def __init__(self, message_vi: str, message_en: str, **details: Any) -> None:
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en
        self.details = details

    def message(self, lang: str) -> str:
        return self.message_en if lang == "en" else self.message_vi


class NotFound(VigilError):
    code = "not_found"


class AlreadyExists(VigilError):
    code = "already_exists"


class InvalidInput(VigilError):
    code = "invalid_input"


class Conflict(VigilError):
    """The thing changed since the caller read it, or the move is not allowed now."""

    code = "conflict"


class PreconditionFailed(VigilError):
    code = "precondition_failed"


class Forbidden(VigilError):
    code = "forbidden"


class Unauthenticated(VigilError):
    code = "unauthenticated"


class RateLimited(VigilError):
    code = "rate_limited"


class Unavailable(VigilError):
    """A dependency (a model artifact, the database) is missing or broken."""

    code = "unavailable"
