"""The identity HTTP API in-process: the newcomer's path from nothing to a professional's
token, the problems it answers with, and the access rules of each endpoint."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import Tracking
from fastapi.testclient import TestClient

from hourbank_identity.application.identity import IdentityServices
from hourbank_identity.application.organisation_search import (
    InMemoryOrganisationSearchView,
    OrganisationSearchProjection,
)
from hourbank_identity.entrypoints.http import create_app

from ..support import (
    STRONG_PASSWORD,
    TOKENS,
    Clock,
    employer_admin,
    new_identity,
    preload_registry,
)
from ..synthetic import credit_code_text, national_id_text

ID_NUMBER = national_id_text("370303", sequence="321")
EMPLOYER_CODE = credit_code_text("91370303MA3C7XKQ6")


class Api:
    def __init__(self) -> None:
        self.identity: IdentityServices = new_identity(Clock())
        self.search = InMemoryOrganisationSearchView()
        self.projection = OrganisationSearchProjection(self.search)
        self.app = create_app(self.identity, self.search, TOKENS)
        self.client = TestClient(self.app)
        self.projected = 0

    def project(self) -> None:
        """What the projector process does, synchronously."""
        recorder = self.identity.app.recorder
        for notification in recorder.select_notifications(start=self.projected + 1, limit=1000):
            self.projection.process_event(
                self.identity.app.mapper.to_domain_event(notification),
                Tracking(self.identity.app.name, notification.id),
            )
            self.projected = notification.id

    def client_from(self, address: str) -> TestClient:
        """A client whose requests arrive from ``address``."""
        return TestClient(self.app, client=(address, 50000))

    def token(self, login: str, password: str = STRONG_PASSWORD) -> dict[str, str]:
        answer = self.client.post("/v1/auth/login", json={"login": login, "password": password})
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def activate(self, login: str, code: str) -> None:
        answer = self.client.post(
            "/v1/accounts/activate",
            json={"login": login, "activation_code": code, "password": STRONG_PASSWORD},
        )
        assert answer.status_code == 200, answer.text


@pytest.fixture
def api() -> Api:
    return Api()


def bootstrap_province(api: Api) -> dict[str, str]:
    activation = api.identity.organisations.provision_admin(None, None, "province-admin")
    api.activate("province-admin", activation.activation_code)
    return api.token("province-admin")


ORGANISATIONS_CSV = (
    "kind,name,region_code,credit_code,industry_authority\n"
    "hr_authority,淄博市人力资源和社会保障局,370300,,\n"
    "industry_authority,淄博市卫生健康委员会,370300,,\n"
    f"employer,淄博市第一医院,370303,{EMPLOYER_CODE},淄博市卫生健康委员会\n"
)


def test_a_newcomer_goes_from_nothing_to_a_professionals_token(api: Api) -> None:
    province = bootstrap_province(api)
    loaded = api.client.post(
        "/v1/organisations/import",
        content=ORGANISATIONS_CSV.encode(),
        headers={**province, "Content-Type": "text/csv"},
    )
    assert loaded.status_code == 200, loaded.text
    assert (loaded.json()["created"], loaded.json()["errors"]) == (3, [])
    api.project()
    found = api.client.get("/v1/organisations", params={"q": "淄博第一医院"}, headers=province)
    employer = found.json()["items"][0]
    assert employer["credit_code"] == EMPLOYER_CODE

    admin = api.client.post(
        f"/v1/organisations/{employer['organisation_id']}/accounts",
        json={"login": "zibo-first-hospital"},
        headers=province,
    )
    assert admin.status_code == 201, admin.text
    api.activate("zibo-first-hospital", admin.json()["activation_code"])
    employer_token = api.token("zibo-first-hospital")

    registered = api.client.post(
        "/v1/persons",
        json={
            "name": "张三",
            "id_number": ID_NUMBER,
            "organisation_id": employer["organisation_id"],
        },
        headers=employer_token,
    )
    assert registered.status_code == 201, registered.text
    body = registered.json()
    assert ID_NUMBER not in registered.text
    assert body["masked_id_number"] == ID_NUMBER[:4] + "*" * 10 + ID_NUMBER[-4:]
    api.activate(ID_NUMBER, body["activation"]["activation_code"])
    professional = api.token(ID_NUMBER)

    own = api.client.get(f"/v1/persons/{body['person_id']}", headers=professional)
    assert own.status_code == 200
    assert own.json()["masked_id_number"] == body["masked_id_number"]
    assert ID_NUMBER not in own.text


def test_every_endpoint_but_the_public_ones_needs_a_token(api: Api) -> None:
    some = "00000000-0000-0000-0000-000000000001"
    for method, path in [
        ("post", "/v1/organisations"),
        ("post", "/v1/organisations/import"),
        ("get", "/v1/organisations"),
        ("get", f"/v1/organisations/{some}"),
        ("post", f"/v1/organisations/{some}/accounts"),
        ("post", f"/v1/employers/{some}/approval"),
        ("post", "/v1/persons"),
        ("get", f"/v1/persons/{some}"),
        ("delete", f"/v1/persons/{some}/id-number"),
        ("post", "/v1/legacy-imports?batch_id=b1"),
    ]:
        answer = getattr(api.client, method)(path)
        assert answer.status_code == 401, (method, path, answer.status_code)
        assert answer.headers["content-type"] == "application/problem+json"


def test_bad_input_gets_problem_details_naming_the_field(api: Api) -> None:
    province = bootstrap_province(api)
    api.client.post(
        "/v1/organisations/import",
        content=ORGANISATIONS_CSV.encode(),
        headers={**province, "Content-Type": "text/csv"},
    )
    api.project()
    employer = api.client.get("/v1/organisations", params={"q": EMPLOYER_CODE}, headers=province)
    employer_id = employer.json()["items"][0]["organisation_id"]
    bad_id = ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")
    answer = api.client.post(
        "/v1/persons",
        json={"name": "张三", "id_number": bad_id, "organisation_id": employer_id},
        headers=province,
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "id_number"
    assert bad_id not in answer.text
    missing = api.client.post(
        "/v1/organisations/import",
        content=b"kind,name\nhr_authority,x\n",
        headers={**province, "Content-Type": "text/csv"},
    )
    assert missing.status_code == 422
    assert missing.json()["errors"] == [{"field": "region_code", "message": "missing column"}]
    weak = api.identity.organisations.provision_admin(None, None, "second-admin")
    refused = api.client.post(
        "/v1/accounts/activate",
        json={
            "login": "second-admin",
            "activation_code": weak.activation_code,
            "password": "password1",
        },
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "password"


def test_login_is_throttled_with_retry_after(api: Api) -> None:
    bootstrap_province(api)
    for _ in range(5):
        wrong = api.client.post(
            "/v1/auth/login", json={"login": "province-admin", "password": "not-the-password"}
        )
        assert wrong.status_code == 401
    locked = api.client.post(
        "/v1/auth/login", json={"login": "province-admin", "password": STRONG_PASSWORD}
    )
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0


def _registered_professional(api: Api) -> str:
    """An active professional, who logs in with their ID number; returns the number."""
    registry = preload_registry(api.identity)
    registered = api.identity.persons.register_professional(
        employer_admin(registry.employer),
        name="张三",
        id_number=ID_NUMBER,
        organisation=registry.employer,
    )
    assert registered.activation is not None
    api.activate(ID_NUMBER, registered.activation.activation_code)
    return ID_NUMBER


def _comparable(answer: Any) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body, without the per-request correlation id."""
    headers = {k: v for k, v in answer.headers.items() if k.lower() != "x-correlation-id"}
    return answer.status_code, headers, answer.content


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/auth/login", {"password": "not-the-password"}),
        (
            "/v1/accounts/activate",
            {"activation_code": "AAAA-BBBB-CCCC-DDDD-EEEE", "password": STRONG_PASSWORD},
        ),
    ],
)
def test_registered_and_unregistered_id_numbers_get_identical_answers(
    api: Api, path: str, body: dict[str, str]
) -> None:
    """Regression (issue 10): after five wrong passwords a registered ID number answered
    429 Retry-After: 900 and an unregistered one 401, so anyone could tell who is
    registered. Every answer (status, headers, body) must now be the same."""
    registered = _registered_professional(api)
    unregistered = national_id_text("370303", sequence="777")
    known = api.client_from("203.0.113.1")
    unknown = api.client_from("203.0.113.2")
    for attempt in range(8):
        answers = [
            _comparable(client.post(path, json={"login": login, **body}))
            for client, login in ((known, registered), (unknown, unregistered))
        ]
        assert answers[0] == answers[1], f"attempt {attempt + 1}"
        assert answers[0][0] == (401 if attempt < 5 else 429)
    assert int(answers[0][1]["retry-after"]) == 15


