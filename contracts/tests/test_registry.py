"""Unit tests of the event registry and topic constants."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import pytest

from hourbank_contracts import (
    BILLING_TOPIC,
    EVENT_CLASSES,
    EVENT_TOPICS,
    EVENT_TYPES,
    EXAM_TOPIC,
    IDENTITY_TOPIC,
    LEARNING_TOPIC,
    LEDGER_DEAD_LETTER_TOPIC,
    RECOGNITION_TOPIC,
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
    PoisonMessage,
    UnknownEventType,
    XuexiPointsRecordedV1,
    build_registry,
    envelope_for,
    event_class_for,
    event_types_on,
    from_kafka,
    to_kafka,
)
from hourbank_contracts.registry import EVENT_TYPE_PATTERN


def test_topic_constants() -> None:
    assert LEARNING_TOPIC == "hourbank.learning.events"
    assert EXAM_TOPIC == "hourbank.exam.events"
    assert BILLING_TOPIC == "hourbank.billing.events"
    assert RECOGNITION_TOPIC == "hourbank.recognition.events"
    assert IDENTITY_TOPIC == "hourbank.identity.events"
    assert LEDGER_DEAD_LETTER_TOPIC == "hourbank.ledger.dead-letter"
    assert LEDGER_DEAD_LETTER_TOPIC not in EVENT_TOPICS


def test_every_ledger_event_is_registered_by_type() -> None:
    assert dict(EVENT_TYPES) == {
        "hourbank.learning.course.completed.v1": CourseCompletedV1,
        "hourbank.exam.exam.passed.v1": ExamPassedV1,
        "hourbank.billing.makeup.paid.v1": MakeupPaidV1,
        "hourbank.recognition.claim.approved.v1": ClaimApprovedV1,
        "hourbank.identity.legacy-hours.imported.v1": LegacyHoursImportedV1,
        "hourbank.identity.hours.transferred-in.v1": HoursTransferredInV1,
        "hourbank.learning.xuexi-points.recorded.v1": XuexiPointsRecordedV1,
        "hourbank.recognition.claim.revoked.v1": ClaimRevokedV1,
        "hourbank.learning.course-completion.voided.v1": CompletionVoidedV1,
        "hourbank.billing.payment.refunded.v1": PaymentRefundedV1,
        "hourbank.identity.organisation.registered.v1": OrganisationRegisteredV1,
        "hourbank.identity.employer.approved.v1": EmployerApprovedV1,
        "hourbank.identity.person.registered.v1": PersonRegisteredV1,
    }
    assert tuple(EVENT_TYPES.values()) == EVENT_CLASSES


def test_each_event_goes_to_its_services_topic() -> None:
    assert CourseCompletedV1.topic == LEARNING_TOPIC
    assert ExamPassedV1.topic == EXAM_TOPIC
    assert MakeupPaidV1.topic == BILLING_TOPIC
    assert ClaimApprovedV1.topic == RECOGNITION_TOPIC
    assert LegacyHoursImportedV1.topic == IDENTITY_TOPIC
    assert HoursTransferredInV1.topic == IDENTITY_TOPIC
    assert XuexiPointsRecordedV1.topic == LEARNING_TOPIC
    assert ClaimRevokedV1.topic == RECOGNITION_TOPIC
    assert CompletionVoidedV1.topic == LEARNING_TOPIC
    assert PaymentRefundedV1.topic == BILLING_TOPIC
    assert {cls.topic for cls in EVENT_CLASSES} == set(EVENT_TOPICS)
    for event_type, cls in EVENT_TYPES.items():
        match = EVENT_TYPE_PATTERN.fullmatch(event_type)
        assert match is not None, event_type
        assert cls.topic == f"hourbank.{match['service']}.events"


def test_event_class_for_known_and_unknown_types() -> None:
    assert event_class_for("hourbank.exam.exam.passed.v1") is ExamPassedV1
    with pytest.raises(UnknownEventType) as caught:
        event_class_for("hourbank.exam.exam.passed.v9")
    assert caught.value.reason == "unknown_event_type"
    assert caught.value.event_type == "hourbank.exam.exam.passed.v9"
    assert isinstance(caught.value, PoisonMessage)


def test_registry_lookup_does_not_route_by_class_name() -> None:
    with pytest.raises(UnknownEventType):
        event_class_for("CourseCompletedV1")


def test_registry_is_read_only() -> None:
    with pytest.raises(TypeError):
        EVENT_TYPES["x"] = CourseCompletedV1  # type: ignore[index]


def test_event_types_on_topic() -> None:
    assert event_types_on(LEARNING_TOPIC) == (
        "hourbank.learning.course.completed.v1",
        "hourbank.learning.xuexi-points.recorded.v1",
        "hourbank.learning.course-completion.voided.v1",
    )
    assert event_types_on(EXAM_TOPIC) == ("hourbank.exam.exam.passed.v1",)
    assert event_types_on(BILLING_TOPIC) == (
        "hourbank.billing.makeup.paid.v1",
        "hourbank.billing.payment.refunded.v1",
    )
    assert event_types_on(RECOGNITION_TOPIC) == (
        "hourbank.recognition.claim.approved.v1",
        "hourbank.recognition.claim.revoked.v1",
    )
    assert event_types_on(IDENTITY_TOPIC) == (
        "hourbank.identity.legacy-hours.imported.v1",
        "hourbank.identity.hours.transferred-in.v1",
        "hourbank.identity.organisation.registered.v1",
        "hourbank.identity.employer.approved.v1",
        "hourbank.identity.person.registered.v1",
    )
    assert event_types_on(LEDGER_DEAD_LETTER_TOPIC) == ()


def test_new_events_route_through_the_envelope_by_ce_type(
    makers: dict[str, Callable[..., ContractEvent]],
) -> None:
    for event_type, make in makers.items():
        event = make()
        record = to_kafka(envelope_for(event, event_id=f"id-{event_type}", source="/test"))
        assert dict(record.headers)["ce_type"] == event_type.encode()
        decoded = from_kafka(record.key, record.value, record.headers)
        assert type(decoded.data) is event_class_for(event_type)
        assert decoded.data == event


@pytest.mark.parametrize(
    "event_type",
    [
        "hourbank.identity.hours.transferred-in.v1",
        "hourbank.learning.course-completion.voided.v1",
        "hourbank.learning.xuexi_points.recorded.v1",
    ],
)
def test_hyphenated_and_underscored_words_are_well_formed(event_type: str) -> None:
    assert EVENT_TYPE_PATTERN.fullmatch(event_type)


@pytest.mark.parametrize(
    "event_type",
    [
        "hourbank.identity.hours.transferred-.v1",
        "hourbank.identity.hours.-in.v1",
        "hourbank.identity.hours.transferred--in.v1",
        "hourbank.identity.Hours.transferred-in.v1",
        "hourbank.iden-tity.hours.transferred-in.v1",
        "hourbank.identity.hours.transferred in.v1",
        "hourbank.identity.hours.transferred-in.v0",
    ],
)
def test_malformed_words_are_refused(event_type: str) -> None:
    assert EVENT_TYPE_PATTERN.fullmatch(event_type) is None


def test_duplicate_event_types_are_refused() -> None:
    class Duplicate(CourseCompletedV1):
        """Same type string as CourseCompletedV1."""

    with pytest.raises(ValueError, match="duplicate event type"):
        build_registry((CourseCompletedV1, Duplicate))


def test_malformed_event_type_is_refused() -> None:
    class Malformed(CourseCompletedV1):
        """Type without a major version."""

        event_type: ClassVar[str] = "hourbank.learning.course.completed"

    with pytest.raises(ValueError, match="malformed event type"):
        build_registry((Malformed,))


def test_topic_of_another_service_is_refused() -> None:
    class WrongTopic(CourseCompletedV1):
        """Learning event declared on the exam topic."""

        event_type: ClassVar[str] = "hourbank.learning.course.completed.v2"
        topic: ClassVar[str] = EXAM_TOPIC

    with pytest.raises(ValueError, match="not its service's event topic"):
        build_registry((WrongTopic,))


def test_a_new_major_version_registers_side_by_side() -> None:
    class CourseCompletedV2(CourseCompletedV1):
        """Hypothetical next major version."""

        event_type: ClassVar[str] = "hourbank.learning.course.completed.v2"

    registry = build_registry((CourseCompletedV1, CourseCompletedV2))
    assert registry["hourbank.learning.course.completed.v1"] is CourseCompletedV1
    assert registry["hourbank.learning.course.completed.v2"] is CourseCompletedV2
