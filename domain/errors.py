"""Domain errors. Each carries what a practitioner needs to put things right.

The API maps these to HTTP in one place: not found 404, rule broken 409, invalid 422.
"""

from __future__ import annotations

from collections.abc import Iterable


class JourneysError(Exception):
    """Base class of every error the domain raises on purpose."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFoundError(JourneysError):
    """The family (or the thing inside it) does not exist."""


class InvalidValueError(JourneysError):
    """A value is malformed or not allowed, whatever the state of the family."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.field = field


class UnknownCodeError(InvalidValueError):
    """A code is not on its code list; the valid codes are given."""

    def __init__(self, field: str, list_name: str, valid: Iterable[str]) -> None:
        self.valid = tuple(valid)
        super().__init__(
            # The rejected value is not repeated: a name typed into a code field must not
            # come back in an error body or a log line.
            field,
            f"not a code of {list_name}; valid codes: {', '.join(self.valid)}",
        )


class RuleBrokenError(JourneysError):
    """The command is well formed but would break a rule of practice (see domain.rules)."""

    def __init__(self, rule: str, detail: str) -> None:
        super().__init__(detail)
        self.rule = rule


class ConcurrentChangeError(RuleBrokenError):
    """Someone else changed the family meanwhile, and this command depends on what it saw."""

    def __init__(self, detail: str) -> None:
        super().__init__("concurrent_change", detail)


class IdempotencyKeyReusedError(RuleBrokenError):
    """The idempotency key was already used for a different command."""

    def __init__(self, detail: str) -> None:
        super().__init__("idempotency_key_reused", detail)