def test_the_owner_still_logs_in_after_a_strangers_failures(api: Api) -> None:
    """Regression (issue 10): five wrong passwords from anyone locked the owner out for
    15 minutes."""
    registered = _registered_professional(api)
    stranger = api.client_from("203.0.113.66")
    for _ in range(5):
        wrong = stranger.post(
            "/v1/auth/login", json={"login": registered, "password": "guess-guess-guess"}
        )
        assert wrong.status_code == 401
    throttled = stranger.post(
        "/v1/auth/login", json={"login": registered, "password": STRONG_PASSWORD}
    )
    assert throttled.status_code == 429  # the stranger, even with the right password
    owner = api.client_from("192.0.2.44").post(
        "/v1/auth/login", json={"login": registered, "password": STRONG_PASSWORD}
    )
    assert owner.status_code == 200, owner.text


def test_x_forwarded_for_counts_only_from_a_trusted_proxy(api: Api) -> None:
    def failures_until_throttled(client: TestClient, forwarded: list[str]) -> int:
        for number, address in enumerate(forwarded, start=1):
            answer = client.post(
                "/v1/auth/login",
                json={"login": "nobody-at-all", "password": "not-the-password"},
                headers={"X-Forwarded-For": address},
            )
            if answer.status_code == 429:
                return number
        return len(forwarded) + 1

    spoofed = [f"198.51.100.{n}" for n in range(1, 9)]
    # Without a trusted proxy the header is ignored: the peer is throttled after 5.
    assert failures_until_throttled(api.client_from("203.0.113.9"), spoofed) == 6
    proxied = TestClient(
        create_app(api.identity, api.search, TOKENS, trusted_proxies=["10.0.0.0/8"]),
        client=("10.1.2.3", 50000),
    )
    # Behind the trusted proxy each forwarded address is its own client.
    assert failures_until_throttled(proxied, spoofed) == len(spoofed) + 1


