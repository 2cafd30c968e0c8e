"""The process runners: one relay process, one projector process, one consumer process, each
given what its service builds, so that a service's entrypoint is a few lines:

    def main() -> None:
        run_relay("learning-relay", RelaySettings, build_relay)

Each runner reads the settings from the environment, configures logging, serves
``/healthz``, ``/readyz`` and ``/metrics`` on the settings' health port
(``hourbank_common.health``), builds the service's part while waiting out PostgreSQL or the
broker being away at start-up, moves what start-up built out of the garbage collector's sight
(``runtime.settle_startup_objects``), reports ready, and runs the loop until SIGTERM or
SIGINT. Readiness checks the database and, for processes that use one, the Kafka brokers.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any, TypeVar

from faststream import FastStream

from hourbank_common.healing import OUTAGES, until_healed, until_healed_async
from hourbank_common.health import (
    Heartbeat,
    ProcessHealth,
    ReadinessCheck,
    broker_answers,
    serving_health,
)
from hourbank_common.logging import configure_logging, get_logger
from hourbank_common.postgres import database_answers
from hourbank_common.projection import PagedProjector, run_projector
from hourbank_common.relay import OutboxRelay
from hourbank_common.runtime import settle_startup_objects
from hourbank_common.settings import (
    KafkaSettings,
    OutboxRelaySettings,
    PostgresSettings,
    ProcessSettings,
    ProjectorSettings,
)

S = TypeVar("S", bound=ProcessSettings)
R = TypeVar("R", bound=OutboxRelaySettings)
P = TypeVar("P", bound=ProjectorSettings)
T = TypeVar("T")

# Bounds how long a stop request waits, and how long a missed notification could delay.
PROJECTOR_IDLE_WAIT_SECONDS = 0.25
_log = get_logger("hourbank.process")


def readiness_checks(settings: ProcessSettings) -> dict[str, ReadinessCheck]:
    """What a process with ``settings`` depends on: its database, and its brokers if any."""
    checks: dict[str, ReadinessCheck] = {}
    if isinstance(settings, PostgresSettings):
        checks["postgresql"] = database_answers(settings.database_url.get_secret_value())
    if isinstance(settings, KafkaSettings):
        checks["kafka"] = broker_answers(settings.kafka_bootstrap_servers)
    return checks


@contextlib.contextmanager
def process(name: str, settings: ProcessSettings) -> Iterator[ProcessHealth]:
    """Logging and the health server of the process ``name`` while it runs."""
    configure_logging(name, settings.log_level, json=settings.log_json)
    health = ProcessHealth(Heartbeat(settings.liveness_timeout_seconds), readiness_checks(settings))
    with serving_health(health, host=settings.health_host, port=settings.health_port):
        yield health


def build_healed(build: Callable[[], T], *, what: str) -> T:
    """``build()``, waited out while PostgreSQL or the broker is away; then start-up is over."""
    built = until_healed(build, what=what)
    settle_startup_objects()
    return built


def run_relay(name: str, settings_class: type[R], build: Callable[[R], OutboxRelay]) -> None:
    """The relay process ``name``: ``build(settings)`` relays until SIGTERM or SIGINT."""
    settings = settings_class()
    idle_poll_seconds = settings.relay_idle_poll_seconds
    with process(name, settings) as health:
        relay = build_healed(lambda: build(settings), what="relay start")

        async def relay_until_signalled() -> None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            async with relay.running():  # starts the broker, waiting it out if away
                health.started()
                await relay.run(stop, idle_poll_seconds, health.heartbeat)

        asyncio.run(relay_until_signalled())


def run_projector_process(
    name: str,
    settings_class: type[P],
    build: Callable[[P], PagedProjector[Any]],
    *,
    idle_wait: float = PROJECTOR_IDLE_WAIT_SECONDS,
) -> None:
    """The projector process ``name``: keeps ``build(settings)``'s projections up to date
    until SIGTERM or SIGINT (``hourbank_common.projection.run_projector``)."""
    settings = settings_class()
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    with process(name, settings) as health:
        projector = build_healed(lambda: build(settings), what="projector start")
        _log.info("projector.started", process=name, **projector.positions())
        health.started()
        run_projector(projector, stop, idle_wait=idle_wait, heartbeat=health.heartbeat)
        _log.info("projector.stopped", process=name, **projector.positions())
        projector.app.close()


def run_consumer(
    name: str,
    settings_class: type[S],
    build: Callable[[S], T],
    app: Callable[[S, T], FastStream],
) -> None:
    """The consumer process ``name``: ``build(settings)`` once (the service's application),
    then ``app(settings, built)``, a faststream app, run until SIGTERM or SIGINT under a
    ``ConsumerWatch`` (heartbeat and lag). When the broker or PostgreSQL goes away under it,
    a fresh app is built around the same application and run again, with backoff: a broker
    that failed to start is not reused."""
    # Imported here: only a consumer process's /metrics lists the consumer's counters.
    from hourbank_common.consumers import ConsumerWatch

    settings = settings_class()
    with process(name, settings) as health:
        built = build_healed(lambda: build(settings), what="consumer start")

        async def consume() -> None:
            faststream_app = app(settings, built)
            assert faststream_app.broker is not None
            watch = ConsumerWatch(
                faststream_app.broker,
                health.heartbeat,
                # consume() returns only when stopped: consuming again ends an outage.
                consuming=lambda: OUTAGES.end("consumer"),
            )
            async with watch.watching():
                health.started()
                await faststream_app.run()

        asyncio.run(until_healed_async(consume, what="consumer"))
