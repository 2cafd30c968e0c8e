"""Rebuilding the PostgreSQL read model from the ledger's event store gives identical rows."""

from __future__ import annotations

import psycopg
from psycopg import sql
from pydantic import SecretStr

from hourbank_common.settings import PostgresSettings
from hourbank_contracts import (
    ClaimApprovedV1,
    ClaimCategory,
    CourseCompletedV1,
    Subject,
    envelope_for,
)
from hourbank_ledger.application.ledger import KafkaPosition
from hourbank_ledger.application.rebuild import rebuild_read_model
from hourbank_ledger.bootstrap import build_ledger, build_view
from services.ledger.tests.batches import apply_one
from tests.support.processes import ServiceProcess
from tests.support.waiting import wait_until


def snapshot(database_url: str, schema: str) -> list[tuple[object, ...]]:
    try:
        with psycopg.connect(database_url) as conn:
            return conn.execute(
                sql.SQL("SELECT * FROM {}.ledger_facts ORDER BY entry_id").format(
                    sql.Identifier(schema)
                )
            ).fetchall()
    except psycopg.errors.UndefinedTable:
        return []  # the projector has not created its tables yet


def test_rebuild_compares_equal_to_the_live_projection(database_url: str, schema: str) -> None:
    from datetime import UTC, datetime
    from decimal import Decimal
    from uuid import uuid4

    settings = PostgresSettings(database_url=SecretStr(database_url), database_schema=schema)
    ledger = build_ledger(settings)
    persons = [uuid4() for _ in range(20)]
    offset = 0
    for number, person in enumerate(persons):
        when = datetime(2024, 1 + number % 12, 1, tzinfo=UTC)
        for envelope in (
            envelope_for(
                CourseCompletedV1(
                    person_id=person,
                    region_code="370400",
                    study_year=2024,
                    subject=Subject.PUBLIC,
                    hours=Decimal("30"),
                    source_ref=f"c:{number}",
                    occurred_at=when,
                    course_id=f"C{number}",
                ),
                source="/hourbank/learning",
                event_id=f"course-{number}",
            ),
            envelope_for(
                ClaimApprovedV1(
                    person_id=person,
                    region_code="370400",
                    study_year=2024,
                    subject=Subject.PROFESSIONAL,
                    hours=Decimal("20"),
                    source_ref=f"k:{number}",
                    occurred_at=when,
                    claim_id=f"K{number}",
                    category=ClaimCategory.PATENT,
                    items=2,
                ),
                source="/hourbank/recognition",
                event_id=f"claim-{number}",
            ),
        ):
            apply_one(ledger, envelope, KafkaPosition("it.rebuild", 0, offset))
            offset += 1

    env = {"DATABASE_URL": database_url, "DATABASE_SCHEMA": schema}
    # The live projection, as the projector process builds it.
    projector = ServiceProcess("projector", "hourbank_ledger.entrypoints.projector", env).start()
    try:
        wait_until(
            lambda: len(snapshot(database_url, schema)) == 40, timeout=60, what="40 projected"
        )
        projector.assert_running()
    finally:
        projector.stop()
    live = snapshot(database_url, schema)
    # The rebuild command, as an operator runs it.
    rebuild = ServiceProcess("rebuild", "hourbank_ledger.entrypoints.rebuild", env).start()
    assert rebuild.process is not None
    assert rebuild.process.wait(timeout=60) == 0, rebuild.log()
    assert snapshot(database_url, schema) == live
    # And the in-process function agrees, replaying every fact.
    assert rebuild_read_model(ledger, build_view(settings)) == 40
    assert snapshot(database_url, schema) == live
