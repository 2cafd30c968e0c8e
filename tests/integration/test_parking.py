"""A stored event a line cannot handle is parked, the rest still flows, and a retry after a
fix handles it exactly once (real PostgreSQL and Kafka, the lines as real processes)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import subprocess
import sys
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.persistence import Tracking
from pydantic import SecretStr

from hourbank_common.parked import PostgresParkingLot, retry_parked
from hourbank_common.projection import ParkedProjectionRetrier
from hourbank_common.relay import outbox_relay
from hourbank_common.settings import PostgresSettings
from hourbank_contracts import Envelope, event_id_for
from hourbank_identity.application.organisation_search import (
    OrganisationSearchProjection,
    OrganisationSearchView,
)
from hourbank_identity.bootstrap import bootstrap as identity_bootstrap
from hourbank_identity.domain.organisation import Organisation
from hourbank_learning.adapters.contracts import SOURCE, to_public_event
from hourbank_learning.adapters.kafka import build_publisher
from hourbank_learning.bootstrap import RELAY_LINE
from hourbank_learning.bootstrap import bootstrap as learning_bootstrap
from hourbank_learning.config import RelaySettings
from hourbank_learning.domain.completion import CourseCompletion
from tests.support.kafka_io import create_topics, read_all
from tests.support.processes import ROOT, ServiceProcess
from tests.support.waiting import wait_until

FULL_WIDTH_ZAOZHUANG = "37０４００"  # full-width digits: the contract's ^[1-9][0-9]{5}$ refuses


def _completion(region_code: str, course_id: str) -> CourseCompletion:
    return CourseCompletion(
        person_id=uuid4(),
        course_id=course_id,
        study_year=2024,
        subject="public",
        hours=Decimal("2.5"),
        region_code=region_code,
        completed_at=datetime(2024, 9, 10, 2, tzinfo=UTC),
        correlation_id=None,
    )


def _parked_command(
    module: str, env: dict[str, str], *args: str
) -> tuple[int, list[dict[str, Any]]]:
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        env={**os.environ, **env, "LOG_LEVEL": "WARNING", "LOG_JSON": "true"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    answers = []
    for line in done.stdout.splitlines():
        parsed = json.loads(line)
        if "event" not in parsed:  # log lines have an event; answers do not
            answers.append(parsed)
    return done.returncode, answers


def _ce_ids(kafka_bootstrap: str, topic: str, expected: int) -> list[str]:
    records = asyncio.run(read_all(kafka_bootstrap, topic, expected, 20))
    return [
        value.decode() for record in records for name, value in record.headers if name == "ce_id"
    ]


def _to_public_event_fixed(domain_event: object) -> Envelope | None:
    """The fix: region codes typed with full-width digits are read as ASCII digits."""
    if isinstance(domain_event, CourseCompletion.Recorded):
        domain_event = dataclasses.replace(
            domain_event, region_code=unicodedata.normalize("NFKC", domain_event.region_code)
        )
    return to_public_event(domain_event)


def test_a_completion_the_contract_refuses_is_parked_and_published_after_a_fix(
    ledger_env: dict[str, str], kafka_bootstrap: str, database_url: str, schema: str
) -> None:
    topic = ledger_env["LEARNING_TOPIC"]
    asyncio.run(create_topics(kafka_bootstrap, [topic], partitions=1))
    settings = RelaySettings(
        database_url=SecretStr(database_url),
        database_schema=schema,
        kafka_bootstrap_servers=kafka_bootstrap,
        learning_topic=topic,
    )
    kit = learning_bootstrap(settings)
    learning = kit.application
    # Stored as a completion with full-width digits was before the API refused them.
    poison = _completion(FULL_WIDTH_ZAOZHUANG, "GX-POISON")
    before, after = _completion("370400", "GX-BEFORE"), _completion("370400", "GX-AFTER")
    learning.save(poison)
    learning.save(before)
    poison_ce_id = event_id_for(SOURCE, poison.id, 1)
    relay_process = ServiceProcess(
        "learning-relay", "hourbank_learning.entrypoints.relay", ledger_env
    ).start()
    try:
        wait_until(
            lambda: len(_ce_ids(kafka_bootstrap, topic, 1)) == 1,
            timeout=60,
            what="the completion stored after the poison on the topic",
        )
        learning.save(after)  # the line still moves
        wait_until(
            lambda: len(_ce_ids(kafka_bootstrap, topic, 2)) == 2,
            timeout=60,
            what="the next completion on the topic",
        )
        relay_process.assert_running()
    finally:
        relay_process.stop()
    assert poison_ce_id not in _ce_ids(kafka_bootstrap, topic, 2)
    parked_lines = [
        json.loads(line)
        for line in relay_process.full_log().splitlines()
        if '"line.parked"' in line
    ]
    assert len(parked_lines) == 1
    assert parked_lines[0]["level"] == "error"
    assert parked_lines[0]["originator_id"] == str(poison.id)
    assert FULL_WIDTH_ZAOZHUANG not in relay_process.full_log()  # no value in the reason

    module = "hourbank_learning.entrypoints.parked"
    status, listed = _parked_command(module, ledger_env, "list", "--line", "learning-relay")
    assert status == 1  # something is parked
    assert [item["originator_id"] for item in listed] == [str(poison.id)]
    assert "region_code" in listed[0]["reason"]
    # Retrying before the fix leaves it parked, with one more attempt.
    status, answers = _parked_command(module, ledger_env, "retry", "--line", "learning-relay")
    assert status == 1
    assert list(answers[0]["still_parked"]) == [str(listed[0]["id"])]
    _, listed_again = _parked_command(module, ledger_env, "list", "--line", "learning-relay")
    assert listed_again[0]["attempts"] == 2

    # After the fix: published once, and a second retry finds nothing left to do.
    publisher = build_publisher(kafka_bootstrap, topic)
    fixed = outbox_relay(
        kit.persistence,
        learning,
        publisher,
        _to_public_event_fixed,
        line=RELAY_LINE,
        batch_size=settings.relay_batch_size,
        broker=publisher.broker,
    )
    first = asyncio.run(retry_parked(fixed))
    assert (first.resolved, first.still_parked) == ([listed[0]["id"]], {})
    second = asyncio.run(retry_parked(fixed))
    assert (second.resolved, second.still_parked) == ([], {})
    ce_ids = _ce_ids(kafka_bootstrap, topic, 4)
    assert len(ce_ids) == 3
    assert ce_ids.count(poison_ce_id) == 1
    assert _parked_command(module, ledger_env, "list", "--line", "learning-relay") == (0, [])


def _organisation(name: str) -> Organisation:
    return Organisation(
        id=uuid4(),
        kind="hr_authority",
        name=name,
        region_code="370300",
        parent_id=None,
        credit_code=None,
        status="active",
    )


class NulFreeSearchProjection(OrganisationSearchProjection):
    """The fix: NUL characters are dropped from names before they are written."""

    def project_page(self, domain_events: Sequence[object], tracking: Tracking) -> None:
        super().project_page(
            [
                dataclasses.replace(e, name=e.name.replace("\x00", ""))
                if isinstance(e, Organisation.Registered)
                else e
                for e in domain_events
            ],
            tracking,
        )


def _found(view: OrganisationSearchView, organisation_id: UUID) -> bool:
    return view.get(organisation_id) is not None


def test_an_organisation_name_postgresql_refuses_is_parked_and_projected_after_a_fix(
    ledger_env: dict[str, str], database_url: str, schema: str
) -> None:
    settings = PostgresSettings(database_url=SecretStr(database_url), database_schema=schema)
    kit = identity_bootstrap(settings)
    identity = kit.event_log
    # PostgreSQL text cannot hold NUL: stored as a request with one was before it was refused.
    poison = _organisation("淄博市\x00人力资源和社会保障局")
    before, after = _organisation("淄博市卫生健康委员会"), _organisation("枣庄市卫生健康委员会")
    identity.save(poison)
    identity.save(before)
    view = kit.search_view()
    projector = ServiceProcess(
        "identity-projector", "hourbank_identity.entrypoints.projector", ledger_env
    ).start()
    try:
        wait_until(lambda: _found(view, before.id), timeout=60, what="the next organisation")
        identity.save(after)
        wait_until(lambda: _found(view, after.id), timeout=60, what="a later organisation")
        projector.assert_running()
    finally:
        projector.stop()
    assert not _found(view, poison.id)
    assert any(
        json.loads(line)["level"] == "error"
        for line in projector.full_log().splitlines()
        if '"line.parked"' in line
    )
    module = "hourbank_identity.entrypoints.parked"
    line = OrganisationSearchProjection.name
    status, listed = _parked_command(module, ledger_env, "list", "--line", line)
    assert status == 1
    assert [item["originator_id"] for item in listed] == [str(poison.id)]
    assert "NUL" in listed[0]["reason"]

    lot = PostgresParkingLot(view, line)
    fixed = ParkedProjectionRetrier(identity, NulFreeSearchProjection(view=view), lot)
    first = asyncio.run(retry_parked(fixed))
    assert (first.resolved, first.still_parked) == ([listed[0]["id"]], {})
    entry = view.get(poison.id)
    assert entry is not None
    assert entry.name == "淄博市人力资源和社会保障局"
    second = asyncio.run(retry_parked(fixed))
    assert (second.resolved, second.still_parked) == ([], {})
    # Written once, under the parked item's own position, which a repeat would refuse.
    assert lot.records(include_resolved=True)[0].resolved_at is not None
    assert view.search("人力资源和社会保障局").total == 1
