from __future__ import annotations

import gc
import json

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

import hourbank_common.http
from hourbank_common.http import ProblemError, install_http_plumbing, serve
from hourbank_common.logging import configure_logging


def test_one_json_line_per_request_with_context(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("test-service", json=True)
    app = FastAPI()
    install_http_plumbing(app)

    @app.get("/things/{thing_id}")
    def thing(thing_id: str, request: Request) -> dict[str, str]:
        request.state.log_context = {"person_id": "opaque-1"}
        if thing_id == "missing":
            raise ProblemError(404, "Not found", "no such thing")
        return {"id": thing_id}

    client = TestClient(app)
    assert client.get("/things/a", headers={"X-Correlation-ID": "c-1"}).status_code == 200
    missing = client.get("/things/missing")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["detail"] == "no such thing"
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    requests = [line for line in lines if line["event"] == "http.request"]
    assert len(requests) == 2
    first = requests[0]
    assert first["service"] == "test-service"
    assert first["correlation_id"] == "c-1"
    assert first["person_id"] == "opaque-1"
    assert first["route"] == "/things/{thing_id}"  # the template, not the concrete path
    assert requests[1]["status"] == 404


def test_serve_hides_what_was_built_before_it_from_the_collector(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, object] = {}

    def run(app: FastAPI, **options: object) -> None:
        seen.update(options, frozen=gc.get_freeze_count())

    monkeypatch.setattr(hourbank_common.http.uvicorn, "run", run)
    try:
        serve(FastAPI(), host="127.0.0.1", port=8999)
    finally:
        gc.unfreeze()
    assert isinstance(seen["frozen"], int)
    assert seen["frozen"] > 0
    assert (seen["host"], seen["port"], seen["log_config"]) == ("127.0.0.1", 8999, None)
