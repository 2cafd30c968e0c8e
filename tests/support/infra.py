"""Finding or starting real Kafka and PostgreSQL for tests (never mocks)."""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "scripts" / "infra"


class InfraUnavailableError(Exception):
    pass


def _docker_engine_answers() -> bool:
    try:
        import docker  # type: ignore[import-untyped]

        docker.from_env(timeout=3).ping()
    except Exception:
        return False
    return True


def _launcher_env(component: str) -> dict[str, str]:
    started = subprocess.run(
        [str(INFRA), "start", component],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if started.returncode != 0:
        tail = (started.stdout + started.stderr).strip().splitlines()[-5:]
        raise InfraUnavailableError(f"scripts/infra start {component} failed: {' | '.join(tail)}")
    printed = subprocess.run(
        [str(INFRA), "env"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    exports: dict[str, str] = {}
    for line in printed.splitlines():
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            exports[name] = shlex.split(value)[0] if value else ""
    return exports


@contextlib.contextmanager
def provide_kafka() -> Iterator[str]:
    if servers := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield servers
        return
    if _docker_engine_answers():
        from testcontainers.kafka import KafkaContainer

        with (
            KafkaContainer()
            .with_kraft()
            .with_env("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false") as kafka
        ):
            # What scripts/infra does after every start: the defined topics, explicitly.
            import asyncio

            from hourbank_common.kafka_topics import ensure_topics
            from hourbank_contracts import TOPICS

            servers = kafka.get_bootstrap_server()
            asyncio.run(ensure_topics(servers, TOPICS))
            yield servers
        return
    servers = _launcher_env("kafka").get("KAFKA_BOOTSTRAP_SERVERS")
    if not servers:
        raise InfraUnavailableError("scripts/infra env printed no KAFKA_BOOTSTRAP_SERVERS")
    yield servers


@contextlib.contextmanager
def provide_database_url() -> Iterator[str]:
    if url := os.environ.get("DATABASE_URL"):
        yield url
        return
    if _docker_engine_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver=None) as postgres:
            yield postgres.get_connection_url()
        return
    url = _launcher_env("postgres").get("DATABASE_URL")
    if not url:
        raise InfraUnavailableError("scripts/infra env printed no DATABASE_URL")
    yield url
