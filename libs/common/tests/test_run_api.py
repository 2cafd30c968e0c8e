"""An API process started while PostgreSQL is down or still starting waits for it instead of
exiting (found by a fault schedule: learning-api and identity-api exited when restarted
while PostgreSQL was starting up)."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
import stamina
from fastapi import FastAPI

from hourbank_common import http
from hourbank_common.settings import ApiSettings


class _Settings(ApiSettings):
    http_port: int = 8123


def test_the_app_is_built_again_until_the_database_answers_then_served(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    attempts: list[int] = []
    served: list[tuple[FastAPI, dict[str, Any]]] = []

    def build_app(settings: _Settings) -> FastAPI:
        attempts.append(settings.http_port)
        if len(attempts) < 3:
            raise psycopg.OperationalError("the database system is starting up")
        app = FastAPI()
        http.install_http_plumbing(app)
        return app

    def serve(app: FastAPI, **where: Any) -> None:
        served.append((app, where))

    monkeypatch.setattr(http, "serve", serve)
    # stamina's testing mode: the same retries without the waits between them.
    with stamina.set_testing(True, attempts=5):
        http.run_api("test-api", _Settings, build_app)

    assert attempts == [8123, 8123, 8123]
    assert len(served) == 1
    app, where = served[0]
    assert where == {"host": "127.0.0.1", "port": 8123}
    assert "postgresql" in app.state.readiness_checks


def test_an_error_that_is_not_an_outage_stops_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")

    def build_app(settings: _Settings) -> FastAPI:
        raise ValueError("AUTH_JWT_PRIVATE_KEY must be an Ed25519 private key in PEM")

    monkeypatch.setattr(http, "serve", lambda app, **where: None)
    with pytest.raises(ValueError, match="Ed25519"):
        http.run_api("test-api", _Settings, build_app)
