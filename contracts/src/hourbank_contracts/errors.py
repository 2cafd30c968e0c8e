"""Errors raised when a Kafka record cannot be turned into a contract event.

Every error is a :class:`PoisonMessage`: redelivering the same record can never
succeed, so a consumer parks it on the dead-letter topic instead of retrying.
Messages name header names and field locations only, never field values, because a
payload may carry personal data.
"""

from __future__ import annotations


class PoisonMessage(Exception):
    """A record that can never be processed; ``reason`` is a short machine-readable code."""

    reason: str

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason

    @property
    def message(self) -> str:
        """The human-readable explanation (safe to log: holds no payload values)."""
        return str(self)


class UndecodableMessage(PoisonMessage):
    """The record is not a CloudEvents 1.0 binary-mode JSON record we can read.

    Reasons: ``missing_key``, ``missing_value``, ``missing_header``,
    ``duplicate_header``, ``bad_header_encoding``, ``unsupported_specversion``,
    ``unsupported_content_type``, ``invalid_attribute``, ``bad_time``,
    ``value_not_utf8``, ``value_not_json``.
    """


class UnknownEventType(PoisonMessage):
    """The ``ce_type`` names no registered contract event (reason ``unknown_event_type``)."""

    event_type: str

    def __init__(self, event_type: str) -> None:
        shown = event_type if len(event_type) <= 120 else event_type[:117] + "..."
        super().__init__("unknown_event_type", f"unknown event type {shown!r}")
        self.event_type = event_type


class SchemaViolation(PoisonMessage):
    """The data does not satisfy the event's schema (reason ``schema_violation``),
    or the record key is not the event's person id (reason ``key_mismatch``).

    ``errors`` lists ``(location, error type)`` pairs, without input values.
    """

    errors: tuple[tuple[str, str], ...]

    def __init__(
        self,
        reason: str,
        message: str,
        errors: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(reason, message)
        self.errors = errors
