from __future__ import annotations

import importlib.util
from uuid import uuid4

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from hourbank_learning.application.service import LearningApplication
from hourbank_learning.entrypoints.http import create_app
from tests.support.auth import VERIFIER, bearer, province_admin


def client_for(learning: LearningApplication) -> TestClient:
    """A client acting as a provincial administrator (who may record for anyone): these
    tests are about the answers; who may ask is tested in test_http_access.py."""
    return TestClient(create_app(learning, verifier=VERIFIER), headers=bearer(province_admin()))


@pytest.fixture
def client() -> TestClient:
    return client_for(LearningApplication())


def body(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "person_id": str(uuid4()),
        "course_id": "GX-2025-001",
        "study_year": 2025,
        "subject": "public",
        "hours": "2.5",
        "region_code": "370300",
        "completed_at": "2025-03-01T09:30:00+08:00",
    }
    values.update(overrides)
    return values


def test_post_records_and_get_reads_back(client: TestClient) -> None:
    response = client.post("/v1/completions", json=body())
    assert response.status_code == 201
    created = response.json()
    assert created["hours"] == "2.5"
    assert response.headers["Location"] == f"/v1/completions/{created['completion_id']}"
    fetched = client.get(response.headers["Location"])
    assert fetched.status_code == 200
    assert fetched.json() == created


def test_retry_answers_200_with_the_same_completion(client: TestClient) -> None:
    payload = body()
    first = client.post("/v1/completions", json=payload)
    second = client.post("/v1/completions", json=payload)
    assert second.status_code == 200
    assert second.json()["completion_id"] == first.json()["completion_id"]


def test_conflicting_retry_is_409_problem(client: TestClient) -> None:
    payload = body()
    client.post("/v1/completions", json=payload)
    response = client.post("/v1/completions", json={**payload, "hours": "3"})
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Conflicting completion"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"hours": "-1"}, "hours"),
        ({"hours": "2.55"}, "hours"),
        ({"region_code": "110000"}, "region_code"),
        ({"subject": "sports"}, "subject"),
        ({"completed_at": "2025-03-01T09:30:00"}, "completed_at"),
        ({"person_id": "370302199001011234"}, "person_id"),
    ],
)
def test_bad_input_is_422_problem_naming_the_field(
    client: TestClient, overrides: dict[str, object], field: str
) -> None:
    response = client.post("/v1/completions", json=body(**overrides))
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in problem["errors"]] == [field]
    # The submitted value is never echoed back (it may be personal data).
    assert str(overrides[field]) not in response.text


def test_domain_rule_violation_is_422_naming_the_field(client: TestClient) -> None:
    response = client.post(
        "/v1/completions", json=body(study_year=2024, completed_at="2025-03-01T09:30:00Z")
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "study_year"


def test_unknown_completion_is_404_problem(client: TestClient) -> None:
    response = client.get(f"/v1/completions/{uuid4()}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_the_request_correlation_id_travels_with_the_public_event() -> None:
    from hourbank_learning.adapters.contracts import to_public_event

    learning = LearningApplication()
    client = client_for(learning)
    response = client.post("/v1/completions", json=body(), headers={"X-Correlation-ID": "req-42"})
    assert response.headers["X-Correlation-ID"] == "req-42"
    stored = learning.recorder.select_notifications(start=1, limit=1)[0]
    envelope = to_public_event(learning.mapper.to_domain_event(stored))
    assert envelope is not None
    assert envelope.correlation_id == "req-42"


def test_the_api_is_routers_of_module_level_endpoints_run_with_python_m() -> None:
    app = create_app(LearningApplication(), verifier=VERIFIER)
    endpoints = [
        r.endpoint
        for r in iter_route_contexts(app.routes)
        if isinstance(r.original_route, APIRoute) and r.original_route.include_in_schema
    ]
    assert {e.__module__ for e in endpoints} == {"hourbank_learning.entrypoints.http.completions"}
    assert all(e.__qualname__ == e.__name__ for e in endpoints)  # none nested in a factory
    assert importlib.util.find_spec("hourbank_learning.entrypoints.http.__main__") is not None