def test_the_jwks_document_verifies_issued_tokens(api: Api) -> None:
    import jwt

    province = bootstrap_province(api)
    token = province["Authorization"].removeprefix("Bearer ")
    keys = api.client.get("/.well-known/jwks.json").json()["keys"]
    key = jwt.PyJWK(keys[0])
    claims = jwt.decode(token, key.key, algorithms=["EdDSA"], audience="hourbank")
    assert claims["role"] == "province_admin"


def test_self_registered_employers_wait_for_approval(api: Api) -> None:
    province = bootstrap_province(api)
    api.client.post(
        "/v1/organisations/import",
        content=ORGANISATIONS_CSV.encode(),
        headers={**province, "Content-Type": "text/csv"},
    )
    api.project()
    industry = api.client.get(
        "/v1/organisations",
        params={"q": "卫生健康委员会", "kind": "industry_authority"},
        headers=province,
    ).json()["items"][0]["organisation_id"]
    pending = api.client.post(
        "/v1/employers",
        json={
            "name": "淄博新材料有限公司",
            "region_code": "370303",
            "credit_code": credit_code_text("91370303MA3NEWC71"),
            "industry_authority_id": industry,
        },
    )
    assert pending.status_code == 201, pending.text
    assert pending.json()["status"] == "pending"
    employer_id = UUID(pending.json()["organisation_id"])
    approved = api.client.post(f"/v1/employers/{employer_id}/approval", headers=province)
    assert approved.json()["status"] == "active"
    api.project()
    listed = api.client.get(
        "/v1/organisations", params={"q": "新材料", "status": "active"}, headers=province
    )
    assert [item["organisation_id"] for item in listed.json()["items"]] == [str(employer_id)]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("put", "/v1/organisations", "GET, POST"),
        ("delete", "/v1/legacy-imports", "POST"),
        ("put", "/v1/persons", "POST"),
        ("post", "/.well-known/jwks.json", "GET"),
    ],
)
def test_an_undocumented_method_is_a_405_naming_the_paths_methods(
    api: Api, method: str, path: str, allowed: str
) -> None:
    """Regression: with the routers included lazily (FastAPI's include_router), every 405
    went out with an empty Allow."""
    answer = api.client.request(method.upper(), path)
    assert answer.status_code == 405
    assert answer.headers["allow"] == allowed
