"""The five processes without an HTTP API (identity relay and projector, learning relay, ledger
consumer and projector) as real processes on real Kafka and PostgreSQL: each answers
/healthz, /readyz and /metrics on its health port; positions and lags move with the work;
during a PostgreSQL outage each is alive but not ready, and ready again after it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from hourbank_common.settings import PostgresSettings
from hourbank_identity.bootstrap import Identity
from hourbank_identity.bootstrap import bootstrap as identity_bootstrap
from hourbank_identity.domain.organisation import Organisation
from hourbank_learning.application.service import RecordCompletion
from hourbank_learning.bootstrap import Learning
from hourbank_learning.bootstrap import bootstrap as learning_bootstrap
from hourbank_learning.domain.completion import Subject
from tests.support import system
from tests.support.infra_faults import InfraFaults
from tests.support.kafka_io import create_env_topics
from tests.support.waiting import wait_until

KINDS = (
    "identity-relay",
    "identity-projector",
    "learning-relay",
    "ledger-consumer",
    "ledger-projector",
)
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _get(url: str) -> httpx.Response | None:
    try:
        return httpx.get(url, timeout=5)
    except httpx.TransportError:
        return None


def _status(url: str) -> int | None:
    answer = _get(url)
    return None if answer is None else answer.status_code


def samples(base_url: str) -> Samples:
    answer = httpx.get(f"{base_url}/metrics", timeout=5)
    assert answer.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float | None:
    return found.get((name, tuple(sorted(labels.items()))))


def _all(statuses: dict[str, int | None], wanted: int) -> bool:
    return all(status == wanted for status in statuses.values())


@pytest.fixture
def running(
    ledger_env: dict[str, str], kafka_bootstrap: str, database_url: str, schema: str, run_id: str
) -> Iterator[tuple[system.System, Learning, Identity]]:
    env = system.identity_env(ledger_env, run_id)
    asyncio.run(create_env_topics(kafka_bootstrap, env))
    settings = PostgresSettings(database_url=SecretStr(database_url), database_schema=schema)
    learning, identity = learning_bootstrap(settings), identity_bootstrap(settings)
    processes = system.System(env, kinds=KINDS)
    try:
        processes.start(healthy_within=90)
        yield processes, learning, identity
    finally:
        processes.stop()
        learning.application.close()
        identity.event_log.close()


def _ready(processes: system.System) -> dict[str, int | None]:
    return {kind: _status(f"{url}/readyz") for kind, url in processes.health_urls.items()}


def _alive(processes: system.System) -> dict[str, int | None]:
    return {kind: _status(f"{url}/healthz") for kind, url in processes.health_urls.items()}


def _work(learning: Learning, identity: Identity, completions: int) -> None:
    for number in range(completions):
        learning.application.record_completion(
            RecordCompletion(
                person_id=uuid4(),
                course_id=f"HEALTH-{number}",
                study_year=2024,
                subject=Subject.PUBLIC,
                hours=Decimal("1.5"),
                region_code="370400",
                completed_at=datetime(2024, 6, 1, tzinfo=UTC),
            )
        )
    identity.event_log.save(
        Organisation(
            id=uuid4(),
            kind="hr_authority",
            name=f"枣庄市人力资源和社会保障局 {uuid4().hex[:6]}",
            region_code="370400",
            parent_id=None,
            credit_code=None,
            status="active",
        )
    )


def test_every_process_answers_health_readiness_and_metrics_that_follow_the_work(
    running: tuple[system.System, Learning, Identity],
) -> None:
    processes, learning, identity = running
    urls = processes.health_urls
    assert set(urls) == set(KINDS)
    wait_until(lambda: _all(_ready(processes), 200), timeout=60, what="every process ready")
    assert _all(_alive(processes), 200)
    ready = httpx.get(f"{urls['learning-relay']}/readyz", timeout=5).json()
    assert ready["checks"] == ["kafka", "postgresql"]
    assert httpx.get(f"{urls['ledger-projector']}/readyz", timeout=5).json()["checks"] == [
        "postgresql"
    ]

    def learning_relay_at(position: int) -> bool:
        found = samples(urls["learning-relay"])
        return value(found, "hourbank_relay_position", relay="learning-relay") == position

    wait_until(lambda: learning_relay_at(0), timeout=30, what="the learning relay at 0")
    consumed_before = samples(urls["ledger-consumer"])
    assert value(consumed_before, "hourbank_consumer_records_total", outcome="applied") is None

    _work(learning, identity, completions=3)
    learning_head = learning.application.recorder.max_notification_id()
    identity_head = identity.event_log.recorder.max_notification_id()
    assert learning_head
    assert identity_head

    def caught_up() -> list[str]:
        """What has not yet caught up (empty when everything has)."""
        behind = []
        relay = samples(urls["learning-relay"])
        if value(relay, "hourbank_relay_position", relay="learning-relay") != learning_head:
            behind.append("learning-relay")
        elif value(relay, "hourbank_relay_lag", relay="learning-relay") != 0:
            behind.append("learning-relay lag")
        relay = samples(urls["identity-relay"])
        if value(relay, "hourbank_relay_position", relay="identity-relay") != identity_head:
            behind.append("identity-relay")
        search = samples(urls["identity-projector"])
        projection = "identity_organisation_search"
        if value(search, "hourbank_projector_position", projection=projection) != identity_head:
            behind.append("identity-projector")
        elif value(search, "hourbank_projector_lag", projection=projection) != 0:
            behind.append("identity-projector lag")
        consumer = samples(urls["ledger-consumer"])
        if value(consumer, "hourbank_consumer_records_total", outcome="applied") != 3:
            behind.append("ledger-consumer")
        lags = {
            labels: count
            for (name, labels), count in consumer.items()
            if name == "hourbank_consumer_lag"
        }
        if not lags or any(lags.values()):
            behind.append(f"ledger-consumer lag {lags}")
        read_model = samples(urls["ledger-projector"])
        read_model_name = "ledger_read_model"
        projected = value(read_model, "hourbank_projector_events_total", projection=read_model_name)
        if not projected or projected < 3:
            behind.append("ledger-projector")
        elif value(read_model, "hourbank_projector_lag", projection=read_model_name) != 0:
            behind.append("ledger-projector lag")
        return behind

    wait_until(lambda: not caught_up(), timeout=90, what="every line caught up")
    consumer = samples(urls["ledger-consumer"])
    batches = value(consumer, "hourbank_consumer_batches_total")
    assert batches is not None
    assert batches >= 1
    relay = samples(urls["learning-relay"])
    assert value(relay, "hourbank_relay_published_total", relay="learning-relay") == 3
    # Each process lists its own families only (the consumer's counters are not elsewhere).
    assert not any(name.startswith("hourbank_consumer_") for name, _ in relay)
    assert _all(_alive(processes), 200)


@pytest.mark.restarts_infra
def test_not_ready_while_postgresql_is_down_and_ready_again_after(
    running: tuple[system.System, Learning, Identity], infra_faults: InfraFaults
) -> None:
    processes, learning, identity = running
    wait_until(lambda: _all(_ready(processes), 200), timeout=60, what="every process ready")
    infra_faults.kill_postgres()
    try:
        wait_until(
            lambda: _all(_ready(processes), 503),
            timeout=60,
            what="every process not ready while PostgreSQL is down",
        )
        down = httpx.get(f"{processes.health_urls['ledger-projector']}/readyz", timeout=5)
        assert down.headers["retry-after"] == "5"
        assert "postgresql" in down.json()["failing"]
        # Waiting it out, not hung: nobody should restart them for it.
        assert _all(_alive(processes), 200)
    finally:
        infra_faults.start_postgres()
    wait_until(
        lambda: _all(_ready(processes), 200),
        timeout=90,
        what="every process ready again after PostgreSQL is back",
    )
    for kind in KINDS:
        processes[kind].assert_running()
    # And the lines move again: a completion recorded now is published.
    _work(learning, identity, completions=1)
    head = learning.application.recorder.max_notification_id()
    url = processes.health_urls["learning-relay"]
    wait_until(
        lambda: value(samples(url), "hourbank_relay_position", relay="learning-relay") == head,
        timeout=60,
        what="the learning relay publishing after the outage",
    )
