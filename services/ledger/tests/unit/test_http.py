from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import Tracking
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from hourbank_ledger.application.directory import InMemoryPersonDirectory
from hourbank_ledger.application.queries import HourBankQueries
from hourbank_ledger.application.read_model import FactRow, InMemoryHourBankView
from hourbank_ledger.domain.fact_codec import encode_fact
from hourbank_ledger.domain.policy import DEFAULT_POLICY_DIR, Credit, CreditKind, Subject
from hourbank_ledger.entrypoints.http import create_app
from hourbank_ledger.entrypoints.http.models import BatchOut
from tests.support.auth import VERIFIER, bearer, province_admin

ZAOZHUANG = "370400"


class Bank:
    def __init__(self) -> None:
        self.view = InMemoryHourBankView()
        self.position = 0

    def course(
        self, person: UUID, subject: Subject, hours: str, *, when: datetime, region: str = ZAOZHUANG
    ) -> str:
        self.position += 1
        entry_id = f"ce-{self.position}"
        fact = Credit(
            entry_id=entry_id,
            kind=CreditKind.PLATFORM_COURSE,
            subject=subject,
            hours=Decimal(hours),
            region_code=region,
            study_year=when.year,
            occurred_at=when,
        )
        self.view.add_facts(
            [
                FactRow(
                    entry_id=entry_id,
                    person_id=person,
                    study_year=when.year,
                    region_code=region,
                    event_type="hourbank.learning.course.completed.v1",
                    source="/hourbank/learning",
                    recorded_at=when,
                    fact=encode_fact(fact),
                )
            ],
            Tracking("ledger", self.position),
        )
        return entry_id


@pytest.fixture
def bank() -> Bank:
    return Bank()


def client_for(bank: Bank, region: str | None = ZAOZHUANG) -> TestClient:
    """A client reading as the province (who may read everyone): these tests are about the
    answers; who may ask is tested in test_http_access.py."""
    app = create_app(
        HourBankQueries(bank.view, default_region=region),
        directory=InMemoryPersonDirectory(),
        verifier=VERIFIER,
    )
    return TestClient(app, headers=bearer(province_admin()))


def test_a_complete_year_is_compliant_with_entries_and_sources(bank: Bank) -> None:
    person = uuid4()
    bank.course(person, Subject.PUBLIC, "30", when=datetime(2024, 3, 1, tzinfo=UTC))
    bank.course(person, Subject.PROFESSIONAL, "40", when=datetime(2024, 5, 1, tzinfo=UTC))
    bank.course(person, Subject.PROFESSIONAL, "20", when=datetime(2024, 6, 1, tzinfo=UTC))
    response = client_for(bank).get(f"/v1/persons/{person}/years/2024/hours")
    assert response.status_code == 200
    body = response.json()
    assert body["compliant"] is True
    assert body["region_code"] == ZAOZHUANG
    assert body["hours_by_subject"]["public"] == {"raw": "30", "credited": "30"}
    assert body["hours_by_subject"]["professional"] == {"raw": "60", "credited": "60"}
    assert [e["entry_id"] for e in body["entries"]] == ["ce-1", "ce-2", "ce-3"]
    assert {e["status"] for e in body["entries"]} == {"credited"}
    assert body["page"]["total"] == 3


def test_a_short_year_says_how_many_hours_are_missing(bank: Bank) -> None:
    person = uuid4()
    bank.course(person, Subject.PUBLIC, "28", when=datetime(2024, 3, 1, tzinfo=UTC))
    bank.course(person, Subject.PROFESSIONAL, "60", when=datetime(2024, 5, 1, tzinfo=UTC))
    body = client_for(bank).get(f"/v1/persons/{person}/years/2024/hours").json()
    assert body["compliant"] is False
    assert any("28/30" in reason and "2 hours short" in reason for reason in body["reasons"])


