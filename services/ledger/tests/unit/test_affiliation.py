"""The ledger learns where each person belongs from identity's PersonRegisteredV1."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from eventsourcing.persistence import Tracking

from hourbank_common.auth import ResourceScope
from hourbank_contracts import Envelope, PersonRegisteredV1, envelope_for
from hourbank_ledger.application.directory import DirectoryProjection, InMemoryPersonDirectory
from hourbank_ledger.application.ledger import KafkaPosition, Ledger, Outcome
from hourbank_ledger.domain.affiliation import PersonAffiliation
from services.ledger.tests.batches import apply_one

TOPIC = "hourbank.identity.events"


def registered(
    person_id: UUID,
    region: str = "370302",
    orgs: tuple[UUID, ...] = (),
    *,
    month: int = 3,
    event_id: str | None = None,
) -> Envelope:
    data = PersonRegisteredV1(
        person_id=person_id,
        region_code=region,
        organisation_ids=list(orgs) or [uuid4(), uuid4()],
        registration="employer",
        occurred_at=datetime(2024, month, 1, tzinfo=UTC),
    )
    return envelope_for(data, source="/hourbank/identity", event_id=event_id or str(uuid4()))


def test_a_registration_is_recorded_once_per_ce_id() -> None:
    ledger = Ledger()
    person, employer, authority = uuid4(), uuid4(), uuid4()
    envelope = registered(person, orgs=(employer, authority))
    assert apply_one(ledger, envelope, KafkaPosition(TOPIC, 0, 0)) is Outcome.APPLIED
    # The identity relay re-publishes: same ce_id at a later offset.
    assert apply_one(ledger, envelope, KafkaPosition(TOPIC, 0, 1)) is Outcome.DUPLICATE_EVENT
    affiliation = ledger.get_affiliation(person)
    assert affiliation is not None
    assert affiliation.region_code == "370302"
    assert affiliation.organisation_ids == (str(employer), str(authority))
    assert affiliation.registration_ids == {envelope.id}
    assert ledger.get_bank(person) is None  # a registration carries no hours


def test_the_latest_registration_is_current_whatever_the_arrival_order() -> None:
    ledger = Ledger()
    person, old_employer, new_employer = uuid4(), uuid4(), uuid4()
    later = registered(person, "370402", (new_employer,), month=9)
    earlier = registered(person, "370302", (old_employer,), month=3)
    assert apply_one(ledger, later, KafkaPosition(TOPIC, 0, 0)) is Outcome.APPLIED
    assert apply_one(ledger, earlier, KafkaPosition(TOPIC, 0, 1)) is Outcome.APPLIED
    affiliation = ledger.get_affiliation(person)
    assert affiliation is not None
    assert affiliation.region_code == "370402"
    assert affiliation.organisation_ids == (str(new_employer),)
    assert affiliation.registration_ids == {later.id, earlier.id}


def test_the_directory_projection_agrees_with_the_aggregate() -> None:
    ledger = Ledger()
    alice, bob, employer = uuid4(), uuid4(), uuid4()
    apply_one(ledger, registered(alice, "370302", (employer,), month=9), KafkaPosition(TOPIC, 0, 0))
    apply_one(ledger, registered(alice, "370402", month=3), KafkaPosition(TOPIC, 0, 1))
    apply_one(ledger, registered(bob, "370403", (employer,)), KafkaPosition(TOPIC, 1, 0))
    directory = InMemoryPersonDirectory()
    projection = DirectoryProjection(view=directory)
    for notification in ledger.recorder.select_notifications(start=1, limit=100):
        projection.project_page(
            [ledger.mapper.to_domain_event(notification)], Tracking(Ledger.name, notification.id)
        )
    assert directory.scopes([alice, bob, uuid4()]) == {
        alice: ResourceScope(alice, "370302", frozenset({str(employer)})),
        bob: ResourceScope(bob, "370403", frozenset({str(employer)})),
    }


def test_affiliation_id_is_derived_from_the_opaque_person_id() -> None:
    person = uuid4()
    assert PersonAffiliation.create_id(person) == PersonAffiliation.create_id(person)
    assert PersonAffiliation.create_id(person) != PersonAffiliation.create_id(uuid4())


def test_registrations_of_one_person_in_one_consumer_batch_are_each_applied() -> None:
    # The batch keeps every aggregate it changes: the second registration sees the first
    # instead of a stale copy, so the batch does not collide with itself.
    ledger = Ledger()
    person = uuid4()
    first, second = registered(person, month=3), registered(person, "370402", month=9)
    outcomes = ledger.apply_batch(
        [(first, KafkaPosition(TOPIC, 0, 0)), (second, KafkaPosition(TOPIC, 0, 1))]
    )
    assert outcomes == [Outcome.APPLIED, Outcome.APPLIED]
    affiliation = ledger.get_affiliation(person)
    assert affiliation is not None
    assert affiliation.registration_ids == {first.id, second.id}
    assert affiliation.region_code == "370402"
    again = ledger.apply_batch([(second, KafkaPosition(TOPIC, 0, 2))])
    assert again == [Outcome.DUPLICATE_EVENT]
