"""The error families every service's domain and application code raise (pure, no web).

Each family has one meaning for callers, and each HTTP app maps each family to one RFC 9457
problem with one exception handler (``hourbank_common.http``): a service subclasses a family
(``class UnknownCourse(NotFound)``) instead of inventing its own mapping. ``field`` names
what the caller should fix; messages never carry personal data (an ID number, a name).

The family decides the status; a subclass may word its problem more precisely
(``problem_title``, ``problem_type``, ``problem_errors``) without a handler of its own, so
that documents clients already rely on keep their title and type.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "Conflict",
    "Forbidden",
    "InvalidCredentials",
    "InvalidInput",
    "NotFound",
    "PaymentRequired",
    "ServiceError",
    "Throttled",
    "Unavailable",
]


class ServiceError(Exception):
    """Base of every family; ``field`` names the offending input when there is one.

    The problem's ``detail`` is ``str(error)``, which is ``message`` unless a subclass says
    more."""

    problem_title: ClassVar[str | None] = None
    """The problem's title when the family's is too vague for this error."""
    problem_type: ClassVar[str | None] = None
    """The problem's ``type`` URI when it is not the family's."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def problem_errors(self) -> list[dict[str, str]]:
        """The problem's ``errors``, one entry per offending field (each with ``field`` and
        ``message``); none when no field is named."""
        return [{"field": self.field, "message": self.message}] if self.field else []


class InvalidInput(ServiceError):
    """A value breaks a rule (a bad check character, a weak password, a year no policy
    covers); answered 422."""


class NotFound(ServiceError):
    """No such thing, or not visible to the caller; answered 404."""


class Conflict(ServiceError):
    """It exists already with other facts, or a concurrent change won; answered 409."""


class Forbidden(ServiceError):
    """The caller's role or scope does not reach this; answered 403."""


class PaymentRequired(ServiceError):
    """The action needs a paid order first; answered 402."""


class InvalidCredentials(ServiceError):
    """Unknown login, wrong password, inactive account or bad refresh token, with one
    message so that a caller cannot tell which; answered 401."""


class Throttled(ServiceError):
    """Too many attempts; ``retry_after_seconds`` says when to try again; answered 429."""

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class Unavailable(ServiceError):
    """Not available in this deployment or right now (a signing key not configured, a
    dependency down); answered 503 with ``Retry-After`` when it is worth retrying."""

    def __init__(self, message: str, retry_after_seconds: int | None = None) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds
