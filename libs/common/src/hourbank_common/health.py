"""Liveness, readiness and metrics of a process without an HTTP API of its own (a relay, a
consumer, a projector), served the way the HTTP services serve theirs.

``HealthServer`` answers, on the process's health port (``ProcessSettings.health_port``), in a
daemon thread beside the process's own loop:

- ``GET /healthz``, liveness: 200 while the loop is alive. The loop beats a ``Heartbeat`` on
  every turn; a heartbeat older than the bound means the loop hangs, and the orchestrator
  should restart the process. Waiting out an outage is alive: every retry attempt
  (``hourbank_common.healing.OUTAGES``) counts as a beat.
- ``GET /readyz``, readiness: 200 once the process has started its loop, while it is not
  waiting out an outage and every dependency answers (PostgreSQL a fresh connection, the
  Kafka brokers a TCP connection). 503 otherwise, with the reasons.
- ``GET /metrics``: prometheus-client's exposition of the process's default registry.

The answers are JSON, as the HTTP services' ``/healthz`` and ``/readyz``; a failing one has
``Retry-After`` as theirs do.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import REGISTRY, make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer
from prometheus_client.registry import CollectorRegistry

from hourbank_common.healing import OUTAGES, Outages
from hourbank_common.logging import get_logger

ReadinessCheck = Callable[[], object]
"""Raises when a dependency does not answer."""
StartResponse = Callable[[str, list[tuple[str, str]]], Any]

RETRY_AFTER_SECONDS = 5
BROKER_CONNECT_TIMEOUT_SECONDS = 2
_log = get_logger("hourbank.health")


class Heartbeat:
    """When the process's loop last showed it is alive (a monotonic clock)."""

    def __init__(self, timeout: float, clock: Callable[[], float] = time.monotonic) -> None:
        if timeout <= 0:
            msg = "timeout must be positive"
            raise ValueError(msg)
        self.timeout = timeout
        self._clock = clock
        # Starting counts as a beat: a process gets one bound to reach its loop.
        self._last = clock()

    def beat(self) -> None:
        self._last = self._clock()

    def age(self) -> float:
        return self._clock() - self._last


def broker_answers(bootstrap_servers: str) -> ReadinessCheck:
    """A readiness check: one of the bootstrap brokers accepts a TCP connection within a
    short timeout. Opened from the health server's thread, so the process's own Kafka
    client (whose event loop is elsewhere) is never touched."""
    addresses = [server.strip() for server in bootstrap_servers.split(",") if server.strip()]

    def check() -> None:
        errors: list[str] = []
        for address in addresses:
            host, _, port = address.rpartition(":")
            try:
                with socket.create_connection(
                    (host.strip("[]"), int(port)), timeout=BROKER_CONNECT_TIMEOUT_SECONDS
                ):
                    return
            except OSError as error:
                errors.append(f"{address}: {error}")
        raise ConnectionError("; ".join(errors) or "no bootstrap servers")

    return check


class ProcessHealth:
    """The state /healthz and /readyz report."""

    def __init__(
        self,
        heartbeat: Heartbeat,
        checks: Mapping[str, ReadinessCheck] | None = None,
        *,
        outages: Outages = OUTAGES,
    ) -> None:
        self.heartbeat = heartbeat
        self.checks = dict(checks or {})
        self.outages = outages
        self._started = threading.Event()

    def started(self) -> None:
        """The loop runs: from now on readiness depends on the dependencies only."""
        self._started.set()

    def liveness(self) -> tuple[bool, dict[str, object]]:
        age = self.heartbeat.age()
        retrying = self.outages.seconds_since_last_attempt()
        alive = age <= self.heartbeat.timeout or (
            retrying is not None and retrying <= self.heartbeat.timeout
        )
        detail: dict[str, object] = {"seconds_since_heartbeat": round(age, 3)}
        if retrying is not None:
            detail["seconds_since_retry"] = round(retrying, 3)
        return alive, detail

    def readiness(self) -> tuple[bool, dict[str, object]]:
        failing: dict[str, str] = {}
        if not self._started.is_set():
            failing["process"] = "starting"
        for what in self.outages.current():
            failing[what] = "waiting out an outage"
        for name, check in self.checks.items():
            try:
                check()
            except Exception as error:  # noqa: BLE001 - any failure means not ready
                failing[name] = type(error).__name__
        return not failing, {"checks": sorted(self.checks), "failing": failing}


class _QuietHandler(WSGIRequestHandler):
    """Probes and scrapes every few seconds would drown the process's own log lines."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


class HealthServer:
    """/healthz, /readyz and /metrics on ``host:port`` (0: any free port) in a daemon
    thread; ``port`` is the port it listens on."""

    def __init__(
        self,
        health: ProcessHealth,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        registry: CollectorRegistry = REGISTRY,
    ) -> None:
        self.health = health
        self._metrics = make_wsgi_app(registry)
        self._server = make_server(
            host, port, self._app, server_class=ThreadingWSGIServer, handler_class=_QuietHandler
        )
        self.host = host
        self.port: int = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="health-server", daemon=True
        )

    def start(self) -> HealthServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _app(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            answer: Iterable[bytes] = self._metrics(environ, start_response)
            return answer
        if environ.get("REQUEST_METHOD") not in {"GET", "HEAD"} and path in {
            "/healthz",
            "/readyz",
        }:
            return _json(start_response, "405 Method Not Allowed", {}, [("Allow", "GET, HEAD")])
        if path == "/healthz":
            alive, detail = self.health.liveness()
            if alive:
                return _json(start_response, "200 OK", {"status": "ok", **detail})
            return _json(start_response, "503 Service Unavailable", {"status": "stale", **detail})
        if path == "/readyz":
            ready, detail = self.health.readiness()
            if ready:
                return _json(start_response, "200 OK", {"status": "ready", **detail})
            retry = [("Retry-After", str(RETRY_AFTER_SECONDS))]
            body = {"status": "not ready", **detail}
            return _json(start_response, "503 Service Unavailable", body, retry)
        return _json(start_response, "404 Not Found", {"status": "not found"})


def _json(
    start_response: StartResponse,
    status: str,
    body: Mapping[str, object],
    headers: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    payload = json.dumps(body).encode()
    start_response(
        status,
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(payload))),
            ("Cache-Control", "no-store"),
            *(headers or []),
        ],
    )
    return [payload]


@contextlib.contextmanager
def serving_health(health: ProcessHealth, *, host: str, port: int) -> Iterator[HealthServer]:
    """The health server for the duration of a process's run; its address is logged."""
    server = HealthServer(health, host=host, port=port).start()
    _log.info("health.serving", host=host, port=server.port)
    try:
        yield server
    finally:
        server.stop()
