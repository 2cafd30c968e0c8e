"""The ledger applies public events exactly once (in-memory persistence)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent, Tracking

from hourbank_contracts import (
    CourseCompletedV1,
    Envelope,
    MakeupPaidV1,
    Subject,
    envelope_for,
    event_id_for,
)
from hourbank_ledger.application.ledger import KafkaPosition, Ledger, Outcome
from hourbank_ledger.application.ledger_recorder import InMemoryLedgerRecorder
from hourbank_ledger.application.read_model import HourBankProjection, InMemoryHourBankView
from hourbank_ledger.domain.hour_bank import HourBank
from hourbank_ledger.domain.policy import Credit, MakeupPayment
from services.ledger.tests.batches import apply_one

TOPIC = "hourbank.learning.events"


def completion(person_id: UUID, hours: str = "2.5", version: int = 1, year: int = 2024) -> Envelope:
    data = CourseCompletedV1(
        person_id=person_id,
        region_code="370300",
        study_year=year,
        subject=Subject.PUBLIC,
        hours=Decimal(hours),
        source_ref=f"completion:{version}",
        occurred_at=datetime(year, 3, 1, tzinfo=UTC),
        course_id=f"C{version}",
    )
    return envelope_for(
        data,
        source="/hourbank/learning",
        event_id=event_id_for("/hourbank/learning", person_id, version),
    )


def test_an_event_is_credited_once_per_ce_id_whatever_the_offset() -> None:
    ledger = Ledger()
    person = uuid4()
    envelope = completion(person)
    assert apply_one(ledger, envelope, KafkaPosition(TOPIC, 0, 0)) is Outcome.APPLIED
    # A relay re-publish: same ce_id at a later offset.
    assert apply_one(ledger, envelope, KafkaPosition(TOPIC, 0, 1)) is Outcome.DUPLICATE_EVENT
    bank = ledger.get_bank(person)
    assert bank is not None
    assert [fact.entry_id for fact in bank.recorded_facts()] == [envelope.id]


def test_a_redelivered_offset_is_recognised_by_its_tracking_record() -> None:
    ledger = Ledger()
    person = uuid4()
    assert (
        apply_one(ledger, completion(person, version=1), KafkaPosition(TOPIC, 2, 7))
        is Outcome.APPLIED
    )
    # Kafka redelivers offset 7 after a crash before the offset commit.
    redelivered = apply_one(ledger, completion(person, version=1), KafkaPosition(TOPIC, 2, 7))
    assert redelivered is Outcome.ALREADY_TRACKED
    # Tracking is per topic-partition: offset 7 of partition 1 is a different message.
    other = apply_one(ledger, completion(person, version=2), KafkaPosition(TOPIC, 1, 7))
    assert other is Outcome.APPLIED
    bank = ledger.get_bank(person)
    assert bank is not None
    assert len(bank.recorded_facts()) == 2


def test_makeup_payment_is_recorded_as_a_payment_fact() -> None:
    ledger = Ledger()
    person = uuid4()
    paid = MakeupPaidV1(
        person_id=person,
        region_code="370300",
        study_year=2018,
        source_ref="payment:1",
        occurred_at=datetime(2025, 5, 1, tzinfo=UTC),
        payment_id="P1",
        amount=Decimal(20),
    )
    envelope = envelope_for(paid, source="/hourbank/billing", event_id=str(uuid4()))
    assert (
        apply_one(ledger, envelope, KafkaPosition("hourbank.billing.events", 0, 0))
        is Outcome.APPLIED
    )
    bank = ledger.get_bank(person)
    assert bank is not None
    (fact,) = bank.recorded_facts()
    assert isinstance(fact, MakeupPayment)
    assert fact.study_year == 2018


def test_projection_writes_one_row_per_recorded_fact() -> None:
    ledger = Ledger()
    person = uuid4()
    for offset in range(3):
        apply_one(
            ledger, completion(person, "1", version=offset + 1), KafkaPosition(TOPIC, 0, offset)
        )
    apply_one(ledger, completion(person, "1", version=1), KafkaPosition(TOPIC, 0, 3))  # duplicate
    view = InMemoryHourBankView()
    projection = HourBankProjection(view=view)
    for notification in ledger.recorder.select_notifications(start=1, limit=100):
        projection.project_page(
            [ledger.mapper.to_domain_event(notification)], _tracking(notification.id)
        )
    rows = view.facts_for([person], 2024)[person]
    assert sorted(row.entry_id for row in rows) == sorted(
        event_id_for("/hourbank/learning", person, v) for v in (1, 2, 3)
    )
    assert {row.region_code for row in rows} == {"370300"}
    assert all(isinstance(row.decoded(), Credit) for row in rows)


def test_unknown_person_has_no_bank() -> None:
    ledger = Ledger()
    assert ledger.get_bank(uuid4()) is None


def _tracking(notification_id: int) -> Tracking:
    return Tracking(Ledger.name, notification_id)


@pytest.mark.parametrize("offset", [0, 41])
def test_position_tracking_maps_offsets_to_one_based_ids(offset: int) -> None:
    tracking = KafkaPosition(TOPIC, 3, offset).tracking()
    assert tracking.application_name == f"{TOPIC}:3"
    assert tracking.notification_id == offset + 1


def test_bank_id_is_derived_from_the_opaque_person_id() -> None:
    person = uuid4()
    assert HourBank.create_id(person) == HourBank.create_id(person)
    assert HourBank.create_id(person) != HourBank.create_id(uuid4())


class CountingLedgerRecorder(InMemoryLedgerRecorder):
    """The in-memory recorder, noting the ids of every read of many aggregates and the
    tracking records of every insert (one insert is one transaction)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list[UUID]] = []
        self.inserts: list[list[Tracking]] = []

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        self.inserts.append(list(kwargs.get("trackings", ())))
        return super().insert_events(stored_events, **kwargs)

    def select_events_of_many(
        self, originator_ids: Sequence[UUID]
    ) -> Mapping[UUID, Sequence[StoredEvent]]:
        self.calls.append(list(originator_ids))
        return super().select_events_of_many(originator_ids)


