"""Consumer wiring with faststream's in-memory broker (wiring only: it reports every offset
as 0, so delivery semantics are tested against real Kafka in the integration tier)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from faststream.kafka import KafkaBroker, KafkaMessage, TestKafkaBroker

from hourbank_contracts import (
    CourseCompletedV1,
    Subject,
    envelope_for,
    event_id_for,
    to_kafka,
)
from hourbank_ledger.adapters.kafka_consumer import register_ledger_consumer
from hourbank_ledger.application.ledger import Ledger
from hourbank_ledger.domain.intake import FactIntake
from hourbank_ledger.domain.policy import Credit, load_all_policies

TOPIC = "test.learning"
DLT = "test.dead-letter"


def good_record(person_id):  # type: ignore[no-untyped-def]
    data = CourseCompletedV1(
        person_id=person_id,
        region_code="370300",
        study_year=2024,
        subject=Subject.PROFESSIONAL,
        hours=Decimal("3"),
        source_ref="completion:x",
        occurred_at=datetime(2024, 4, 1, tzinfo=UTC),
        course_id="ZY-1",
    )
    return to_kafka(
        envelope_for(
            data,
            source="/hourbank/learning",
            event_id=event_id_for("/hourbank/learning", person_id, 1),
        )
    )


@pytest.fixture
def wired() -> tuple[KafkaBroker, Ledger, list[tuple[bytes, dict[str, str]]]]:
    broker = KafkaBroker("127.0.0.1:1")
    ledger = Ledger()
    register_ledger_consumer(broker, ledger, topics=[TOPIC], group_id="g", dead_letter_topic=DLT)
    parked: list[tuple[bytes, dict[str, str]]] = []

    async def raw(message: KafkaMessage) -> bytes:
        return message.body

    @broker.subscriber(DLT, decoder=raw)
    async def collect(body: bytes, message: KafkaMessage) -> None:
        parked.append((body, dict(message.headers)))

    return broker, ledger, parked


async def test_a_contract_event_is_routed_to_the_ledger(wired) -> None:  # type: ignore[no-untyped-def]
    broker, ledger, parked = wired
    person = uuid4()
    record = good_record(person)
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(
            record.value,
            topic=TOPIC,
            key=record.key,
            headers={k: v.decode() for k, v in record.headers},
        )
    bank = ledger.get_bank(person)
    assert bank is not None
    (fact,) = bank.recorded_facts()
    assert isinstance(fact, Credit)
    assert (fact.subject, fact.hours) == (Subject.PROFESSIONAL, Decimal(3))
    assert parked == []


@pytest.mark.parametrize(
    ("value", "headers", "reason"),
    [
        (b"{not json", {"ce_type": CourseCompletedV1.event_type}, "value_not_json"),
        (b"{}", {"ce_type": "hourbank.nobody.thing.happened.v1"}, "unknown_event_type"),
        (b'{"person_id": "x"}', {"ce_type": CourseCompletedV1.event_type}, "schema_violation"),
    ],
)
async def test_a_poison_message_is_parked_with_reason_and_original_headers(  # type: ignore[no-untyped-def]
    wired, value: bytes, headers: dict[str, str], reason: str
) -> None:
    broker, _ledger, parked = wired
    full_headers = {
        "ce_specversion": "1.0",
        "ce_id": str(uuid4()),
        "ce_source": "/test",
        "ce_time": "2025-01-01T00:00:00Z",
        "content-type": "application/json",
        **headers,
    }
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(value, topic=TOPIC, key=b"k", headers=full_headers)
    assert len(parked) == 1
    body, dlq_headers = parked[0]
    assert body == value
    assert dlq_headers["dlq_reason"] == reason
    assert dlq_headers["dlq_original_topic"] == TOPIC
    assert dlq_headers["ce_id"] == full_headers["ce_id"]


async def test_a_refused_fact_is_parked_with_its_reason_and_acknowledged() -> None:
    """The ledger decides (another region here); the consumer parks the original record with
    the refusal's reason and detail, and goes on with the rest of the batch."""
    broker = KafkaBroker("127.0.0.1:1")
    ledger = Ledger(intake=FactIntake.of("370400", load_all_policies()))  # Zaozhuang
    register_ledger_consumer(broker, ledger, topics=[TOPIC], group_id="g", dead_letter_topic=DLT)
    parked: list[tuple[bytes, dict[str, str]]] = []

    async def raw(message: KafkaMessage) -> bytes:
        return message.body

    @broker.subscriber(DLT, decoder=raw)
    async def collect(body: bytes, message: KafkaMessage) -> None:
        parked.append((body, dict(message.headers)))

    person = uuid4()
    record = good_record(person)  # a Zibo (370300) completion
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(
            record.value,
            topic=TOPIC,
            key=record.key,
            headers={k: v.decode() for k, v in record.headers},
        )
    assert ledger.get_bank(person) is None
    ((body, headers),) = parked
    assert body == record.value
    assert headers["dlq_reason"] == "other_region"
    assert "370300" in headers["dlq_detail"]
    assert headers["ce_id"] == dict(record.headers)["ce_id"].decode()
