"""The ledger trusts no producer: it refuses facts of other regions, of study years no rules
cover, and a producer's record published again with other content; it counts a record
published again under a new ce_id once (in-memory persistence)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.application import project_aggregate
from eventsourcing.persistence import StoredEvent

from hourbank_contracts import (
    CompletionVoidedV1,
    CourseCompletedV1,
    Envelope,
    HoursTransferredInV1,
    PersonYearEvent,
    Subject,
    envelope_for,
)
from hourbank_ledger.application.ledger import Decision, KafkaPosition, Ledger, Outcome
from hourbank_ledger.application.read_model import InMemoryHourBankView
from hourbank_ledger.application.rebuild import rebuild_read_model
from hourbank_ledger.domain.hour_bank import HourBank
from hourbank_ledger.domain.intake import FactIntake, Refusal, RefusalReason
from hourbank_ledger.domain.policy import load_all_policies
from services.ledger.tests.batches import apply_one

TOPIC = "hourbank.learning.events"
ZAOZHUANG, ZIBO, BEIJING, JINAN = "370400", "370300", "110000", "370100"
LEARNING = "/hourbank/learning"


def zaozhuang_ledger() -> Ledger:
    return Ledger(intake=FactIntake.of(ZAOZHUANG, load_all_policies()))


def completion(
    person: UUID,
    *,
    region: str = ZAOZHUANG,
    year: int = 2024,
    ref: str = "completion:1",
    hours: str = "2",
    event_id: str | None = None,
    source: str = LEARNING,
) -> Envelope:
    data = CourseCompletedV1(
        person_id=person,
        region_code=region,
        study_year=year,
        subject=Subject.PROFESSIONAL,
        hours=Decimal(hours),
        source_ref=ref,
        occurred_at=datetime(min(year, 2024), 5, 1, tzinfo=UTC),
        course_id="ZY-1",
    )
    return envelope_for(data, source=source, event_id=event_id or str(uuid4()))


def transfer_in(person: UUID, *, region: str = ZAOZHUANG, from_region: str = BEIJING) -> Envelope:
    data = HoursTransferredInV1(
        person_id=person,
        region_code=region,
        study_year=2024,
        subject=Subject.PUBLIC,
        hours=Decimal("12"),
        source_ref="transfer:1",
        occurred_at=datetime(2024, 6, 1, tzinfo=UTC),
        from_region_code=from_region,
        certificate_ref="CERT-1",
    )
    return envelope_for(data, source="/hourbank/identity", event_id=str(uuid4()))


def at(offset: int, partition: int = 0) -> KafkaPosition:
    return KafkaPosition(TOPIC, partition, offset)


def entries(ledger: Ledger, person: UUID) -> list[str]:
    bank = ledger.get_bank(person)
    return [] if bank is None else sorted(fact.entry_id for fact in bank.recorded_facts())


def reason(decision: Decision) -> RefusalReason:
    assert isinstance(decision, Refusal), decision
    return decision.reason


# --- region --------------------------------------------------------------------------------


def test_a_city_ledger_refuses_facts_of_other_regions() -> None:
    ledger = zaozhuang_ledger()
    person = uuid4()
    beijing = apply_one(ledger, completion(person, region=BEIJING), at(0))
    zibo = apply_one(ledger, completion(person, region=ZIBO, ref="completion:2"), at(1))
    assert reason(beijing) is reason(zibo) is RefusalReason.OTHER_REGION
    assert isinstance(zibo, Refusal)
    assert "370300" in zibo.detail
    assert "370400" in zibo.detail
    assert entries(ledger, person) == []


def test_a_city_ledger_credits_its_own_city_its_districts_and_transfers_in() -> None:
    ledger = zaozhuang_ledger()
    person = uuid4()
    own = completion(person, ref="completion:1")
    district = completion(person, region="370402", ref="completion:2")  # 市中区, Zaozhuang
    from_beijing = transfer_in(person)
    decisions = ledger.apply_batch([(own, at(0)), (district, at(1)), (from_beijing, at(2))])
    assert decisions == [Outcome.APPLIED] * 3
    assert entries(ledger, person) == sorted([own.id, district.id, from_beijing.id])


def test_a_transfer_in_addressed_to_another_region_is_refused() -> None:
    """A transfer in joins the ledger of its region_code, the receiving region: being a
    transfer is no way around the region check."""
    ledger = zaozhuang_ledger()
    person = uuid4()
    to_zibo = transfer_in(person, region=ZIBO, from_region=ZAOZHUANG)
    assert reason(apply_one(ledger, to_zibo, at(0))) is RefusalReason.OTHER_REGION
    assert entries(ledger, person) == []


def test_the_provincial_ledger_keeps_every_shandong_region_and_refuses_the_rest() -> None:
    ledger = Ledger()  # no region code: the provincial ledger
    person = uuid4()
    kept = [
        completion(person, region=region, ref=f"completion:{region}")
        for region in (ZIBO, ZAOZHUANG, JINAN, "370402")
    ]
    beijing = completion(person, region=BEIJING, ref="completion:beijing")
    decisions = ledger.apply_batch([(e, at(n)) for n, e in enumerate([*kept, beijing])])
    assert decisions[:4] == [Outcome.APPLIED] * 4
    assert reason(decisions[4]) is RefusalReason.OTHER_REGION
    assert entries(ledger, person) == sorted(e.id for e in kept)


def test_a_refused_reversal_is_not_recorded_either() -> None:
    ledger = zaozhuang_ledger()
    person = uuid4()
    voided = CompletionVoidedV1(
        person_id=person,
        region_code=BEIJING,
        study_year=2024,
        source_ref="completion:1",
        occurred_at=datetime(2024, 7, 1, tzinfo=UTC),
        reverses_event_id="some-credit",
        reason="recorded in error",
        course_id="ZY-1",
    )
    envelope = envelope_for(voided, source=LEARNING, event_id=str(uuid4()))
    assert reason(apply_one(ledger, envelope, at(0))) is RefusalReason.OTHER_REGION
    assert entries(ledger, person) == []


# --- study year ----------------------------------------------------------------------------


def test_the_years_covered_are_those_the_policy_files_govern() -> None:
    intake = FactIntake.of(None, load_all_policies())
    # Zibo 2020 governs 2015-2019 as make-up years; Zaozhuang 2024 is the latest file.
    assert (intake.region_code, intake.first_year, intake.last_year) == ("370000", 2015, 2024)


@pytest.mark.parametrize("year", [2030, 2099, 2014, 2000])
def test_a_study_year_no_rules_cover_is_refused(year: int) -> None:
    ledger = zaozhuang_ledger()
    person = uuid4()
    decision = apply_one(ledger, completion(person, year=year), at(0))
    assert reason(decision) is RefusalReason.STUDY_YEAR_NOT_COVERED
    assert isinstance(decision, Refusal)
    assert str(year) in decision.detail
    assert entries(ledger, person) == []


@pytest.mark.parametrize("year", [2015, 2024])
def test_the_first_and_last_years_covered_are_credited(year: int) -> None:
    ledger = zaozhuang_ledger()
    assert apply_one(ledger, completion(uuid4(), year=year), at(0)) is Outcome.APPLIED


def test_a_refused_fact_is_tracked_and_refused_again_when_redelivered() -> None:
    """Its position is tracked like any other (the partition moves on), and a redelivery
    after a crash before it was parked is refused again, so it can still be parked."""
    ledger = zaozhuang_ledger()
    person = uuid4()
    refused = completion(person, year=2099)
    good = completion(person, ref="completion:2")
    assert reason(ledger.apply_batch([(refused, at(0)), (good, at(1))])[0])
    assert ledger.recorder.max_tracking_id(f"{TOPIC}:0") == 2
    again = ledger.apply_batch([(refused, at(0)), (good, at(1))])
    assert reason(again[0]) is RefusalReason.STUDY_YEAR_NOT_COVERED
    assert again[1] is Outcome.ALREADY_TRACKED
    assert reason(apply_one(ledger, refused, at(0))) is RefusalReason.STUDY_YEAR_NOT_COVERED
    assert entries(ledger, person) == [good.id]


# --- natural key ---------------------------------------------------------------------------


def test_the_same_record_under_a_new_ce_id_is_credited_once() -> None:
    ledger = zaozhuang_ledger()
    person = uuid4()
    first = completion(person, event_id="first")
    again = replace(first, id="second")  # the producer published its record again
    assert apply_one(ledger, first, at(0)) is Outcome.APPLIED
    assert apply_one(ledger, again, at(1)) is Outcome.DUPLICATE_SOURCE
    assert entries(ledger, person) == ["first"]


def test_the_natural_key_holds_within_a_batch_and_across_batches() -> None:
    ledger = zaozhuang_ledger()
    person, other = uuid4(), uuid4()
    first = completion(person, event_id="a")
    in_batch = replace(first, id="b")
    decisions = ledger.apply_batch(
        [(first, at(0)), (in_batch, at(1)), (completion(other, event_id="c"), at(2))]
    )
    assert decisions == [Outcome.APPLIED, Outcome.DUPLICATE_SOURCE, Outcome.APPLIED]
    # A later batch (another transaction, the bank read back from the store) still knows it.
    later = ledger.apply_batch([(replace(first, id="d"), at(0, partition=1))])
    assert later == [Outcome.DUPLICATE_SOURCE]
    assert entries(ledger, person) == ["a"]
    assert entries(ledger, other) == ["c"]


def test_the_same_reference_with_other_content_is_a_conflict_and_refused() -> None:
    ledger = zaozhuang_ledger()
    person = uuid4()
    first = completion(person, event_id="a", hours="2")
    other_hours = completion(person, event_id="b", hours="8")
    other_year = completion(person, event_id="c", year=2023)
    decisions = ledger.apply_batch([(first, at(0)), (other_hours, at(1)), (other_year, at(2))])
    assert decisions[0] is Outcome.APPLIED
    assert reason(decisions[1]) is RefusalReason.NATURAL_KEY_CONFLICT
    assert reason(decisions[2]) is RefusalReason.NATURAL_KEY_CONFLICT
    conflict = decisions[1]
    assert isinstance(conflict, Refusal)
    assert "entry a" in conflict.detail
    assert entries(ledger, person) == ["a"]
    # Redelivered after a crash before it was parked: refused again, from the stored bank.
    assert reason(ledger.apply_batch([(other_hours, at(1))])[0]) is (
        RefusalReason.NATURAL_KEY_CONFLICT
    )
    assert reason(apply_one(ledger, other_hours, at(1))) is RefusalReason.NATURAL_KEY_CONFLICT
    # The fact that holds the key, redelivered, is only already tracked.
    assert apply_one(ledger, first, at(0)) is Outcome.ALREADY_TRACKED


def test_the_key_is_the_producer_the_event_type_and_the_reference() -> None:
    """Another producer's record, and a voiding that shares its completion's reference, are
    other facts."""
    ledger = zaozhuang_ledger()
    person = uuid4()
    first = completion(person, event_id="a")
    elsewhere = completion(person, event_id="b", source="/hourbank/other-platform")
    voided = CompletionVoidedV1(
        person_id=person,
        region_code=ZAOZHUANG,
        study_year=2024,
        source_ref="completion:1",
        occurred_at=datetime(2024, 7, 1, tzinfo=UTC),
        reverses_event_id="a",
        reason="recorded in error",
        course_id="ZY-1",
    )
    voiding = envelope_for(voided, source=LEARNING, event_id="c")
    decisions = ledger.apply_batch([(first, at(0)), (elsewhere, at(1)), (voiding, at(2))])
    assert decisions == [Outcome.APPLIED] * 3
    assert entries(ledger, person) == ["a", "b", "c"]


def test_a_rebuild_of_the_read_model_keeps_the_duplicate_out() -> None:
    ledger = zaozhuang_ledger()
    person = uuid4()
    first = completion(person, event_id="a")
    ledger.apply_batch([(first, at(0)), (replace(first, id="b"), at(1))])
    view = InMemoryHourBankView()
    rebuild_read_model(ledger, view)
    assert [row.entry_id for row in view.facts_for([person], 2024)[person]] == ["a"]


def test_facts_stored_before_the_natural_key_still_load() -> None:
    """A FactRecorded of version 1 (before source_ref was kept) is upcast: it loads, and is
    recognised by its ce_id only."""
    ledger = zaozhuang_ledger()
    person = uuid4()
    first = completion(person, event_id="a")
    apply_one(ledger, first, at(0))
    bank_id = HourBank.create_id(person)
    stored = list(ledger.recorder.select_events(bank_id))
    old = [_as_version_1(ledger, s) for s in stored]
    bank = _project(ledger, old)
    assert bank.has_recorded("a")
    assert bank.natural_keys == {}
    data = first.data
    assert isinstance(data, PersonYearEvent)
    assert bank.entry_under(LEARNING, first.type, data.source_ref) is None


def _as_version_1(ledger: Ledger, stored: StoredEvent) -> StoredEvent:
    if not stored.topic.endswith("FactRecorded"):
        return stored
    state: dict[str, Any] = ledger.mapper.transcoder.decode(stored.state)
    state.pop("source_ref")
    state.pop("class_version", None)
    return StoredEvent(
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=ledger.mapper.transcoder.encode(state),
    )


def _project(ledger: Ledger, stored: Sequence[StoredEvent]) -> HourBank:
    bank = project_aggregate(None, (ledger.mapper.to_domain_event(s) for s in stored))
    assert isinstance(bank, HourBank)
    return bank


def test_a_refusal_names_no_payload_value() -> None:
    ledger = zaozhuang_ledger()
    person = uuid4()
    first = completion(person, event_id="a", ref="completion:secret-ref")
    apply_one(ledger, first, at(0))
    duplicate = apply_one(
        ledger, completion(person, event_id="b", ref="completion:secret-ref"), at(1)
    )
    assert duplicate is Outcome.DUPLICATE_SOURCE
    other = apply_one(
        ledger, completion(person, event_id="c", ref="completion:secret-ref", hours="9"), at(2)
    )
    assert isinstance(other, Refusal)
    assert "secret-ref" not in other.detail
    assert str(person) not in json.dumps(other.detail)
