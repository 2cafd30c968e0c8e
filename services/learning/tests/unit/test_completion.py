from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from hourbank_common.errors import Conflict, InvalidInput, NotFound
from hourbank_contracts.vocabulary import Subject as SharedSubject
from hourbank_learning.application.service import (
    ConflictingCompletionError,
    LearningApplication,
    RecordCompletion,
    UnknownCompletion,
)
from hourbank_learning.domain.completion import (
    CourseCompletion,
    InvalidCompletionError,
    Subject,
)


def command(**overrides: object) -> RecordCompletion:
    values: dict[str, object] = {
        "person_id": uuid4(),
        "course_id": "GX-2025-001",
        "study_year": 2025,
        "subject": Subject.PUBLIC,
        "hours": Decimal("2.5"),
        "region_code": "370300",
        "completed_at": datetime(2025, 3, 1, 9, 30, tzinfo=UTC),
    }
    values.update(overrides)
    return RecordCompletion(**values)  # type: ignore[arg-type]


def test_recording_a_completion_raises_the_recorded_event() -> None:
    app = LearningApplication()
    cmd = command()
    result = app.record_completion(cmd)
    assert result.created
    notifications = app.recorder.select_notifications(start=1, limit=10)
    assert len(notifications) == 1
    recorded = app.mapper.to_domain_event(notifications[0])
    assert isinstance(recorded, CourseCompletion.Recorded)
    assert recorded.person_id == cmd.person_id
    assert recorded.hours == Decimal("2.5")
    assert recorded.subject == "public"


def test_the_same_completion_twice_is_an_idempotent_retry() -> None:
    app = LearningApplication()
    cmd = command()
    first = app.record_completion(cmd)
    second = app.record_completion(cmd)
    assert not second.created
    assert second.completion_id == first.completion_id
    assert len(app.recorder.select_notifications(start=1, limit=10)) == 1


def test_the_same_course_with_other_hours_is_a_conflict() -> None:
    app = LearningApplication()
    cmd = command()
    app.record_completion(cmd)
    with pytest.raises(ConflictingCompletionError):
        app.record_completion(command(person_id=cmd.person_id, hours=Decimal(3)))


def test_the_same_course_in_another_year_is_another_completion() -> None:
    app = LearningApplication()
    cmd = command()
    app.record_completion(cmd)
    later = app.record_completion(
        command(
            person_id=cmd.person_id,
            study_year=2026,
            completed_at=datetime(2026, 1, 5, tzinfo=UTC),
        )
    )
    assert later.created


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"hours": Decimal(0)}, "hours"),
        ({"hours": Decimal(201)}, "hours"),
        ({"study_year": 2024}, "study_year"),
        ({"completed_at": datetime(2025, 3, 1)}, "completed_at"),
    ],
)
def test_domain_rules_name_the_offending_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidCompletionError) as raised:
        LearningApplication().record_completion(command(**overrides))
    assert raised.value.field == field


def test_its_errors_belong_to_the_shared_families() -> None:
    app = LearningApplication()
    with pytest.raises(InvalidInput) as invalid:
        app.record_completion(command(hours=Decimal(0)))
    assert isinstance(invalid.value, InvalidCompletionError)
    assert (invalid.value.field, str(invalid.value)) == (
        "hours",
        "hours: must be greater than 0 and at most 200",
    )
    cmd = command()
    app.record_completion(cmd)
    with pytest.raises(Conflict):
        app.record_completion(command(person_id=cmd.person_id, hours=Decimal(3)))
    with pytest.raises(NotFound) as unknown:
        app.get_completion(uuid4())
    assert isinstance(unknown.value, UnknownCompletion)


def test_the_subject_is_the_shared_one_and_stored_as_its_plain_value() -> None:
    assert Subject is SharedSubject
    app = LearningApplication()
    result = app.record_completion(command(subject=Subject.PROFESSIONAL))
    (stored,) = app.recorder.select_notifications(start=1, limit=1)
    assert app.mapper.transcoder.decode(stored.state)["subject"] == "professional"
    assert app.get_completion(result.completion_id).subject is SharedSubject.PROFESSIONAL


def test_an_event_stored_with_the_former_subject_enum_still_loads() -> None:
    """Before the shared vocabulary, learning had its own ``Subject``; eventsourcing's JSON
    transcoder writes any StrEnum as its plain string, so such events hold "public"."""

    class FormerSubject(StrEnum):
        PUBLIC = "public"
        PROFESSIONAL = "professional"

    app = LearningApplication()
    result = app.record_completion(command())
    (stored,) = app.recorder.select_notifications(start=1, limit=1)
    state = app.mapper.transcoder.decode(stored.state)
    state["subject"] = FormerSubject.PUBLIC
    encoded = app.mapper.transcoder.encode(state)
    assert b'"subject":"public"' in encoded
    old = LearningApplication()
    old.recorder.insert_events(
        [
            StoredEvent(
                originator_id=stored.originator_id,
                originator_version=stored.originator_version,
                topic=stored.topic,
                state=encoded,
            )
        ]
    )
    assert old.get_completion(result.completion_id).subject is SharedSubject.PUBLIC
