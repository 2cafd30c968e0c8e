"""Request metrics: counted and timed by route template, never by the concrete path."""

from __future__ import annotations

from uuid import uuid4

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from hourbank_common.http import UNMATCHED_ROUTE, install_http_plumbing

TEMPLATE = "/v1/metric-probes/{probe_id}"


def _requests(route: str, method: str, status: int) -> float:
    labels = {"route": route, "method": method, "status": str(status)}
    return REGISTRY.get_sample_value("hourbank_http_requests_total", labels) or 0.0


def _timed(route: str, method: str) -> float:
    labels = {"route": route, "method": method}
    return REGISTRY.get_sample_value("hourbank_http_request_duration_seconds_count", labels) or 0.0


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()
    install_http_plumbing(app)

    @app.get(TEMPLATE)
    def probe(probe_id: str) -> dict[str, str]:
        return {"probe_id": probe_id}

    return TestClient(app)


def _exposition(client: TestClient) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return response.text


def test_a_request_is_counted_and_timed_under_its_route_template(client: TestClient) -> None:
    probe_id = str(uuid4())
    counted, timed = _requests(TEMPLATE, "GET", 200), _timed(TEMPLATE, "GET")
    assert client.get(f"/v1/metric-probes/{probe_id}").status_code == 200
    assert _requests(TEMPLATE, "GET", 200) == counted + 1
    assert _timed(TEMPLATE, "GET") == timed + 1
    text = _exposition(client)
    assert probe_id not in text  # the id in the path never becomes a label
    families = {family.name: family for family in text_string_to_metric_families(text)}
    assert families["hourbank_http_requests"].type == "counter"
    assert families["hourbank_http_request_duration_seconds"].type == "histogram"


def test_an_unknown_path_is_counted_under_one_label_for_all_unknown_paths(
    client: TestClient,
) -> None:
    unknown = f"/v1/no-such-thing/{uuid4()}"
    counted = _requests(UNMATCHED_ROUTE, "GET", 404)
    assert client.get(unknown).status_code == 404
    assert client.get(f"/{uuid4()}").status_code == 404
    assert _requests(UNMATCHED_ROUTE, "GET", 404) == counted + 2
    text = _exposition(client)
    assert unknown not in text
    assert "no-such-thing" not in text


def test_a_wrong_method_is_counted_under_the_route_and_unknown_methods_share_a_label(
    client: TestClient,
) -> None:
    path = f"/v1/metric-probes/{uuid4()}"
    posted, odd = _requests(TEMPLATE, "POST", 405), _requests(TEMPLATE, "OTHER", 405)
    assert client.post(path).status_code == 405
    assert client.request("BREW", path).status_code == 405
    assert _requests(TEMPLATE, "POST", 405) == posted + 1
    assert _requests(TEMPLATE, "OTHER", 405) == odd + 1
    assert 'method="BREW"' not in _exposition(client)


def test_a_server_error_is_counted_as_500() -> None:
    app = FastAPI()
    install_http_plumbing(app)

    @app.get("/v1/metric-failures")
    def fail() -> None:
        raise RuntimeError("boom")

    counted = _requests("/v1/metric-failures", "GET", 500)
    client = TestClient(app, raise_server_exceptions=False)
    assert client.get("/v1/metric-failures").status_code == 500
    assert _requests("/v1/metric-failures", "GET", 500) == counted + 1


def test_metrics_health_and_readiness_are_not_in_the_openapi_document(
    client: TestClient,
) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths) == {TEMPLATE}


def test_metrics_speak_openmetrics_when_the_scraper_asks(client: TestClient) -> None:
    response = client.get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.endswith("# EOF\n")


def test_a_routers_request_is_counted_under_its_full_route_template() -> None:
    app = FastAPI()
    install_http_plumbing(app)
    # The prefix belongs to the APIRouter (as in every service), so that the route FastAPI
    # puts in the request's scope carries the whole template.
    router = APIRouter(prefix="/v1/metric-routers")

    @router.get("/{router_id}")
    def get_one(router_id: str) -> str:
        return router_id

    app.include_router(router)
    template = "/v1/metric-routers/{router_id}"
    counted = _requests(template, "GET", 200)
    assert TestClient(app).get(f"/v1/metric-routers/{uuid4()}").status_code == 200
    assert _requests(template, "GET", 200) == counted + 1
