"""The ledger trusts no producer (real Kafka and PostgreSQL): a Zaozhuang city ledger parks
other regions' facts and study years no rules cover on its dead-letter topic, each with its
reason, credits its own facts and transfers in, and credits a record published again under
a new ce_id once, also after a restart."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

from hourbank_contracts import (
    CourseCompletedV1,
    Envelope,
    HoursTransferredInV1,
    Subject,
    envelope_for,
    to_kafka,
)
from tests.integration.test_ledger_delivery import CONSUMER, topic_of
from tests.support.kafka_io import create_topics, produce, read_all
from tests.support.ledger_db import LedgerTables
from tests.support.processes import ServiceProcess
from tests.support.waiting import wait_until

ZAOZHUANG, ZIBO, BEIJING = "370400", "370300", "110000"


def completion(person: UUID, region: str, year: int, ref: str, hours: str = "2") -> Envelope:
    data = CourseCompletedV1(
        person_id=person,
        region_code=region,
        study_year=year,
        subject=Subject.PROFESSIONAL,
        hours=Decimal(hours),
        source_ref=ref,
        occurred_at=datetime(2024, 5, 1, tzinfo=UTC),
        course_id="ZY-1",
    )
    return envelope_for(data, source="/hourbank/learning", event_id=str(uuid4()))


def transfer_in(person: UUID) -> Envelope:
    data = HoursTransferredInV1(
        person_id=person,
        region_code=ZAOZHUANG,
        study_year=2024,
        subject=Subject.PUBLIC,
        hours=Decimal("12"),
        source_ref="transfer:1",
        occurred_at=datetime(2024, 6, 1, tzinfo=UTC),
        from_region_code=BEIJING,  # hours certified in Beijing, merged into Zaozhuang
        certificate_ref="CERT-1",
    )
    return envelope_for(data, source="/hourbank/identity", event_id=str(uuid4()))


def test_a_city_ledger_checks_region_year_and_natural_key(
    ledger_env: dict[str, str], tables: LedgerTables, kafka_bootstrap: str
) -> None:
    topic = topic_of(ledger_env)
    dead_letter_topic = ledger_env["LEDGER_DEAD_LETTER_TOPIC"]
    env = {**ledger_env, "LEDGER_REGION_CODE": ZAOZHUANG}
    person = uuid4()
    own = completion(person, ZAOZHUANG, 2024, "completion:own")
    arrived = transfer_in(person)
    beijing = completion(person, BEIJING, 2024, "completion:beijing")
    zibo = completion(person, ZIBO, 2024, "completion:zibo")
    year_2030 = completion(person, ZAOZHUANG, 2030, "completion:2030")
    year_2099 = completion(person, ZAOZHUANG, 2099, "completion:2099")
    first_batch = [own, arrived, beijing, zibo, year_2030, year_2099]
    refused = {
        beijing.id: "other_region",
        zibo.id: "other_region",
        year_2030.id: "study_year_not_covered",
        year_2099.id: "study_year_not_covered",
    }
    asyncio.run(create_topics(kafka_bootstrap, [topic, dead_letter_topic], partitions=1))
    asyncio.run(produce(kafka_bootstrap, topic, [to_kafka(e) for e in first_batch]))
    consumer = ServiceProcess("consumer", CONSUMER, env).start()
    try:
        wait_until(lambda: tables.consumed(topic) == 6, timeout=60, what="6 consumed")
        consumer.assert_running()
    finally:
        consumer.stop()
    assert tables.recorded_entry_ids() == {own.id, arrived.id}

    # After a restart: the learning platform publishes its completion again under a new
    # ce_id (credited once), and once more with other hours (a conflict, parked).
    republished = replace(own, id=str(uuid4()))
    conflicting = completion(person, ZAOZHUANG, 2024, "completion:own", hours="8")
    refused[conflicting.id] = "natural_key_conflict"
    asyncio.run(produce(kafka_bootstrap, topic, [to_kafka(republished), to_kafka(conflicting)]))
    restarted = ServiceProcess("consumer-restarted", CONSUMER, env).start()
    try:
        wait_until(lambda: tables.consumed(topic) == 8, timeout=60, what="8 consumed")
        parked = asyncio.run(read_all(kafka_bootstrap, dead_letter_topic, expected=5, timeout=30))
        restarted.assert_running()
    finally:
        restarted.stop()

    assert tables.recorded_entry_ids() == {own.id, arrived.id}
    assert tables.recorded_facts() == 2
    reasons = {
        dict(r.headers)["ce_id"].decode(): dict(r.headers)["dlq_reason"].decode() for r in parked
    }
    assert reasons == refused
    for record in parked:
        headers = dict(record.headers)
        assert headers["dlq_detail"]
        assert headers["dlq_original_topic"].decode() == topic
    logged = consumer.full_log() + restarted.full_log()
    assert logged.count('"ledger.dead_lettered"') == 5
    assert '"duplicate_source": 1' in restarted.full_log()
