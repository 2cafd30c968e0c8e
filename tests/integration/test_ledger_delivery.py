"""The ledger consumer on real Kafka and PostgreSQL: exactly-once under redelivery, crashes
and poison messages."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

from hourbank_contracts import (
    CourseCompletedV1,
    KafkaRecord,
    Subject,
    envelope_for,
    event_id_for,
    to_kafka,
)
from tests.support.kafka_io import create_env_topics, produce, read_all
from tests.support.ledger_db import LedgerTables
from tests.support.processes import ServiceProcess
from tests.support.waiting import wait_until

CONSUMER = "hourbank_ledger.entrypoints.consumer"
PROJECTOR = "hourbank_ledger.entrypoints.projector"


def completion_record(person_id: UUID, number: int, hours: str = "1.5") -> KafkaRecord:
    data = CourseCompletedV1(
        person_id=person_id,
        region_code="370300",
        study_year=2024,
        subject=Subject.PROFESSIONAL if number % 3 else Subject.PUBLIC,
        hours=Decimal(hours),
        source_ref=f"completion:{number}",
        occurred_at=datetime(2024, 5, 1, tzinfo=UTC),
        course_id=f"C{number}",
    )
    return to_kafka(
        envelope_for(
            data,
            source="/hourbank/learning",
            event_id=event_id_for("/hourbank/learning", person_id, number),
        )
    )


def topic_of(env: dict[str, str]) -> str:
    topics: list[str] = json.loads(env["LEDGER_TOPICS"])
    return topics[0]


def test_the_same_event_delivered_three_times_counts_once(
    ledger_env: dict[str, str], tables: LedgerTables, kafka_bootstrap: str
) -> None:
    topic = topic_of(ledger_env)
    person = uuid4()
    record = completion_record(person, 1, hours="2.5")
    asyncio.run(create_env_topics(kafka_bootstrap, ledger_env))
    asyncio.run(produce(kafka_bootstrap, topic, [record, record, record]))
    consumer = ServiceProcess("consumer", CONSUMER, ledger_env).start()
    projector = ServiceProcess("projector", PROJECTOR, ledger_env).start()
    try:
        wait_until(lambda: tables.consumed(topic) == 3, timeout=60, what="3 deliveries consumed")
        wait_until(lambda: tables.read_model_rows() == 1, timeout=30, what="1 read-model row")
        consumer.assert_running()
        projector.assert_running()
    finally:
        consumer.stop()
        projector.stop()
    assert tables.recorded_facts() == 1
    assert tables.read_model_rows() == 1


def test_consumer_killed_mid_stream_ends_with_exactly_1000_entries(
    ledger_env: dict[str, str], tables: LedgerTables, kafka_bootstrap: str
) -> None:
    topic = topic_of(ledger_env)
    persons = [uuid4() for _ in range(50)]
    records = [completion_record(persons[n % 50], n) for n in range(1000)]
    asyncio.run(create_env_topics(kafka_bootstrap, ledger_env))
    # A batch (up to 2,000 records) is one transaction, so a topic filled with all 1,000
    # beforehand may be applied in one commit, with no moment to kill the consumer in
    # between: the first 100 go first, and the rest flow while it is killed.
    asyncio.run(produce(kafka_bootstrap, topic, records[:100]))
    rest = threading.Thread(
        target=asyncio.run, args=(produce(kafka_bootstrap, topic, records[100:]),)
    )

    consumer = ServiceProcess("consumer", CONSUMER, ledger_env).start()
    try:
        wait_until(lambda: tables.consumed(topic) >= 100, timeout=60, what="100 consumed")
        rest.start()
        consumer.kill()
        at_kill = tables.consumed(topic)
        assert at_kill < 1000, "the consumer finished before it could be killed mid-stream"
        restarted = ServiceProcess("consumer-restarted", CONSUMER, ledger_env).start()
        try:
            wait_until(lambda: tables.consumed(topic) == 1000, timeout=120, what="all consumed")
            restarted.assert_running()
        finally:
            restarted.stop()
    finally:
        consumer.stop()
        if rest.is_alive():
            rest.join(timeout=60)
    assert tables.recorded_facts() == 1000
    assert tables.distinct_recorded_entries() == 1000


def test_poison_messages_are_dead_lettered_and_the_next_good_one_applied(
    ledger_env: dict[str, str], tables: LedgerTables, kafka_bootstrap: str
) -> None:
    topic = topic_of(ledger_env)
    dead_letter_topic = ledger_env["LEDGER_DEAD_LETTER_TOPIC"]
    good = completion_record(uuid4(), 1)
    headers = list(good.headers)
    poison = [
        KafkaRecord(key=good.key, value=b"{this is not json", headers=headers),
        KafkaRecord(
            key=good.key,
            value=good.value,
            headers=[
                (k, b"hourbank.nobody.thing.happened.v1" if k == "ce_type" else v)
                for k, v in headers
            ],
        ),
        KafkaRecord(key=good.key, value=b'{"person_id": "not-a-uuid"}', headers=headers),
    ]
    # Every record needs its own ce_id, or dedupe would hide the good one.
    asyncio.run(create_env_topics(kafka_bootstrap, ledger_env, partitions=1))
    asyncio.run(produce(kafka_bootstrap, topic, [*poison, good]))
    consumer = ServiceProcess("consumer", CONSUMER, ledger_env).start()
    try:
        wait_until(lambda: tables.recorded_facts() == 1, timeout=60, what="good event applied")
        parked = asyncio.run(read_all(kafka_bootstrap, dead_letter_topic, expected=3, timeout=30))
        consumer.assert_running()
    finally:
        consumer.stop()
    assert len(parked) == 3
    reasons = sorted(dict(r.headers)["dlq_reason"].decode() for r in parked)
    assert reasons == sorted(["value_not_json", "unknown_event_type", "schema_violation"])
    for record in parked:
        parked_headers = dict(record.headers)
        assert parked_headers["dlq_original_topic"].decode() == topic
        assert parked_headers["ce_id"] == dict(headers)["ce_id"]  # original headers kept
    assert sorted(r.value for r in parked) == sorted(p.value for p in poison)
