"""The outbox relay on real Kafka and PostgreSQL: killed mid-stream, no double count."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import psycopg
from psycopg import sql
from pydantic import SecretStr

from hourbank_common.settings import PostgresSettings
from hourbank_learning.application.service import RecordCompletion
from hourbank_learning.bootstrap import build_learning_application
from hourbank_learning.domain.completion import Subject
from tests.support.kafka_io import create_env_topics, read_all
from tests.support.ledger_db import LedgerTables
from tests.support.processes import ServiceProcess
from tests.support.waiting import wait_until


def relay_position(database_url: str, schema: str) -> int:
    try:
        with psycopg.connect(database_url) as conn:
            row = conn.execute(
                sql.SQL("SELECT max(notification_id) FROM {}.learning_relay_tracking").format(
                    sql.Identifier(schema)
                )
            ).fetchone()
    except psycopg.errors.UndefinedTable:
        return 0
    return int(row[0]) if row and row[0] else 0


def test_relay_killed_and_restarted_mid_stream_causes_no_double_count(
    ledger_env: dict[str, str],
    tables: LedgerTables,
    kafka_bootstrap: str,
    database_url: str,
    schema: str,
) -> None:
    topic = ledger_env["LEARNING_TOPIC"]
    learning = build_learning_application(
        PostgresSettings(database_url=SecretStr(database_url), database_schema=schema)
    )
    persons = [uuid4() for _ in range(40)]
    for number in range(1000):
        learning.record_completion(
            RecordCompletion(
                person_id=persons[number % 40],
                course_id=f"ZY-{number}",
                study_year=2024,
                subject=Subject.PROFESSIONAL,
                hours=Decimal("1.0"),
                region_code="370400",
                completed_at=datetime(2024, 7, 1, tzinfo=UTC),
            )
        )
    learning.close()
    asyncio.run(create_env_topics(kafka_bootstrap, ledger_env))
    relay_env = {**ledger_env, "RELAY_BATCH_SIZE": "10"}

    consumer = ServiceProcess("consumer", "hourbank_ledger.entrypoints.consumer", ledger_env)
    relay = ServiceProcess("relay", "hourbank_learning.entrypoints.relay", relay_env)
    consumer.start()
    relay.start()
    try:
        wait_until(
            lambda: relay_position(database_url, schema) >= 50, timeout=60, what="relay at 50"
        )
        relay.kill()
        at_kill = relay_position(database_url, schema)
        assert at_kill < 1000, "the relay finished before it could be killed mid-stream"
        restarted = ServiceProcess(
            "relay-restarted", "hourbank_learning.entrypoints.relay", relay_env
        )
        restarted.start()
        try:
            wait_until(
                lambda: relay_position(database_url, schema) == 1000, timeout=120, what="relay done"
            )
            published = asyncio.run(read_all(kafka_bootstrap, topic, expected=1000, timeout=30))
            wait_until(
                lambda: tables.consumed(topic) == len(published), timeout=120, what="all consumed"
            )
            restarted.assert_running()
        finally:
            restarted.stop()
        consumer.assert_running()
    finally:
        relay.stop()
        consumer.stop()
    # Kafka may hold re-published duplicates (same ce_id); the ledger counts each once.
    assert len({dict(r.headers)["ce_id"] for r in published}) == 1000
    assert tables.recorded_facts() == 1000
    assert tables.distinct_recorded_entries() == 1000
