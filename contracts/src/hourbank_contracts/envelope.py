"""CloudEvents 1.0 envelope over Kafka (protocol binding, binary content mode).

A record carries the event data as JSON in its value and the CloudEvents attributes
in headers: ``ce_specversion``, ``ce_id``, ``ce_type``, ``ce_source``, ``ce_time``,
optionally ``ce_subject`` and the extension ``ce_correlationid``, and
``content-type: application/json``. The record key is the person's opaque id, so all
facts about one person stay in order on one partition.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal
from uuid import UUID

from pydantic import ValidationError

from .errors import SchemaViolation, UndecodableMessage
from .events import ContractEvent, OrganisationEvent, PersonEvent
from .registry import EVENT_TYPES, event_class_for

__all__ = [
    "CONTENT_TYPE",
    "EVENT_ID_NAMESPACE",
    "SPEC_VERSION",
    "Envelope",
    "KafkaRecord",
    "dead_letter_headers",
    "envelope_for",
    "event_id_for",
    "from_kafka",
    "to_kafka",
]

SPEC_VERSION: Final = "1.0"
"""The only CloudEvents ``specversion`` produced and accepted."""

CONTENT_TYPE: Final = "application/json"
"""``content-type`` header of every record (CloudEvents ``datacontenttype``)."""

EVENT_ID_NAMESPACE: Final = UUID("14b64237-f6d5-4146-8564-7001a3f533b8")
"""uuid5 namespace of hourbank event ids. Never change it: ids would stop deduplicating."""

H_SPECVERSION: Final = "ce_specversion"
H_ID: Final = "ce_id"
H_TYPE: Final = "ce_type"
H_SOURCE: Final = "ce_source"
H_TIME: Final = "ce_time"
H_SUBJECT: Final = "ce_subject"
H_CORRELATION_ID: Final = "ce_correlationid"
H_CONTENT_TYPE: Final = "content-type"

_REQUIRED_HEADERS: Final = (H_SPECVERSION, H_ID, H_TYPE, H_SOURCE, H_TIME, H_CONTENT_TYPE)
_DETAIL_LIMIT: Final = 1000


def _check_attribute(name: str, value: str | None, *, optional: bool = False) -> None:
    """A header attribute: a non-empty string without whitespace or control characters.

    The message names the attribute, never its value.
    """
    if value is None and optional:
        return
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise ValueError(f"{name} must not contain whitespace or control characters")


@dataclass(frozen=True)
class Envelope:
    """One CloudEvent: the attributes and the contract event they describe.

    ``time`` is normalised to UTC; ``type`` must be the registered type of ``data``.
    """

    id: str
    type: str
    source: str
    time: datetime
    data: ContractEvent
    correlation_id: str | None = None
    subject: str | None = None

    def __post_init__(self) -> None:
        _check_attribute("id", self.id)
        _check_attribute("source", self.source)
        _check_attribute("correlation_id", self.correlation_id, optional=True)
        if self.subject is not None and not (
            isinstance(self.subject, str) and self.subject.strip()
        ):
            raise ValueError("subject must be a non-empty string when given")
        registered = EVENT_TYPES.get(self.type)
        if registered is None or type(self.data) is not registered:
            raise ValueError("type must be the registered event type of data")
        if not isinstance(self.time, datetime) or self.time.utcoffset() is None:
            raise ValueError("time must be a timezone-aware datetime")
        object.__setattr__(self, "time", self.time.astimezone(UTC))

    def subject_ids(self) -> dict[str, str]:
        """Opaque ids naming whom the event is about, for log lines."""
        data = self.data
        if isinstance(data, PersonEvent):
            return {"person_id": str(data.person_id)}
        if isinstance(data, OrganisationEvent):
            return {"organisation_id": str(data.organisation_id)}
        return {}

    @property
    def key(self) -> bytes:
        """The Kafka record key: UTF-8 of the subject's opaque id (``str(UUID)``), the
        person's for person events, the organisation's for organisation events."""
        return self.data.partition_key.encode("utf-8")


@dataclass(frozen=True)
class KafkaRecord:
    """What a producer sends: key, value and headers in CloudEvents binary mode."""

    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


def event_id_for(
    source: str,
    originator_id: UUID,
    originator_version: int,
    *,
    event_type: str | None = None,
) -> str:
    """Deterministic ``ce_id`` of the public event derived from a stored domain event.

    ``uuid5(EVENT_ID_NAMESPACE, f"{source}/{originator_id}/{originator_version}")``, so
    a relay that re-publishes the same stored event produces the same id. When one
    stored event yields several public events, pass ``event_type`` to tell them apart
    (it is appended as ``/{event_type}``).
    """
    _check_attribute("source", source)
    if isinstance(originator_version, bool) or not isinstance(originator_version, int):
        raise TypeError("originator_version must be an int")
    if originator_version < 0:
        raise ValueError("originator_version must not be negative")
    name = f"{source}/{originator_id}/{originator_version}"
    if event_type is not None:
        _check_attribute("event_type", event_type)
        name = f"{name}/{event_type}"
    return str(uuid.uuid5(EVENT_ID_NAMESPACE, name))


def envelope_for(
    data: ContractEvent,
    *,
    source: str,
    event_id: str,
    time: datetime | None = None,
    correlation_id: str | None = None,
    subject: str | None = None,
) -> Envelope:
    """Wrap a contract event; ``time`` defaults to ``data.occurred_at``.

    Raises ``ValueError`` if ``data`` is not a registered event or an attribute is invalid.
    """
    event_type = getattr(type(data), "event_type", None)
    if not isinstance(event_type, str):
        raise ValueError("data must be an instance of a registered contract event")
    if time is None:
        time = getattr(data, "occurred_at", None)
        if not isinstance(time, datetime):
            raise ValueError("time is required for an event without occurred_at")
    return Envelope(
        id=event_id,
        type=event_type,
        source=source,
        time=time,
        data=data,
        correlation_id=correlation_id,
        subject=subject,
    )


def _format_time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def to_kafka(envelope: Envelope) -> KafkaRecord:
    """Encode an envelope as a Kafka record (binary content mode)."""
    headers: list[tuple[str, str]] = [
        (H_SPECVERSION, SPEC_VERSION),
        (H_ID, envelope.id),
        (H_TYPE, envelope.type),
        (H_SOURCE, envelope.source),
        (H_TIME, _format_time(envelope.time)),
    ]
    if envelope.subject is not None:
        headers.append((H_SUBJECT, envelope.subject))
    if envelope.correlation_id is not None:
        headers.append((H_CORRELATION_ID, envelope.correlation_id))
    headers.append((H_CONTENT_TYPE, CONTENT_TYPE))
    return KafkaRecord(
        key=envelope.key,
        value=envelope.data.model_dump_json().encode("utf-8"),
        headers=[(name, value.encode("utf-8")) for name, value in headers],
    )


def _read_headers(headers: Sequence[tuple[str, bytes]]) -> dict[str, str]:
    """Decode the CloudEvents headers; other headers (tracing, dlq_*) are ignored."""
    found: dict[str, str] = {}
    for name, raw in headers:
        if not (name.startswith("ce_") or name == H_CONTENT_TYPE):
            continue
        if name in found:
            raise UndecodableMessage("duplicate_header", f"header {name} appears twice")
        if not isinstance(raw, bytes | bytearray):
            raise UndecodableMessage("bad_header_encoding", f"header {name} has no bytes value")
        try:
            found[name] = bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise UndecodableMessage("bad_header_encoding", f"header {name} is not UTF-8") from None
    return found


def _parse_time(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise UndecodableMessage("bad_time", f"header {H_TIME} is not an RFC 3339 time") from None
    if parsed.utcoffset() is None:
        raise UndecodableMessage("bad_time", f"header {H_TIME} has no UTC offset")
    return parsed.astimezone(UTC)


def _violation_from(error: ValidationError, event_type: str) -> SchemaViolation:
    """Locations and error types only: input values may be personal data."""
    pairs = tuple(
        (".".join(str(part) for part in item["loc"]) or "<root>", item["type"])
        for item in error.errors(include_url=False, include_input=False, include_context=False)
    )
    listed = "; ".join(f"{loc}: {kind}" for loc, kind in pairs)
    return SchemaViolation("schema_violation", f"data does not match {event_type}: {listed}", pairs)


def from_kafka(
    key: bytes | None,
    value: bytes | None,
    headers: Sequence[tuple[str, bytes]],
    *,
    unknown_fields: Literal["forbid", "ignore"] = "forbid",
) -> Envelope:
    """Decode a Kafka record into an :class:`Envelope`.

    Raises a :class:`~hourbank_contracts.errors.PoisonMessage` subclass
    (``UndecodableMessage``, ``UnknownEventType`` or ``SchemaViolation``) whose
    ``reason`` says why; none of them is worth retrying.

    ``unknown_fields="ignore"`` makes a consumer tolerant of optional fields added by
    a newer producer of the same major version (a tolerant reader); the default
    refuses them, like the models themselves.
    """
    attrs = _read_headers(headers)
    for name in _REQUIRED_HEADERS:
        if name not in attrs:
            raise UndecodableMessage("missing_header", f"header {name} is missing")
    if attrs[H_SPECVERSION] != SPEC_VERSION:
        raise UndecodableMessage(
            "unsupported_specversion", f"{H_SPECVERSION} must be {SPEC_VERSION}"
        )
    media_type = attrs[H_CONTENT_TYPE].split(";", 1)[0].strip().lower()
    if media_type != CONTENT_TYPE:
        raise UndecodableMessage(
            "unsupported_content_type", f"{H_CONTENT_TYPE} must be {CONTENT_TYPE}"
        )
    for name in (H_ID, H_TYPE, H_SOURCE):
        if not attrs[name]:
            raise UndecodableMessage("invalid_attribute", f"header {name} is empty")
    time = _parse_time(attrs[H_TIME])
    if key is None:
        raise UndecodableMessage("missing_key", "record has no key")
    if value is None:
        raise UndecodableMessage("missing_value", "record has no value")

    event_type = attrs[H_TYPE]
    cls = event_class_for(event_type)

    try:
        text = bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        raise UndecodableMessage("value_not_utf8", "record value is not UTF-8") from None
    try:
        data = cls.model_validate_json(text, extra=unknown_fields)
    except ValidationError as error:
        if any(item["type"] == "json_invalid" for item in error.errors(include_input=False)):
            raise UndecodableMessage("value_not_json", "record value is not valid JSON") from None
        raise _violation_from(error, event_type) from None

    if bytes(key) != data.partition_key.encode("utf-8"):
        raise SchemaViolation(
            "key_mismatch",
            "record key is not the canonical form of the event's subject id",
            (("key", "key_mismatch"),),
        )

    try:
        return Envelope(
            id=attrs[H_ID],
            type=event_type,
            source=attrs[H_SOURCE],
            time=time,
            data=data,
            correlation_id=attrs.get(H_CORRELATION_ID),
            subject=attrs.get(H_SUBJECT),
        )
    except ValueError as error:
        raise UndecodableMessage("invalid_attribute", str(error)) from None


def dead_letter_headers(
    original_headers: Sequence[tuple[str, bytes]],
    reason: str,
    detail: str,
    topic: str,
    partition: int,
    offset: int,
) -> list[tuple[str, bytes]]:
    """Headers for parking a record on the dead-letter topic.

    Keeps the original headers (dropping ``dlq_*`` ones left by an earlier parking, so
    the new ones are unambiguous) and adds ``dlq_reason``, ``dlq_detail`` (truncated to
    1000 characters), ``dlq_original_topic``, ``dlq_original_partition`` and
    ``dlq_original_offset``. Pass a :class:`PoisonMessage`'s ``reason`` and message,
    which hold no payload values.
    """
    if len(detail) > _DETAIL_LIMIT:
        detail = detail[: _DETAIL_LIMIT - 3] + "..."
    kept = [(name, raw) for name, raw in original_headers if not name.startswith("dlq_")]
    return [
        *kept,
        ("dlq_reason", reason.encode("utf-8")),
        ("dlq_detail", detail.encode("utf-8")),
        ("dlq_original_topic", topic.encode("utf-8")),
        ("dlq_original_partition", str(partition).encode("utf-8")),
        ("dlq_original_offset", str(offset).encode("utf-8")),
    ]
