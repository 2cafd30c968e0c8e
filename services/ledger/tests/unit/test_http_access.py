"""Who may read whose hours: the access matrix, on every ledger endpoint.

A professional reads only their own records, an employer only its staff, a city or district
only its region, the province and the title-evaluation system everything. A person the
directory has not heard of is readable only by the province-wide roles and themself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid4

import httpx
import pytest
from eventsourcing.persistence import Tracking
from fastapi.testclient import TestClient

from hourbank_common.auth import Principal, Role, TokenSigner, generate_signing_keypair
from hourbank_ledger.application.directory import DirectoryEntry, InMemoryPersonDirectory
from hourbank_ledger.application.queries import HourBankQueries
from hourbank_ledger.application.statements import Statements
from hourbank_ledger.domain.policy import Subject
from hourbank_ledger.entrypoints.http import create_app
from services.ledger.tests.unit.test_http import ZAOZHUANG, Bank
from tests.support.auth import (
    VERIFIER,
    authority,
    bearer,
    organisation_admin,
    professional,
    province_admin,
    title_client,
)

DISTRICT = "370402"  # 枣庄市市中区, where the person is registered
OTHER_DISTRICT = "370403"  # 枣庄市薛城区
OTHER_CITY = "370300"  # 淄博市
EMPLOYER, INDUSTRY, OTHER_ORG = "employer-of-p", "industry-authority-of-p", "someone-else"
AS_OF = "2024-12-31T12:00:00+00:00"


@dataclass
class World:
    client: TestClient
    person: UUID
    unregistered: UUID
    codes: dict[UUID, str]  # a statement verification code per person


@pytest.fixture
def world() -> World:
    bank, directory = Bank(), InMemoryPersonDirectory()
    person, unregistered = uuid4(), uuid4()
    for someone in (person, unregistered):
        bank.course(someone, Subject.PUBLIC, "30", when=datetime(2024, 3, 1, tzinfo=UTC))
    directory.record_registrations(
        [
            DirectoryEntry(
                person_id=person,
                region_code=DISTRICT,
                organisation_ids=(EMPLOYER, INDUSTRY),
                registration_id="ce-registration",
                registered_at=datetime(2023, 1, 1, tzinfo=UTC),
            )
        ],
        Tracking("ledger", 1),
    )
    queries = HourBankQueries(bank.view, default_region=ZAOZHUANG)
    statements = Statements(queries, b"k" * 32)
    codes = {
        someone: statements.issue(
            someone, 2024, region=None, as_of=datetime.fromisoformat(AS_OF)
        ).verification_code
        for someone in (person, unregistered)
    }
    app = create_app(queries, statements, directory=directory, verifier=VERIFIER)
    return World(TestClient(app), person, unregistered, codes)


Call = Callable[[World, UUID, dict[str, str]], httpx.Response]


def year_hours(world: World, person: UUID, headers: dict[str, str]) -> httpx.Response:
    return world.client.get(f"/v1/persons/{person}/years/2024/hours", headers=headers)


def application_check(world: World, person: UUID, headers: dict[str, str]) -> httpx.Response:
    return world.client.get(
        f"/v1/persons/{person}/years/2024/application-check",
        params={"application_date": "2024-11-15"},
        headers=headers,
    )


def statement_pdf(world: World, person: UUID, headers: dict[str, str]) -> httpx.Response:
    return world.client.get(
        f"/v1/persons/{person}/years/2024/statement.pdf",
        params={"as_of": AS_OF},
        headers=headers,
    )


def verify_statement(world: World, person: UUID, headers: dict[str, str]) -> httpx.Response:
    return world.client.get(
        "/v1/statements/verify",
        params={
            "code": world.codes[person],
            "person_id": str(person),
            "study_year": 2024,
            "as_of": AS_OF,
        },
        headers=headers,
    )


def batch(world: World, person: UUID, headers: dict[str, str]) -> httpx.Response:
    return world.client.post(
        "/v1/hours/batch",
        json={"study_year": 2024, "person_ids": [str(person)]},
        headers=headers,
    )


ENDPOINTS: dict[str, Call] = {
    "year hours": year_hours,
    "application check": application_check,
    "statement.pdf": statement_pdf,
    "verify statement": verify_statement,
    "batch": batch,
}

# Who asks about the registered person (district 370402, employer EMPLOYER under INDUSTRY),
# and the status they get. None: no token at all.
MATRIX: list[tuple[str, Callable[[UUID], Principal | None], int]] = [
    ("no token", lambda p: None, 401),
    ("the person", lambda p: professional(p, DISTRICT, (EMPLOYER, INDUSTRY)), 200),
    # Same employer and district, another person: still not theirs.
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
        lambda p: organisation_admin(Role.INDUSTRY_AUTHORITY, INDUSTRY, ZAOZHUANG),
        200,
    ),
    (
        "an agency they are not with",
        lambda p: organisation_admin(Role.AGENCY, OTHER_ORG, DISTRICT),
        403,
    ),
    ("their city", lambda p: authority(ZAOZHUANG), 200),
    ("their district", lambda p: authority(DISTRICT), 200),
    ("another district of their city", lambda p: authority(OTHER_DISTRICT), 403),
    ("another city", lambda p: authority(OTHER_CITY), 403),
    ("the province", lambda p: province_admin(), 200),
    ("the title-evaluation system", lambda p: title_client(), 200),
]


@pytest.mark.parametrize("endpoint", ENDPOINTS.values(), ids=ENDPOINTS.keys())
@pytest.mark.parametrize(("who", "principal", "status"), MATRIX, ids=[row[0] for row in MATRIX])
def test_access_matrix(
    world: World,
    endpoint: Call,
    who: str,
    principal: Callable[[UUID], Principal | None],
    status: int,
) -> None:
    caller = principal(world.person)
    response = endpoint(world, world.person, bearer(caller) if caller else {})
    assert response.status_code == status, f"{who}: {response.text}"
    if status == 200:
        return
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


# Someone identity has not (yet) told this ledger about: no region, no organisation known.
UNREGISTERED: list[tuple[str, Callable[[UUID], Principal], int]] = [
    ("the person", lambda p: professional(p, DISTRICT, (EMPLOYER,)), 200),
    ("another professional", lambda p: professional(uuid4(), DISTRICT), 403),
    ("an employer", lambda p: organisation_admin(Role.EMPLOYER_ADMIN, EMPLOYER, DISTRICT), 403),
    ("a city", lambda p: authority(ZAOZHUANG), 403),
    ("the province", lambda p: province_admin(), 200),
    ("the title-evaluation system", lambda p: title_client(), 200),
]


@pytest.mark.parametrize("endpoint", ENDPOINTS.values(), ids=ENDPOINTS.keys())
@pytest.mark.parametrize(
    ("who", "principal", "status"), UNREGISTERED, ids=[row[0] for row in UNREGISTERED]
)
def test_a_person_missing_from_the_directory_fails_closed_for_regional_roles(
    world: World,
    endpoint: Call,
    who: str,
    principal: Callable[[UUID], Principal],
    status: int,
) -> None:
    response = endpoint(world, world.unregistered, bearer(principal(world.unregistered)))
    assert response.status_code == status, f"{who}: {response.text}"


def test_a_batch_with_one_person_out_of_reach_is_refused_naming_only_that_person(
    world: World,
) -> None:
    city = bearer(authority(ZAOZHUANG))
    response = world.client.post(
        "/v1/hours/batch",
        json={"study_year": 2024, "person_ids": [str(world.person), str(world.unregistered)]},
        headers=city,
    )
    assert response.status_code == 403
    problem = response.json()
    assert [error["person_id"] for error in problem["errors"]] == [str(world.unregistered)]
    assert str(world.person) not in response.text
    allowed = world.client.post(
        "/v1/hours/batch",
        json={"study_year": 2024, "person_ids": [str(world.person)]},
        headers=city,
    )
    assert allowed.status_code == 200
    assert [r["person_id"] for r in allowed.json()["results"]] == [str(world.person)]


def test_a_token_signed_by_another_key_is_401(world: World) -> None:
    forged = TokenSigner(generate_signing_keypair().private_pem).access_token(province_admin())
    response = year_hours(world, world.person, {"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert response.json()["type"] == "https://hourbank.example/problems/unauthenticated"


def test_healthz_needs_no_token(world: World) -> None:
    assert world.client.get("/healthz").status_code == 200