class CountingLedger(Ledger):
    def construct_recorder(self) -> CountingLedgerRecorder:
        return CountingLedgerRecorder()


def test_a_batch_reads_every_bank_it_needs_in_one_call() -> None:
    ledger = CountingLedger()
    recorder = ledger.recorder
    assert isinstance(recorder, CountingLedgerRecorder)
    known, newcomer = uuid4(), uuid4()
    apply_one(ledger, completion(known, "1", version=1), KafkaPosition(TOPIC, 0, 0))
    recorder.calls.clear()
    outcomes = ledger.apply_batch(
        [
            (completion(known, "1", version=1), KafkaPosition(TOPIC, 0, 1)),  # re-published
            (completion(known, "2", version=2), KafkaPosition(TOPIC, 0, 2)),
            (completion(newcomer, "3", version=1), KafkaPosition(TOPIC, 0, 3)),
            (completion(newcomer, "4", version=2), KafkaPosition(TOPIC, 0, 4)),
        ]
    )
    assert outcomes == [
        Outcome.DUPLICATE_EVENT,
        Outcome.APPLIED,
        Outcome.APPLIED,
        Outcome.APPLIED,
    ]
    assert len(recorder.calls) == 1
    assert set(recorder.calls[0]) == {HourBank.create_id(known), HourBank.create_id(newcomer)}
    known_bank, new_bank = ledger.get_bank(known), ledger.get_bank(newcomer)
    assert known_bank is not None
    assert new_bank is not None
    assert len(known_bank.recorded_facts()) == 2
    assert len(new_bank.recorded_facts()) == 2
    # The banks read in one call are the banks the repository rebuilds one by one.
    stranger = uuid4()
    banks = ledger.get_banks([known, newcomer, stranger])
    assert banks[stranger] is None
    for person, rebuilt in ((known, known_bank), (newcomer, new_bank)):
        bank = banks[person]
        assert bank is not None
        assert (bank.id, bank.version, bank.facts) == (rebuilt.id, rebuilt.version, rebuilt.facts)


def test_a_batch_over_several_partitions_is_one_transaction_with_a_position_each() -> None:
    ledger = CountingLedger()
    recorder = ledger.recorder
    assert isinstance(recorder, CountingLedgerRecorder)
    alice, bob = uuid4(), uuid4()
    batch = [
        (completion(alice, "1", version=1), KafkaPosition(TOPIC, 0, 5)),
        (completion(bob, "1", version=1), KafkaPosition(TOPIC, 1, 0)),
        (completion(alice, "1", version=2), KafkaPosition(TOPIC, 0, 6)),
        (completion(bob, "1", version=2), KafkaPosition("hourbank.billing.events", 2, 3)),
    ]
    assert ledger.apply_batch(batch) == [Outcome.APPLIED] * 4
    (trackings,) = recorder.inserts
    assert {(t.application_name, t.notification_id) for t in trackings} == {
        (f"{TOPIC}:0", 7),
        (f"{TOPIC}:1", 1),
        ("hourbank.billing.events:2", 4),
    }
    # Redelivered whole: recognised by position, nothing written.
    assert ledger.apply_batch(batch) == [Outcome.ALREADY_TRACKED] * 4
    assert len(recorder.inserts) == 1
    # Redelivered from the middle of one partition, with new messages behind it.
    later = [
        (completion(alice, "1", version=2), KafkaPosition(TOPIC, 0, 6)),
        (completion(alice, "1", version=3), KafkaPosition(TOPIC, 0, 7)),
    ]
    assert ledger.apply_batch(later) == [Outcome.ALREADY_TRACKED, Outcome.APPLIED]
    assert [(t.application_name, t.notification_id) for t in recorder.inserts[1]] == [
        (f"{TOPIC}:0", 8)
    ]
    bank = ledger.get_bank(alice)
    assert bank is not None
    assert len(bank.recorded_facts()) == 3
