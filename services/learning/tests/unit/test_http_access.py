"""Who may record and read completions: the access matrix, on every learning endpoint.

A professional records only their own completions (the province's administrators anyone's);
a completion is readable by the person, by the organisations and the region the recording
professional's token named, and by the province-wide roles. The title-evaluation system
reads but never writes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent
from fastapi.testclient import TestClient

from hourbank_common.auth import Principal, Role
from hourbank_learning.application.service import LearningApplication, RecordCompletion
from hourbank_learning.domain.completion import CourseCompletion, Subject
from hourbank_learning.entrypoints.http import create_app
from tests.support.auth import (
    VERIFIER,
    authority,
    bearer,
    organisation_admin,
    professional,
    province_admin,
    title_client,
)

CITY = "370300"  # 淄博市
DISTRICT = "370302"  # 淄博市淄川区, where the person is registered
OTHER_DISTRICT = "370303"  # 淄博市张店区
OTHER_CITY = "370400"  # 枣庄市
EMPLOYER, INDUSTRY, OTHER_ORG = "employer-of-p", "industry-authority-of-p", "someone-else"

Who = Callable[[UUID], Principal | None]


def the_person(person: UUID) -> Principal:
    return professional(person, DISTRICT, (EMPLOYER, INDUSTRY))


def body(person: UUID, course: str = "GX-2025-001") -> dict[str, object]:
    return {
        "person_id": str(person),
        "course_id": course,
        "study_year": 2025,
        "subject": "public",
        "hours": "2.5",
        "region_code": CITY,
        "completed_at": "2025-03-01T09:30:00+08:00",
    }


@pytest.fixture
def learning() -> LearningApplication:
    return LearningApplication()


@pytest.fixture
def client(learning: LearningApplication) -> TestClient:
    return TestClient(create_app(learning, verifier=VERIFIER))


def headers(principal: Principal | None) -> dict[str, str]:
    return bearer(principal) if principal else {}


RECORDERS: list[tuple[str, Who, int]] = [
    ("no token", lambda p: None, 401),
    ("the person", the_person, 201),
    ("another professional", lambda p: professional(uuid4(), DISTRICT, (EMPLOYER,)), 403),
    ("their employer", lambda p: organisation_admin(Role.EMPLOYER_ADMIN, EMPLOYER, DISTRICT), 403),
    ("their city", lambda p: authority(CITY), 403),
    ("the province", lambda p: province_admin(), 201),
    ("the title-evaluation system", lambda p: title_client(), 403),
]


@pytest.mark.parametrize(("who", "principal", "status"), RECORDERS, ids=[r[0] for r in RECORDERS])
def test_who_may_record_a_completion(
    client: TestClient, learning: LearningApplication, who: str, principal: Who, status: int
) -> None:
    person = uuid4()
    response = client.post("/v1/completions", json=body(person), headers=headers(principal(person)))
    assert response.status_code == status, f"{who}: {response.text}"
    recorded = learning.recorder.select_notifications(start=1, limit=10)
    assert len(recorded) == (1 if status == 201 else 0)  # a refusal records nothing
    if status != 201:
        assert response.headers["content-type"] == "application/problem+json"


def test_the_completion_keeps_the_recording_professionals_organisations_and_region(
    client: TestClient, learning: LearningApplication
) -> None:
    person = uuid4()
    response = client.post("/v1/completions", json=body(person), headers=bearer(the_person(person)))
    completion = learning.get_completion(UUID(response.json()["completion_id"]))
    assert completion is not None
    assert set(completion.organisation_ids) == {EMPLOYER, INDUSTRY}
    assert completion.registration_region_code == DISTRICT


# Who asks for a completion the person recorded with their own token.
READERS: list[tuple[str, Who, int]] = [
    ("no token", lambda p: None, 401),
    ("the person", the_person, 200),
    ("a colleague", lambda p: professional(uuid4(), DISTRICT, (EMPLOYER, INDUSTRY)), 403),
    ("their employer", lambda p: organisation_admin(Role.EMPLOYER_ADMIN, EMPLOYER, DISTRICT), 200),
    (
        "another employer",
        lambda p: organisation_admin(Role.EMPLOYER_ADMIN, OTHER_ORG, DISTRICT),
        403,
    ),
    (
        "their employer's id with another city's token",
        lambda p: organisation_admin(Role.EMPLOYER_ADMIN, EMPLOYER, OTHER_CITY),
        403,
    ),
    (
        "their industry authority",
        lambda p: organisation_admin(Role.INDUSTRY_AUTHORITY, INDUSTRY, CITY),
        200,
    ),
    ("their city", lambda p: authority(CITY), 200),
    ("their district", lambda p: authority(DISTRICT), 200),
    ("another district of their city", lambda p: authority(OTHER_DISTRICT), 403),
    ("another city", lambda p: authority(OTHER_CITY), 403),
    ("the province", lambda p: province_admin(), 200),
    ("the title-evaluation system", lambda p: title_client(), 200),
]


@pytest.mark.parametrize(("who", "principal", "status"), READERS, ids=[r[0] for r in READERS])
def test_who_may_read_a_completion(
    client: TestClient, who: str, principal: Who, status: int
) -> None:
    person = uuid4()
    created = client.post("/v1/completions", json=body(person), headers=bearer(the_person(person)))
    assert created.status_code == 201
    response = client.get(created.headers["Location"], headers=headers(principal(person)))
    assert response.status_code == status, f"{who}: {response.text}"
    if status == 200:
        assert response.json() == created.json()
    else:
        assert response.headers["content-type"] == "application/problem+json"


# A completion recorded by a provincial administrator names no organisation and no region.
ADMIN_RECORDED: list[tuple[str, Who, int]] = [
    ("the person", the_person, 200),
    ("their employer", lambda p: organisation_admin(Role.EMPLOYER_ADMIN, EMPLOYER, DISTRICT), 403),
    ("their city", lambda p: authority(CITY), 403),
    ("the province", lambda p: province_admin(), 200),
    ("the title-evaluation system", lambda p: title_client(), 200),
]


@pytest.mark.parametrize(
    ("who", "principal", "status"), ADMIN_RECORDED, ids=[r[0] for r in ADMIN_RECORDED]
)
def test_a_completion_recorded_by_the_province_fails_closed_for_regional_roles(
    client: TestClient, who: str, principal: Who, status: int
) -> None:
    person = uuid4()
    created = client.post("/v1/completions", json=body(person), headers=bearer(province_admin()))
    assert created.status_code == 201
    response = client.get(created.headers["Location"], headers=headers(principal(person)))
    assert response.status_code == status, who


def test_a_completion_stored_before_recorders_were_kept_still_loads(
    learning: LearningApplication,
) -> None:
    """A version 1 Recorded event (no organisations, no registration region) upcasts."""
    result = learning.record_completion(
        RecordCompletion(
            person_id=uuid4(),
            course_id="GX-2025-001",
            study_year=2025,
            subject=Subject.PUBLIC,
            hours=Decimal("2.5"),
            region_code=CITY,
            completed_at=datetime(2025, 3, 1, tzinfo=UTC),
            organisation_ids=frozenset({EMPLOYER}),
            registration_region_code=DISTRICT,
        )
    )
    (stored,) = learning.recorder.select_notifications(start=1, limit=1)
    state = learning.mapper.transcoder.decode(stored.state)
    assert state.pop("class_version") == 2
    del state["organisation_ids"], state["registration_region_code"]
    old = LearningApplication()
    old.recorder.insert_events(
        [
            StoredEvent(
                originator_id=stored.originator_id,
                originator_version=stored.originator_version,
                topic=stored.topic,
                state=old.mapper.transcoder.encode(state),
            )
        ]
    )
    loaded = old.get_completion(result.completion_id)
    assert isinstance(loaded, CourseCompletion)
    assert loaded.organisation_ids == ()
    assert loaded.registration_region_code is None
    assert loaded.hours == Decimal("2.5")