def test_as_of_shows_the_bank_as_it_stood(bank: Bank) -> None:
    person = uuid4()
    bank.course(person, Subject.PUBLIC, "10", when=datetime(2024, 3, 1, tzinfo=UTC))
    bank.course(person, Subject.PUBLIC, "20", when=datetime(2024, 9, 1, tzinfo=UTC))
    client = client_for(bank)
    earlier = client.get(
        f"/v1/persons/{person}/years/2024/hours", params={"as_of": "2024-06-30T00:00:00Z"}
    ).json()
    now = client.get(f"/v1/persons/{person}/years/2024/hours").json()
    assert earlier["hours_by_subject"]["public"]["credited"] == "10"
    assert now["hours_by_subject"]["public"]["credited"] == "30"


def test_entries_are_paginated(bank: Bank) -> None:
    person = uuid4()
    for month in range(1, 6):
        bank.course(person, Subject.PUBLIC, "1", when=datetime(2024, month, 1, tzinfo=UTC))
    client = client_for(bank)
    first = client.get(f"/v1/persons/{person}/years/2024/hours", params={"limit": 2}).json()
    last = client.get(
        f"/v1/persons/{person}/years/2024/hours", params={"limit": 2, "offset": 4}
    ).json()
    assert first["page"] == {"limit": 2, "offset": 0, "total": 5, "next_offset": 2}
    assert len(last["entries"]) == 1
    assert last["page"]["next_offset"] is None


def test_batch_answers_each_person_once_in_request_order(bank: Bank) -> None:
    done, short = uuid4(), uuid4()
    bank.course(done, Subject.PUBLIC, "30", when=datetime(2024, 3, 1, tzinfo=UTC))
    bank.course(done, Subject.PROFESSIONAL, "60", when=datetime(2024, 3, 2, tzinfo=UTC))
    response = client_for(bank).post(
        "/v1/hours/batch",
        json={"study_year": 2024, "person_ids": [str(short), str(done), str(short)]},
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["person_id"] for r in results] == [str(short), str(done)]
    assert [r["compliant"] for r in results] == [False, True]


