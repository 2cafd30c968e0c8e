"""The registry of published contract events, keyed by their CloudEvents type.

Classes are listed explicitly: routing never depends on a Python class name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final

from .errors import UnknownEventType
from .events import (
    ClaimApprovedV1,
    ClaimRevokedV1,
    CompletionVoidedV1,
    ContractEvent,
    CourseCompletedV1,
    EmployerApprovedV1,
    ExamPassedV1,
    HoursTransferredInV1,
    LegacyHoursImportedV1,
    MakeupPaidV1,
    OrganisationRegisteredV1,
    PaymentRefundedV1,
    PersonRegisteredV1,
    XuexiPointsRecordedV1,
)
from .topics import (
    BILLING_TOPIC,
    EVENT_TOPICS,
    EXAM_TOPIC,
    IDENTITY_TOPIC,
    LEARNING_TOPIC,
    LEDGER_DEAD_LETTER_TOPIC,
    RECOGNITION_TOPIC,
)

__all__ = [
    "BILLING_TOPIC",
    "EVENT_CLASSES",
    "EVENT_TOPICS",
    "EVENT_TYPES",
    "EVENT_TYPE_PATTERN",
    "EXAM_TOPIC",
    "IDENTITY_TOPIC",
    "LEARNING_TOPIC",
    "LEDGER_DEAD_LETTER_TOPIC",
    "RECOGNITION_TOPIC",
    "build_registry",
    "event_class_for",
    "event_types_on",
]

EVENT_CLASSES: Final[tuple[type[ContractEvent], ...]] = (
    CourseCompletedV1,
    ExamPassedV1,
    MakeupPaidV1,
    ClaimApprovedV1,
    LegacyHoursImportedV1,
    HoursTransferredInV1,
    XuexiPointsRecordedV1,
    ClaimRevokedV1,
    CompletionVoidedV1,
    PaymentRefundedV1,
    OrganisationRegisteredV1,
    EmployerApprovedV1,
    PersonRegisteredV1,
)
"""Every published contract event class, in a stable order."""

_WORDS: Final = r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*"
"""A subject or action: lower-case words joined by single hyphens or underscores."""

EVENT_TYPE_PATTERN: Final = re.compile(
    rf"^hourbank\.(?P<service>[a-z][a-z0-9]*)\.{_WORDS}\.{_WORDS}\.v[1-9][0-9]*$"
)
"""``hourbank.<service>.<subject>.<action>.v<major>``, e.g.
``hourbank.identity.hours.transferred-in.v1``; the service is one word."""


def build_registry(
    classes: Iterable[type[ContractEvent]],
) -> Mapping[str, type[ContractEvent]]:
    """Map each class's ``event_type`` to the class.

    Raises ``ValueError`` on a duplicate or malformed type, or a topic that is not the
    producing service's event topic.
    """
    registry: dict[str, type[ContractEvent]] = {}
    for cls in classes:
        event_type = getattr(cls, "event_type", None)
        if not isinstance(event_type, str):
            raise ValueError(f"{cls.__qualname__} has no event_type")
        match = EVENT_TYPE_PATTERN.fullmatch(event_type)
        if match is None:
            raise ValueError(f"{cls.__qualname__}: malformed event type {event_type!r}")
        topic = getattr(cls, "topic", None)
        if topic not in EVENT_TOPICS or topic != f"hourbank.{match['service']}.events":
            raise ValueError(
                f"{cls.__qualname__}: topic {topic!r} is not its service's event topic"
            )
        existing = registry.get(event_type)
        if existing is not None:
            raise ValueError(
                f"duplicate event type {event_type!r}: "
                f"{existing.__qualname__} and {cls.__qualname__}"
            )
        registry[event_type] = cls
    return MappingProxyType(registry)


EVENT_TYPES: Final[Mapping[str, type[ContractEvent]]] = build_registry(EVENT_CLASSES)
"""Read-only mapping from CloudEvents type to contract event class."""


def event_class_for(event_type: str) -> type[ContractEvent]:
    """Return the class registered for ``event_type`` or raise :class:`UnknownEventType`."""
    try:
        return EVENT_TYPES[event_type]
    except KeyError:
        raise UnknownEventType(event_type) from None


def event_types_on(topic: str) -> tuple[str, ...]:
    """The event types published on ``topic``, in registry order (empty if none)."""
    return tuple(t for t, cls in EVENT_TYPES.items() if cls.topic == topic)
