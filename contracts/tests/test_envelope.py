"""Unit tests of the CloudEvents Kafka envelope."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import pytest

from hourbank_contracts import (
    EVENT_ID_NAMESPACE,
    EVENT_TYPES,
    ContractEvent,
    CourseCompletedV1,
    Envelope,
    ExamPassedV1,
    KafkaRecord,
    PersonYearEvent,
    PoisonMessage,
    SchemaViolation,
    UndecodableMessage,
    UnknownEventType,
    dead_letter_headers,
    envelope_for,
    event_id_for,
    from_kafka,
    to_kafka,
)

SOURCE = "/hourbank/learning"
ORIGINATOR = UUID("0b9e8f2a-1c3d-4e5f-9a7b-6c5d4e3f2a1b")


def _record(
    event: ContractEvent, *, correlation_id: str | None = None, subject: str | None = None
) -> KafkaRecord:
    envelope = envelope_for(
        event,
        source=SOURCE,
        event_id=event_id_for(SOURCE, ORIGINATOR, 3),
        correlation_id=correlation_id,
        subject=subject,
    )
    return to_kafka(envelope)


def _headers_without(record: KafkaRecord, name: str) -> list[tuple[str, bytes]]:
    return [(k, v) for k, v in record.headers if k != name]


def _headers_with(record: KafkaRecord, name: str, value: bytes) -> list[tuple[str, bytes]]:
    return [*_headers_without(record, name), (name, value)]


# --- ids ------------------------------------------------------------------------------


def test_event_id_is_deterministic_uuid5() -> None:
    first = event_id_for(SOURCE, ORIGINATOR, 3)
    assert first == event_id_for(SOURCE, ORIGINATOR, 3)
    assert first == str(uuid.uuid5(EVENT_ID_NAMESPACE, f"{SOURCE}/{ORIGINATOR}/3"))
    assert UUID(first).version == 5


def test_event_id_namespace_never_changes() -> None:
    # A changed namespace would give re-published events new ids and defeat dedupe.
    assert str(EVENT_ID_NAMESPACE) == "14b64237-f6d5-4146-8564-7001a3f533b8"
    assert event_id_for(SOURCE, ORIGINATOR, 3) == str(
        uuid.uuid5(UUID("14b64237-f6d5-4146-8564-7001a3f533b8"), f"{SOURCE}/{ORIGINATOR}/3")
    )


def test_event_id_differs_by_source_originator_version_and_type() -> None:
    ids = {
        event_id_for(SOURCE, ORIGINATOR, 3),
        event_id_for(SOURCE, ORIGINATOR, 4),
        event_id_for("/hourbank/exam", ORIGINATOR, 3),
        event_id_for(SOURCE, uuid.uuid4(), 3),
        event_id_for(SOURCE, ORIGINATOR, 3, event_type=CourseCompletedV1.event_type),
    }
    assert len(ids) == 5


@pytest.mark.parametrize(
    ("source", "version", "error"),
    [
        ("", 1, ValueError),
        ("/a b", 1, ValueError),
        (SOURCE, -1, ValueError),
        (SOURCE, True, TypeError),
    ],
)
def test_event_id_rejects_bad_input(source: str, version: int, error: type[Exception]) -> None:
    with pytest.raises(error):
        event_id_for(source, ORIGINATOR, version)


# --- encoding ---------------------------------------------------------------------------


def test_record_layout_is_cloudevents_binary_mode(
    make_course: Callable[..., CourseCompletedV1], person_id: UUID
) -> None:
    event = make_course()
    record = _record(event)
    headers = dict(record.headers)
    assert len(headers) == len(record.headers)
    assert headers == {
        "ce_specversion": b"1.0",
        "ce_id": event_id_for(SOURCE, ORIGINATOR, 3).encode(),
        "ce_type": b"hourbank.learning.course.completed.v1",
        "ce_source": b"/hourbank/learning",
        "ce_time": b"2024-05-01T08:30:00Z",
        "content-type": b"application/json",
    }
    assert record.key == str(person_id).encode("utf-8")
    assert json.loads(record.value) == json.loads(event.model_dump_json())
    assert json.loads(record.value)["hours"] == "8.5"


def test_optional_attributes_are_headers(make_course: Callable[..., CourseCompletedV1]) -> None:
    record = _record(make_course(), correlation_id="req-123", subject="course-42")
    headers = dict(record.headers)
    assert headers["ce_correlationid"] == b"req-123"
    assert headers["ce_subject"] == b"course-42"
    assert all(name == "content-type" or name.islower() for name in headers)


def test_round_trip_of_every_event_type(makers: dict[str, Callable[..., ContractEvent]]) -> None:
    assert set(makers) == set(EVENT_TYPES)
    for event_type, make in makers.items():
        event = make()
        envelope = envelope_for(
            event,
            source=SOURCE,
            event_id=event_id_for(SOURCE, ORIGINATOR, 1),
            correlation_id="corr-1",
            subject="s",
        )
        record = to_kafka(envelope)
        decoded = from_kafka(record.key, record.value, record.headers)
        assert decoded == envelope, event_type
        assert type(decoded.data) is EVENT_TYPES[event_type]


def test_time_defaults_to_occurred_at_and_is_utc(
    make_course: Callable[..., CourseCompletedV1],
) -> None:
    event = make_course()
    assert envelope_for(event, source=SOURCE, event_id="e1").time == event.occurred_at
    beijing = timezone(timedelta(hours=8))
    envelope = envelope_for(
        event, source=SOURCE, event_id="e1", time=datetime(2024, 5, 2, 8, 0, tzinfo=beijing)
    )
    assert envelope.time == datetime(2024, 5, 2, 0, 0, tzinfo=UTC)
    assert envelope.time.tzinfo is UTC
    assert dict(to_kafka(envelope).headers)["ce_time"] == b"2024-05-02T00:00:00Z"


def test_envelope_refuses_naive_time(make_course: Callable[..., CourseCompletedV1]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        envelope_for(
            make_course(),
            source=SOURCE,
            event_id="e1",
            time=datetime(2024, 5, 2),
        )


def test_envelope_refuses_unregistered_or_mismatched_data(
    make_course: Callable[..., CourseCompletedV1], person_id: UUID
) -> None:
    base = PersonYearEvent(
        person_id=person_id,
        region_code="370300",
        study_year=2024,
        source_ref="x",
        occurred_at=datetime(2024, 1, 1, tzinfo=UTC),
    )
    with pytest.raises(ValueError, match="registered contract event"):
        envelope_for(base, source=SOURCE, event_id="e1")
    with pytest.raises(ValueError, match="registered event type"):
        Envelope(
            id="e1",
            type=ExamPassedV1.event_type,
            source=SOURCE,
            time=datetime(2024, 1, 1, tzinfo=UTC),
            data=make_course(),
        )


def test_envelope_is_immutable(make_course: Callable[..., CourseCompletedV1]) -> None:
    envelope = envelope_for(make_course(), source=SOURCE, event_id="e1")
    with pytest.raises(AttributeError):
        envelope.id = "e2"  # type: ignore[misc]
    assert envelope.id == "e1"


# --- decoding failures ----------------------------------------------------------------


def test_content_type_parameters_are_accepted(
    make_course: Callable[..., CourseCompletedV1],
) -> None:
    record = _record(make_course())
    headers = _headers_with(record, "content-type", b"application/json; charset=utf-8")
    assert from_kafka(record.key, record.value, headers).data == make_course()


def test_unrelated_headers_are_ignored(make_course: Callable[..., CourseCompletedV1]) -> None:
    record = _record(make_course())
    headers = [("traceparent", b"00-abc-def-01"), *record.headers, ("dlq_reason", b"x")]
    assert from_kafka(record.key, record.value, headers).data == make_course()


@pytest.mark.parametrize(
    "header",
    ["ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time", "content-type"],
)
def test_missing_required_header(
    make_course: Callable[..., CourseCompletedV1], header: str
) -> None:
    record = _record(make_course())
    with pytest.raises(UndecodableMessage) as caught:
        from_kafka(record.key, record.value, _headers_without(record, header))
    assert caught.value.reason == "missing_header"
    assert header in str(caught.value)


@pytest.mark.parametrize(
    ("header", "value", "reason"),
    [
        ("ce_specversion", b"0.3", "unsupported_specversion"),
        ("content-type", b"application/cloudevents+json", "unsupported_content_type"),
        ("content-type", b"application/avro", "unsupported_content_type"),
        ("ce_time", b"yesterday", "bad_time"),
        ("ce_time", b"2024-05-01T08:30:00", "bad_time"),
        ("ce_id", b"", "invalid_attribute"),
        ("ce_source", b"/hourbank learning", "invalid_attribute"),
        ("ce_correlationid", b"a\nb", "invalid_attribute"),
        ("ce_type", b"\xff\xfe", "bad_header_encoding"),
    ],
)
def test_bad_header_values(
    make_course: Callable[..., CourseCompletedV1], header: str, value: bytes, reason: str
) -> None:
    record = _record(make_course())
    with pytest.raises(UndecodableMessage) as caught:
        from_kafka(record.key, record.value, _headers_with(record, header, value))
    assert caught.value.reason == reason


def test_duplicate_header(make_course: Callable[..., CourseCompletedV1]) -> None:
    record = _record(make_course())
    headers = [*record.headers, ("ce_type", b"hourbank.exam.exam.passed.v1")]
    with pytest.raises(UndecodableMessage) as caught:
        from_kafka(record.key, record.value, headers)
    assert caught.value.reason == "duplicate_header"


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        (None, "ok", "missing_key"),
        ("ok", None, "missing_value"),
        ("ok", b"\xff\xfe{}", "value_not_utf8"),
        ("ok", b'{"person_id": ', "value_not_json"),
        ("ok", b"not json at all", "value_not_json"),
    ],
)
def test_undecodable_key_or_value(
    make_course: Callable[..., CourseCompletedV1],
    key: bytes | str | None,
    value: bytes | str | None,
    reason: str,
) -> None:
    record = _record(make_course())
    real_key = record.key if key == "ok" else key
    real_value = record.value if value == "ok" else value
    assert not isinstance(real_key, str)
    assert not isinstance(real_value, str)
    with pytest.raises(UndecodableMessage) as caught:
        from_kafka(real_key, real_value, record.headers)
    assert caught.value.reason == reason


def test_unknown_event_type(make_course: Callable[..., CourseCompletedV1]) -> None:
    record = _record(make_course())
    headers = _headers_with(record, "ce_type", b"hourbank.learning.course.started.v1")
    with pytest.raises(UnknownEventType) as caught:
        from_kafka(record.key, record.value, headers)
    assert caught.value.reason == "unknown_event_type"
    assert caught.value.event_type == "hourbank.learning.course.started.v1"


def test_schema_violation_names_locations_not_values(
    make_course: Callable[..., CourseCompletedV1],
) -> None:
    event = make_course()
    record = _record(event)
    payload = json.loads(record.value)
    payload["hours"] = 8.5
    payload["source_ref"] = "秘密-370302199001011234-" + "x" * 300
    del payload["course_id"]
    with pytest.raises(SchemaViolation) as caught:
        from_kafka(record.key, json.dumps(payload).encode(), record.headers)
    error = caught.value
    assert error.reason == "schema_violation"
    assert set(error.errors) == {
        ("hours", "decimal_string_type"),
        ("source_ref", "string_too_long"),
        ("course_id", "missing"),
    }
    message = str(error)
    for location in ("hours", "source_ref", "course_id"):
        assert location in message
    assert "370302199001011234" not in message
    assert "8.5" not in message


def test_data_of_another_type_is_a_schema_violation(
    make_course: Callable[..., CourseCompletedV1],
) -> None:
    record = _record(make_course())
    headers = _headers_with(record, "ce_type", ExamPassedV1.event_type.encode())
    with pytest.raises(SchemaViolation) as caught:
        from_kafka(record.key, record.value, headers)
    assert ("course_id", "extra_forbidden") in caught.value.errors
    assert ("exam_id", "missing") in caught.value.errors


def test_non_object_json_is_a_schema_violation(
    make_course: Callable[..., CourseCompletedV1],
) -> None:
    record = _record(make_course())
    with pytest.raises(SchemaViolation) as caught:
        from_kafka(record.key, b"[1, 2]", record.headers)
    assert caught.value.reason == "schema_violation"
    assert caught.value.errors == (("<root>", "model_type"),)


def test_unknown_fields_are_refused_by_default_and_tolerated_on_request(
    make_course: Callable[..., CourseCompletedV1],
) -> None:
    record = _record(make_course())
    payload = json.loads(record.value)
    payload["added_in_a_later_minor"] = "x"
    value = json.dumps(payload).encode()
    with pytest.raises(SchemaViolation) as caught:
        from_kafka(record.key, value, record.headers)
    assert caught.value.errors == (("added_in_a_later_minor", "extra_forbidden"),)
    tolerant = from_kafka(record.key, value, record.headers, unknown_fields="ignore")
    assert tolerant.data == make_course()


@pytest.mark.parametrize(
    "key",
    [
        str(uuid.uuid4()).encode(),
        b"6F1C2B7E-3D4A-4E5F-8A9B-0C1D2E3F4A5B",
        b"6f1c2b7e3d4a4e5f8a9b0c1d2e3f4a5b",
        b"370302199001011234",
        b"",
    ],
)
def test_key_must_be_the_canonical_person_id(
    make_course: Callable[..., CourseCompletedV1], key: bytes
) -> None:
    record = _record(make_course())
    with pytest.raises(SchemaViolation) as caught:
        from_kafka(key, record.value, record.headers)
    assert caught.value.reason == "key_mismatch"
    assert key.decode() not in str(caught.value) or key == b""


def test_every_poison_error_is_a_poison_message() -> None:
    for cls in (UndecodableMessage, UnknownEventType, SchemaViolation):
        assert issubclass(cls, PoisonMessage)
    error = UndecodableMessage("missing_key", "record has no key")
    assert (error.reason, error.message) == ("missing_key", "record has no key")


# --- dead letters ---------------------------------------------------------------------


def test_dead_letter_headers_keep_originals_and_add_context() -> None:
    original = [("ce_id", b"e1"), ("traceparent", b"00-1"), ("ce_type", b"t")]
    headers = dead_letter_headers(
        original, "schema_violation", "hours: decimal_string_type", "hourbank.exam.events", 2, 41
    )
    assert headers[: len(original)] == original
    assert dict(headers[len(original) :]) == {
        "dlq_reason": b"schema_violation",
        "dlq_detail": b"hours: decimal_string_type",
        "dlq_original_topic": b"hourbank.exam.events",
        "dlq_original_partition": b"2",
        "dlq_original_offset": b"41",
    }


def test_dead_letter_headers_replace_an_earlier_parking_and_truncate_detail() -> None:
    original = [("ce_id", b"e1"), ("dlq_reason", b"old"), ("dlq_original_offset", b"1")]
    headers = dead_letter_headers(original, "key_mismatch", "d" * 5000, "t", 0, 7)
    names = [name for name, _ in headers]
    assert names.count("dlq_reason") == 1
    assert names.count("dlq_original_offset") == 1
    values = dict(headers)
    assert values["dlq_reason"] == b"key_mismatch"
    assert values["dlq_original_offset"] == b"7"
    assert len(values["dlq_detail"]) == 1000
    assert values["dlq_detail"].endswith(b"...")


def test_poison_error_feeds_dead_letter_headers(
    make_course: Callable[..., CourseCompletedV1],
) -> None:
    record = _record(make_course())
    headers = _headers_with(record, "ce_specversion", b"0.3")
    with pytest.raises(PoisonMessage) as caught:
        from_kafka(record.key, record.value, headers)
    parked = dict(dead_letter_headers(headers, caught.value.reason, str(caught.value), "t", 1, 2))
    assert parked["dlq_reason"] == b"unsupported_specversion"
    assert parked["ce_specversion"] == b"0.3"