def test_batch_documents_are_exactly_what_the_declared_model_serialises(bank: Bank) -> None:
    # The batch endpoint serialises plain documents instead of VerdictOut models (speed);
    # they must validate as the declared schema and read the same as the single query.
    done, short = uuid4(), uuid4()
    bank.course(done, Subject.PUBLIC, "30", when=datetime(2024, 3, 1, tzinfo=UTC))
    bank.course(done, Subject.PROFESSIONAL, "61.5", when=datetime(2024, 3, 2, tzinfo=UTC))
    bank.course(short, Subject.PUBLIC, "2", when=datetime(2024, 5, 1, tzinfo=UTC))
    client = client_for(bank)
    as_of = "2025-01-10T00:00:00+08:00"
    response = client.post(
        "/v1/hours/batch",
        json={"study_year": 2024, "person_ids": [str(done), str(short)], "as_of": as_of},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    parsed = BatchOut.model_validate_json(response.content)
    assert response.json() == parsed.model_dump(mode="json")
    for result in response.json()["results"]:
        single = client.get(
            f"/v1/persons/{result['person_id']}/years/2024/hours", params={"as_of": as_of}
        ).json()
        assert {key: single[key] for key in result} == result
    schema = client.get("/openapi.json").json()
    assert schema["paths"]["/v1/hours/batch"]["post"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"] == {"$ref": "#/components/schemas/BatchOut"}


def test_batch_refuses_more_than_1000_persons(bank: Bank) -> None:
    response = client_for(bank).post(
        "/v1/hours/batch",
        json={"study_year": 2024, "person_ids": [str(uuid4()) for _ in range(1001)]},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "person_ids"


def test_application_check_five_working_days_before(bank: Bank) -> None:
    person = uuid4()
    bank.course(person, Subject.PUBLIC, "30", when=datetime(2024, 3, 1, tzinfo=UTC))
    # Completed on 2024-09-30 (CST): too late for an application on 2024-10-08. Counting back
    # over the National Day holiday (10-01…10-07): 09-30, 09-29 (a Sunday worked in
    # exchange), 09-27, 09-26, 09-25 — so the hours had to be complete by 2024-09-25.
    bank.course(person, Subject.PROFESSIONAL, "60", when=datetime(2024, 9, 30, 2, tzinfo=UTC))
    client = client_for(bank)
    late = client.get(
        f"/v1/persons/{person}/years/2024/application-check",
        params={"application_date": "2024-10-08"},
    ).json()
    assert late["complete_by"] == "2024-09-25"
    assert late["working_days_before"] == 5
    assert late["complete_in_time"] is False
    in_time = client.get(
        f"/v1/persons/{person}/years/2024/application-check",
        params={"application_date": "2024-11-15"},
    ).json()
    assert in_time["complete_in_time"] is True


def test_a_year_the_calendar_does_not_cover_is_a_422(bank: Bank) -> None:
    response = client_for(bank).get(
        f"/v1/persons/{uuid4()}/years/2024/application-check",
        params={"application_date": "2031-03-03"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "application_date"


def test_a_region_and_year_without_policy_is_a_clear_error(bank: Bank) -> None:
    response = client_for(bank).get(f"/v1/persons/{uuid4()}/years/2019/hours")
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"][0]["field"] == "study_year"
    assert "370400" in problem["detail"]
    assert "2019" in problem["detail"]


@pytest.mark.parametrize("year", [2030, 2099])
def test_an_unknown_region_year_answers_without_a_server_path(bank: Bank, year: int) -> None:
    response = client_for(bank).get(f"/v1/persons/{uuid4()}/years/{year}/hours")
    assert response.status_code == 422
    problem = response.json()
    messages = [problem["detail"], *(error["message"] for error in problem["errors"])]
    assert all(str(year) in message and "/" not in message for message in messages)
    assert str(DEFAULT_POLICY_DIR) not in response.text


def test_provincial_mode_merges_cities_and_needs_the_region(bank: Bank) -> None:
    person = uuid4()
    bank.course(person, Subject.PUBLIC, "20", when=datetime(2024, 3, 1, tzinfo=UTC))
    bank.course(
        person, Subject.PUBLIC, "10", when=datetime(2024, 4, 1, tzinfo=UTC), region="370300"
    )
    province = client_for(bank, region=None)
    missing = province.get(f"/v1/persons/{person}/years/2024/hours")
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "region"
    body = province.get(
        f"/v1/persons/{person}/years/2024/hours", params={"region": ZAOZHUANG}
    ).json()
    assert body["hours_by_subject"]["public"]["credited"] == "30"
    assert {e["region_code"] for e in body["entries"]} == {"370300", ZAOZHUANG}


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/persons/not-a-uuid/years/2024/hours", "person_id"),
        (f"/v1/persons/{uuid4()}/years/1999/hours", "study_year"),
        (f"/v1/persons/{uuid4()}/years/2024/hours?limit=0", "limit"),
        (f"/v1/persons/{uuid4()}/years/2024/hours?as_of=2024-01-01T00:00:00", "as_of"),
        (f"/v1/persons/{uuid4()}/years/2024/hours?region=37", "region"),
    ],
)
def test_bad_parameters_are_422_problems_naming_the_field(
    bank: Bank, path: str, field: str
) -> None:
    response = client_for(bank).get(path)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_the_api_is_routers_of_module_level_endpoints_run_with_python_m() -> None:
    app = client_for(Bank()).app
    assert isinstance(app, FastAPI)
    endpoints = [
        r.endpoint
        for r in iter_route_contexts(app.routes)
        if isinstance(r.original_route, APIRoute) and r.original_route.include_in_schema
    ]
    assert {e.__module__ for e in endpoints} == {
        "hourbank_ledger.entrypoints.http.hours",
        "hourbank_ledger.entrypoints.http.statements",
    }
    assert all(e.__qualname__ == e.__name__ for e in endpoints)  # none nested in a factory
    assert importlib.util.find_spec("hourbank_ledger.entrypoints.http.__main__") is not None
