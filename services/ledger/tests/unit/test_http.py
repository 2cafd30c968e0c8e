from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from eventsourcing.persistence import Tracking
from fastapi.testclient import TestClient

from hourbank_ledger.application.read_model import EntryRow, InMemoryHourBankView
from hourbank_ledger.entrypoints.http import create_app


@pytest.fixture
def view() -> InMemoryHourBankView:
    return InMemoryHourBankView()


def add(view: InMemoryHourBankView, person, n: int, subject: str, hours: str) -> None:  # type: ignore[no-untyped-def]
    view.add_entry(
        EntryRow(
            entry_id=f"ce-{n}",
            person_id=person,
            event_type="hourbank.learning.course.completed.v1",
            source="/hourbank/learning",
            source_ref=f"completion:{n}",
            region_code="370400",
            study_year=2025,
            subject=subject,
            hours=Decimal(hours),
            occurred_at=datetime(2025, 2, n, tzinfo=UTC),
        ),
        Tracking("ledger", n),
    )


def test_year_hours_by_subject_with_entries_and_pages(view: InMemoryHourBankView) -> None:
    person = uuid4()
    add(view, person, 1, "public", "2.5")
    add(view, person, 2, "professional", "10")
    add(view, person, 3, "professional", "1.5")
    client = TestClient(create_app(view))
    response = client.get(f"/v1/persons/{person}/years/2025/hours", params={"limit": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["hours_by_subject"] == {"public": "2.5", "professional": "11.5"}
    assert Decimal(body["total_hours"]) == Decimal(14)
    assert [e["entry_id"] for e in body["entries"]] == ["ce-1", "ce-2"]
    assert body["entries"][0]["region_code"] == "370400"
    assert body["page"] == {"limit": 2, "offset": 0, "total": 3, "next_offset": 2}
    rest = client.get(
        f"/v1/persons/{person}/years/2025/hours", params={"limit": 2, "offset": 2}
    ).json()
    assert [e["entry_id"] for e in rest["entries"]] == ["ce-3"]
    assert rest["page"]["next_offset"] is None


def test_a_person_without_hours_gets_zeros(view: InMemoryHourBankView) -> None:
    client = TestClient(create_app(view))
    body = client.get(f"/v1/persons/{uuid4()}/years/2025/hours").json()
    assert body["hours_by_subject"] == {"public": "0", "professional": "0"}
    assert body["entries"] == []


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/persons/not-a-uuid/years/2025/hours", "person_id"),
        (f"/v1/persons/{uuid4()}/years/1999/hours", "study_year"),
        (f"/v1/persons/{uuid4()}/years/2025/hours?limit=0", "limit"),
    ],
)
def test_bad_parameters_are_422_problems_naming_the_field(
    view: InMemoryHourBankView, path: str, field: str
) -> None:
    response = TestClient(create_app(view)).get(path)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]
