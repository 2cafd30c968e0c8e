"""The health server of processes without an HTTP API: liveness from a heartbeat (and from
retries during an outage), readiness from the dependencies, Prometheus metrics."""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Iterator

import httpx
import psycopg
import pytest
from prometheus_client import CollectorRegistry, Counter

from hourbank_common.healing import Outages, is_transient
from hourbank_common.health import HealthServer, Heartbeat, ProcessHealth, broker_answers


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def outages(clock: FakeClock) -> Outages:
    return Outages(clock)


def _refused() -> None:
    raise psycopg.OperationalError("connection refused")


@pytest.fixture
def registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    Counter("hourbank_relay_published", "Published.", ["relay"], registry=registry).labels(
        "learning-relay"
    ).inc(3)
    return registry


@contextlib.contextmanager
def _serve(health: ProcessHealth, registry: CollectorRegistry) -> Iterator[httpx.Client]:
    server = HealthServer(health, port=0, registry=registry).start()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=5) as client:
            yield client
    finally:
        server.stop()


def test_liveness_goes_stale_when_the_loop_stops_beating(
    clock: FakeClock, outages: Outages, registry: CollectorRegistry
) -> None:
    heartbeat = Heartbeat(timeout=10, clock=clock)
    health = ProcessHealth(heartbeat, outages=outages)
    with _serve(health, registry) as client:
        assert client.get("/healthz").status_code == 200
        clock.now += 9
        assert client.get("/healthz").status_code == 200
        heartbeat.beat()
        clock.now += 10
        assert client.get("/healthz").status_code == 200
        clock.now += 0.5  # the loop stopped: no beat for longer than the bound
        stale = client.get("/healthz")
        assert stale.status_code == 503
        assert stale.json()["status"] == "stale"
        assert stale.json()["seconds_since_heartbeat"] == 10.5
        heartbeat.beat()  # it moves again
        assert client.get("/healthz").status_code == 200


def test_waiting_out_an_outage_is_alive_but_not_ready(
    clock: FakeClock, outages: Outages, registry: CollectorRegistry
) -> None:
    heartbeat = Heartbeat(timeout=10, clock=clock)
    health = ProcessHealth(heartbeat, {"postgresql": lambda: None}, outages=outages)
    health.started()
    with _serve(health, registry) as client:
        assert client.get("/readyz").status_code == 200
        clock.now += 30  # the loop sits in until_healed: no heartbeat, but retries
        with (
            pytest.raises(psycopg.OperationalError),
            outages.attempt("relay batch"),
        ):
            _refused()
        assert client.get("/healthz").status_code == 200
        answer = client.get("/readyz")
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "5"
        assert answer.json()["failing"] == {"relay batch": "waiting out an outage"}
        clock.now += 11  # no retry either for longer than the bound: hung
        assert client.get("/healthz").status_code == 503
        with outages.attempt("relay batch"):
            pass  # healed
        heartbeat.beat()
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200


def test_an_item_error_is_no_outage(outages: Outages) -> None:
    with pytest.raises(ValueError, match="bad item"), outages.attempt("relay batch"):
        raise ValueError("bad item")
    assert not is_transient(ValueError())
    assert outages.current() == []


def test_not_ready_while_the_database_check_fails_nor_before_the_loop_started(
    clock: FakeClock, outages: Outages, registry: CollectorRegistry
) -> None:
    answers = {"postgresql": True}

    def database() -> None:
        if not answers["postgresql"]:
            _refused()

    health = ProcessHealth(Heartbeat(10, clock), {"postgresql": database}, outages=outages)
    with _serve(health, registry) as client:
        starting = client.get("/readyz")
        assert starting.status_code == 503
        assert starting.json()["failing"] == {"process": "starting"}
        health.started()
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready", "checks": ["postgresql"], "failing": {}}
        answers["postgresql"] = False
        down = client.get("/readyz")
        assert down.status_code == 503
        assert down.json()["failing"] == {"postgresql": "OperationalError"}
        assert client.get("/healthz").status_code == 200  # alive: do not restart it for this
        answers["postgresql"] = True
        assert client.get("/readyz").status_code == 200


def test_metrics_in_prometheus_text_format(
    clock: FakeClock, outages: Outages, registry: CollectorRegistry
) -> None:
    with _serve(ProcessHealth(Heartbeat(10, clock), outages=outages), registry) as client:
        answer = client.get("/metrics")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/plain")
        assert 'hourbank_relay_published_total{relay="learning-relay"} 3.0' in answer.text
        assert client.get("/nothing").status_code == 404
        assert client.post("/readyz").status_code == 405
        assert json.loads(client.get("/healthz").text)["status"] == "ok"


def test_the_broker_check_needs_a_listening_broker() -> None:
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        broker_answers(f"127.0.0.1:9,127.0.0.1:{port}")()  # one answering server is enough
    with pytest.raises(ConnectionError, match=r"127\.0\.0\.1:9"):
        broker_answers("127.0.0.1:9")()


def test_a_heartbeat_needs_a_positive_bound() -> None:
    with pytest.raises(ValueError, match="positive"):
        Heartbeat(0)


def test_a_loop_that_never_returns_ends_its_outage_itself(outages: Outages) -> None:
    """A projector's follow() runs inside until_healed for good: once it works again it
    ends the outage it was retried for, or the process would never be ready again."""
    with pytest.raises(psycopg.OperationalError), outages.attempt("projector"):
        _refused()
    assert outages.current() == ["projector"]
    outages.end("projector")
    assert outages.current() == []
    assert outages.seconds_since_last_attempt() is None
