"""Identity's PersonRegisteredV1 reaches the ledger through Kafka and decides who may read.

An employer admin of the person's employer reads their hours over the real api process;
another employer, and the HR authority of another city, are refused with 403.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import httpx

from hourbank_common.auth import Role
from hourbank_contracts import (
    CourseCompletedV1,
    PersonRegisteredV1,
    Subject,
    envelope_for,
    to_kafka,
)
from tests.support.auth import authority, bearer, organisation_admin
from tests.support.kafka_io import create_env_topics, produce
from tests.support.processes import ServiceProcess, free_port
from tests.support.waiting import wait_until

DISTRICT = "370402"  # 枣庄市市中区


def test_a_registration_through_kafka_lets_the_employer_read_and_no_other(
    ledger_env: dict[str, str], kafka_bootstrap: str, run_id: str
) -> None:
    learning_topic = ledger_env["LEARNING_TOPIC"]
    identity_topic = f"it.{run_id}.identity"
    env = {**ledger_env, "LEDGER_TOPICS": json.dumps([learning_topic, identity_topic])}
    asyncio.run(create_env_topics(kafka_bootstrap, env))
    person, employer, industry, other_employer = uuid4(), uuid4(), uuid4(), uuid4()
    registered = PersonRegisteredV1(
        person_id=person,
        region_code=DISTRICT,
        organisation_ids=[employer, industry],
        registration="employer",
        occurred_at=datetime(2024, 1, 2, tzinfo=UTC),
    )
    completed = CourseCompletedV1(
        person_id=person,
        region_code="370400",
        study_year=2024,
        subject=Subject.PUBLIC,
        hours=Decimal("2.5"),
        source_ref="completion:it",
        occurred_at=datetime(2024, 3, 1, tzinfo=UTC),
        course_id="GX-2024-001",
    )
    asyncio.run(
        produce(
            kafka_bootstrap,
            identity_topic,
            [
                to_kafka(
                    envelope_for(registered, source="/hourbank/identity", event_id=str(uuid4()))
                )
            ],
        )
    )
    asyncio.run(
        produce(
            kafka_bootstrap,
            learning_topic,
            [to_kafka(envelope_for(completed, source="/hourbank/learning", event_id=str(uuid4())))],
        )
    )

    port = free_port()
    processes = [
        ServiceProcess("consumer", "hourbank_ledger.entrypoints.consumer", env),
        ServiceProcess("projector", "hourbank_ledger.entrypoints.projector", env),
        ServiceProcess(
            "ledger-api",
            "hourbank_ledger.entrypoints.http",
            {**env, "HTTP_PORT": str(port), "LEDGER_REGION_CODE": "370400"},
        ),
    ]
    for process in processes:
        process.start()
    url = f"http://127.0.0.1:{port}"
    query = f"{url}/v1/persons/{person}/years/2024/hours"
    their_employer = bearer(organisation_admin(Role.EMPLOYER_ADMIN, str(employer), DISTRICT))
    try:
        processes[2].wait_healthy(url)

        def readable_with_the_hours() -> dict[str, Any] | None:
            for process in processes:
                process.assert_running()
            # 403 until the directory row is projected, no entries until the fact is.
            response = httpx.get(query, headers=their_employer, timeout=5)
            body: dict[str, Any] = response.json()
            return body if response.status_code == 200 and body["entries"] else None

        body = wait_until(
            readable_with_the_hours, timeout=60, what="the employer reading the person's hours"
        )
        other = httpx.get(
            query,
            headers=bearer(organisation_admin(Role.EMPLOYER_ADMIN, str(other_employer), DISTRICT)),
            timeout=5,
        )
        other_city = httpx.get(query, headers=bearer(authority("370300")), timeout=5)
        own_city = httpx.get(query, headers=bearer(authority("370400")), timeout=5)
        anonymous = httpx.get(query, timeout=5)
    finally:
        for process in processes:
            process.stop()

    assert body["hours_by_subject"]["public"] == {"raw": "2.5", "credited": "2.5"}
    assert other.status_code == 403, other.text
    assert other.headers["content-type"] == "application/problem+json"
    assert other_city.status_code == 403, other_city.text
    assert own_city.status_code == 200, own_city.text
    assert anonymous.status_code == 401, anonymous.text
