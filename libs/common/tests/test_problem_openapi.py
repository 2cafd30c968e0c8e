"""The OpenAPI documents tell the truth about errors, and a 405 names what is allowed."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, FastAPI, Query
from fastapi.testclient import TestClient

from hourbank_common.auth import CurrentPrincipal, install_authentication
from hourbank_common.http import PROBLEM_JSON, install_http_plumbing, problem_responses
from tests.support.auth import VERIFIER


def _app() -> FastAPI:
    app = FastAPI()
    install_http_plumbing(app)
    install_authentication(app, VERIFIER)

    @app.get("/things")
    def list_things(principal: CurrentPrincipal, limit: Annotated[int, Query(le=5)] = 1) -> int:
        return limit

    @app.post("/things", status_code=201, responses=problem_responses(409))
    def add_thing(principal: CurrentPrincipal) -> int:
        return 1

    @app.get("/things/{thing_id}")
    def get_thing(thing_id: UUID, principal: CurrentPrincipal) -> str:
        return str(thing_id)

    @app.get("/public")
    def public() -> str:
        return "ok"

    return app


def test_every_error_answer_is_documented_as_a_problem() -> None:
    document = _app().openapi()
    operations = {
        (method, path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
    expected = {
        ("get", "/things"): {"401", "403", "422"},
        ("post", "/things"): {"401", "403", "409"},
        ("get", "/things/{thing_id}"): {"401", "403", "404", "422"},
        ("get", "/public"): set(),
    }
    for key, errors in expected.items():
        responses = operations[key]["responses"]
        assert {code for code in responses if int(code) >= 400} == errors, key
        for code in errors:
            content = responses[code]["content"]
            assert list(content) == [PROBLEM_JSON], (key, code)
            assert content[PROBLEM_JSON]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert "WWW-Authenticate" in operations[("get", "/things")]["responses"]["401"]["headers"]
    schemas = document["components"]["schemas"]
    assert "Problem" in schemas
    assert "HTTPValidationError" not in schemas


def test_a_405_is_a_problem_with_allow_listing_every_method_of_the_path() -> None:
    client = TestClient(_app())
    answer = client.delete("/things")
    assert answer.status_code == 405
    assert answer.headers["content-type"] == PROBLEM_JSON
    assert set(answer.headers["allow"].split(", ")) == {"GET", "POST"}
    single = client.put("/things/00000000-0000-0000-0000-000000000001")
    assert single.status_code == 405
    assert single.headers["allow"] == "GET"


def test_a_405_on_a_routers_path_lists_every_method_of_the_path() -> None:
    """Services declare their endpoints on ``APIRouter``s, which FastAPI keeps as one entry
    of the app's routes: their methods count all the same."""
    app = FastAPI()
    install_http_plumbing(app)
    router = APIRouter(prefix="/v1/things")

    @router.get("")
    def list_things() -> int:
        return 1

    @router.post("")
    def add_thing() -> int:
        return 1

    @router.get("/{thing_id}")
    def get_thing(thing_id: UUID) -> str:
        return str(thing_id)

    app.include_router(router)
    client = TestClient(app)
    answer = client.delete("/v1/things")
    assert answer.status_code == 405
    assert set(answer.headers["allow"].split(", ")) == {"GET", "POST"}
    single = client.put("/v1/things/00000000-0000-0000-0000-000000000001")
    assert single.status_code == 405
    assert single.headers["allow"] == "GET"
