"""/healthz, /readyz and the answer to a request that meets a database outage."""

from __future__ import annotations

import psycopg
import pytest
from eventsourcing.persistence import OperationalError
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hourbank_common.http import add_readiness_check, install_http_plumbing
from hourbank_common.postgres import database_answers


def _app() -> FastAPI:
    app = FastAPI()
    install_http_plumbing(app)

    @app.get("/things")
    def things() -> dict[str, str]:
        raise OperationalError("server closed the connection unexpectedly")

    return app


def test_ready_when_every_check_passes() -> None:
    app = _app()
    add_readiness_check(app, "postgresql", lambda: None)
    client = TestClient(app)
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": ["postgresql"]}


def test_not_ready_while_a_dependency_does_not_answer_but_still_alive() -> None:
    app = _app()

    def refused() -> None:
        raise psycopg.OperationalError("connection refused")

    add_readiness_check(app, "postgresql", refused)
    client = TestClient(app)
    assert client.get("/healthz").status_code == 200  # liveness: do not restart it for this
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "5"
    assert answer.json()["failing"] == {"postgresql": "OperationalError"}


def test_a_request_during_a_database_outage_answers_503_not_500() -> None:
    client = TestClient(_app(), raise_server_exceptions=False)
    answer = client.get("/things")
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "5"
    assert answer.headers["content-type"] == "application/problem+json"


def test_the_database_check_fails_fast_on_a_closed_port() -> None:
    check = database_answers("postgresql://nobody:x@127.0.0.1:9/none")
    with pytest.raises(psycopg.OperationalError):
        check()
