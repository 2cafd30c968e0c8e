"""The ledger application: applies public events to hour banks exactly once.

It is an eventsourcing ``EventSourcedProjection`` fed from Kafka instead of from another
application: each event is recorded together with a tracking record (upstream name =
``topic:partition``, position = offset + 1) in one transaction, so a redelivered message is
recognised by its position, a re-published one by its ``ce_id``, and one a producer published
again under a new id by its natural key (``HourBank.record``).

Before a fact reaches a bank it passes the ledger's checks (``domain/intake.py``): region and
study year. A refused fact is answered with a :class:`Refusal` instead of an outcome; its
position is tracked like any other, and a redelivery of it is refused again (not answered
"already tracked"), so the consumer can park it even if it crashed before doing so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent, project_aggregate
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import IntegrityError, StoredEvent, Tracking
from eventsourcing.projection import EventSourcedProjection
from eventsourcing.utils import EnvType

from hourbank_contracts import Envelope, PersonRegisteredV1, PersonYearEvent
from hourbank_ledger.application.contract_facts import fact_from
from hourbank_ledger.domain.affiliation import PersonAffiliation
from hourbank_ledger.domain.hour_bank import Admission, HourBank
from hourbank_ledger.domain.intake import FactIntake, Refusal, RefusalReason
from hourbank_ledger.domain.policy import Fact, load_all_policies


class Outcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE_EVENT = "duplicate_event"  # same ce_id seen before (e.g. relay re-publish)
    # Same producer, type and source_ref as a recorded fact, same content, new ce_id: the
    # producer published its record again (at-least-once), not an error.
    DUPLICATE_SOURCE = "duplicate_source"
    ALREADY_TRACKED = "already_tracked"  # same topic-partition offset seen before
    IGNORED = "ignored"  # a known type that carries no fact for the bank
    REFUSED = "refused"  # counted in the batch line; the decision itself is a Refusal


Decision = Outcome | Refusal
"""What the ledger made of one delivery: an outcome, or why it refused the fact."""


def outcome_of(decision: Decision) -> Outcome:
    return Outcome.REFUSED if isinstance(decision, Refusal) else decision


@dataclass(frozen=True)
class KafkaPosition:
    topic: str
    partition: int
    offset: int

    def tracking(self) -> Tracking:
        # Kafka offsets start at 0, eventsourcing positions at 1.
        return Tracking(f"{self.topic}:{self.partition}", self.offset + 1)


EventsOfMany = Callable[[Sequence[UUID]], Mapping[UUID, Sequence[StoredEvent]]]
"""Stored events of several aggregates, by aggregate id, each in version order."""


class Ledger(EventSourcedProjection[UUID]):
    name = "ledger"
    # Set by the composition root to a one-query reader (adapters/postgres_bulk_events.py);
    # without it, a batch's banks are read one repository query each.
    events_of_many: EventsOfMany | None = None
    # Set only while apply_batch() runs a batch (see _apply_together): a person's bank as
    # the batch has changed it so far, or None when the person has no bank yet.
    _batch_banks: dict[UUID, HourBank | None] | None = None

    def __init__(self, env: EnvType | None = None, *, intake: FactIntake | None = None) -> None:
        super().__init__(env)
        # Without a composition root: the provincial ledger's checks, under the shipped rules.
        self.intake = intake or FactIntake.of(None, load_all_policies())
        # The position this process last committed per topic-partition. Only a hint, which
        # saves a query per partition per batch: if another instance has moved a partition
        # on since (a rebalance), the batch's tracking record is refused, nothing is
        # written, and the one-by-one fallback reads the truth from the database.
        self._known_positions: dict[str, int] = {}

    def apply(self, envelope: Envelope, position: KafkaPosition) -> Decision:
        tracking = position.tracking()
        if self.recorder.has_tracking_id(tracking.application_name, tracking.notification_id):
            return self._redelivered(envelope, self.get_bank)
        outcome_box: list[Decision] = []
        try:
            # process_event() is typed for stored domain events; the policy below is the only
            # reader of what it is given here, and it expects a _Delivery.
            delivery = cast("DomainEventProtocol[UUID]", _Delivery(envelope, outcome_box))
            self.process_event(delivery, tracking)
        except IntegrityError:
            # Another consumer instance recorded this position first (after a rebalance).
            if self.recorder.has_tracking_id(tracking.application_name, tracking.notification_id):
                return self._redelivered(envelope, self.get_bank)
            raise
        return outcome_box[0]

    def apply_batch(self, deliveries: Sequence[tuple[Envelope, KafkaPosition]]) -> list[Decision]:
        """Apply a consumer's batch, one transaction per topic-partition instead of one per
        message: a commit (a WAL flush) per message capped the ledger at a few hundred events
        a second. Each transaction records the partition's highest position, and tracking
        only accepts increasing positions, so every message of the batch counts as tracked
        once it commits and a redelivery of any of them is recognised.

        Round trips per batch are few on purpose (each one is latency for every event in
        the batch): the banks of the whole batch are read in one query, and each
        partition's position comes from what this process last committed (see
        ``_known_positions``), then one transaction per partition. A redelivered message's
        bank is read in the same query, to refuse it again if it was refused."""
        outcomes: dict[int, Decision] = {}
        by_partition: dict[str, list[int]] = {}
        for index, (_, position) in enumerate(deliveries):
            by_partition.setdefault(position.tracking().application_name, []).append(index)
        fresh_by_partition: dict[str, list[int]] = {}
        redelivered: list[int] = []
        for name, indexes in by_partition.items():
            tracked = self._tracked_position(name)
            fresh = [i for i in indexes if deliveries[i][1].tracking().notification_id > tracked]
            redelivered.extend(i for i in indexes if i not in fresh)
            if fresh:
                fresh_by_partition[name] = fresh
        banks = self.get_banks(
            {
                data.person_id
                for i in [*redelivered, *(i for f in fresh_by_partition.values() for i in f)]
                if isinstance(data := deliveries[i][0].data, PersonYearEvent)
            }
        )
        # Before the fresh ones change the cached banks: a redelivery is judged by what
        # was committed.
        outcomes.update(
            (i, self._redelivered(deliveries[i][0], lambda p: banks.get(p))) for i in redelivered
        )
        for name, fresh in fresh_by_partition.items():
            last = max(deliveries[i][1].tracking().notification_id for i in fresh)
            envelopes = [deliveries[i][0] for i in fresh]
            try:
                decided = self._apply_together(envelopes, Tracking(name, last), banks)
            except IntegrityError:
                # Another consumer instance recorded some of these first (after a rebalance),
                # or two messages in the batch raced for one aggregate outside the bank cache:
                # nothing of this transaction was written, so settle them one by one. The
                # banks it touched hold events that were never recorded: forget them.
                for envelope in envelopes:
                    if isinstance(envelope.data, PersonYearEvent):
                        banks.pop(envelope.data.person_id, None)
                self._known_positions.pop(name, None)
                decided = [self.apply(*deliveries[i]) for i in fresh]
            else:
                self._known_positions[name] = last
            outcomes.update(zip(fresh, decided, strict=True))
        return [outcomes[i] for i in range(len(deliveries))]

    def _tracked_position(self, name: str) -> int:
        if name not in self._known_positions:
            self._known_positions[name] = self.recorder.max_tracking_id(name) or 0
        return self._known_positions[name]

    def _apply_together(
        self,
        envelopes: list[Envelope],
        tracking: Tracking,
        banks: dict[UUID, HourBank | None],
    ) -> list[Decision]:
        """What process_event() does for one event, for several: the same policy, one
        recording. ``banks`` is the batch's cache, so a person's second fact in it sees the
        first (still uncommitted) one instead of a stale copy from the database."""
        processing_event = ProcessingEvent[UUID](tracking=tracking)
        outcome_box: list[Decision] = []
        self._batch_banks = banks
        try:
            for envelope in envelopes:
                delivery = cast("DomainEventProtocol[UUID]", _Delivery(envelope, outcome_box))
                self.policy(delivery, processing_event)
        finally:
            self._batch_banks = None
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self.notify(processing_event.events)
        self._notify(recordings)
        return outcome_box

    def policy(self, domain_event: object, processing_event: ProcessingEvent[UUID]) -> None:
        assert isinstance(domain_event, _Delivery)
        envelope = domain_event.envelope
        if isinstance(envelope.data, PersonRegisteredV1):
            domain_event.outcome.append(self._register(envelope, envelope.data, processing_event))
            return
        fact = fact_from(envelope)
        if fact is None:
            domain_event.outcome.append(Outcome.IGNORED)
            return
        data = envelope.data
        assert isinstance(data, PersonYearEvent)  # every fact comes from a person-year event
        refusal = self.intake.refusal(region_code=data.region_code, study_year=data.study_year)
        if refusal is not None:
            # Nothing collected: the tracking record alone is written.
            domain_event.outcome.append(refusal)
            return
        bank = self._bank_for(data.person_id)
        admission = bank.record(
            fact,
            study_year=data.study_year,
            region_code=data.region_code,
            event_type=envelope.type,
            source=envelope.source,
            source_ref=data.source_ref,
        )
        domain_event.outcome.append(_decision(admission, envelope, bank))
        # Collected even when unchanged, so the tracking record is still written.
        processing_event.collect_events(bank)

    def _redelivered(
        self, envelope: Envelope, bank_of: Callable[[UUID], HourBank | None]
    ) -> Decision:
        """A message whose position is tracked: refused again if it was refused (its
        refusal follows from the message and the committed bank), else already tracked."""
        fact = fact_from(envelope)
        data = envelope.data
        if fact is None or not isinstance(data, PersonYearEvent):
            return Outcome.ALREADY_TRACKED
        refusal = self.intake.refusal(region_code=data.region_code, study_year=data.study_year)
        if refusal is not None:
            return refusal
        bank = bank_of(data.person_id)
        if bank is None:
            return Outcome.ALREADY_TRACKED
        admission = _admission(bank, fact, envelope, data)
        if admission is Admission.CONFLICTING_SOURCE:
            return _decision(admission, envelope, bank)
        return Outcome.ALREADY_TRACKED

    def _register(
        self,
        envelope: Envelope,
        registered: PersonRegisteredV1,
        processing_event: ProcessingEvent[UUID],
    ) -> Outcome:
        """Where the person belongs, kept for the API's authorization (not an hour fact)."""
        affiliation = self.get_affiliation(registered.person_id) or PersonAffiliation(
            registered.person_id
        )
        changed = affiliation.record(
            registration_id=envelope.id,
            region_code=registered.region_code,
            organisation_ids=[str(o) for o in registered.organisation_ids],
            registration=registered.registration,
            occurred_at=registered.occurred_at,
        )
        # Collected even when unchanged, so the tracking record is still written.
        processing_event.collect_events(affiliation)
        return Outcome.APPLIED if changed else Outcome.DUPLICATE_EVENT

    def get_affiliation(self, person_id: UUID) -> PersonAffiliation | None:
        try:
            affiliation: PersonAffiliation = self.repository.get(
                PersonAffiliation.create_id(person_id)
            )
        except AggregateNotFoundError:
            return None
        return affiliation

    def get_bank(self, person_id: UUID) -> HourBank | None:
        try:
            bank: HourBank = self.repository.get(HourBank.create_id(person_id))
        except AggregateNotFoundError:
            return None
        return bank

    def get_banks(self, person_ids: Iterable[UUID]) -> dict[UUID, HourBank | None]:
        """The bank of each person (None for a person without one), in one query when the
        composition root gave the ledger a reader of many aggregates' events."""
        wanted = {HourBank.create_id(person_id): person_id for person_id in person_ids}
        if self.events_of_many is None:
            return {person_id: self.get_bank(person_id) for person_id in wanted.values()}
        banks: dict[UUID, HourBank | None] = dict.fromkeys(wanted.values())
        for bank_id, stored in self.events_of_many(list(wanted)).items():
            bank = project_aggregate(None, (self.mapper.to_domain_event(s) for s in stored))
            assert isinstance(bank, HourBank)
            banks[wanted[bank_id]] = bank
        return banks

    def _bank_for(self, person_id: UUID) -> HourBank:
        cache = self._batch_banks
        if cache is None:
            return self.get_bank(person_id) or HourBank(person_id)
        bank = cache.get(person_id) if person_id in cache else self.get_bank(person_id)
        if bank is None:
            bank = HourBank(person_id)
        cache[person_id] = bank
        return bank


def _admission(bank: HourBank, fact: Fact, envelope: Envelope, data: PersonYearEvent) -> Admission:
    return bank.admission(
        fact,
        study_year=data.study_year,
        region_code=data.region_code,
        event_type=envelope.type,
        source=envelope.source,
        source_ref=data.source_ref,
    )


def _decision(admission: Admission, envelope: Envelope, bank: HourBank) -> Decision:
    if admission is Admission.RECORDED:
        return Outcome.APPLIED
    if admission is Admission.SAME_EVENT:
        return Outcome.DUPLICATE_EVENT
    if admission is Admission.SAME_SOURCE:
        return Outcome.DUPLICATE_SOURCE
    data = envelope.data
    assert isinstance(data, PersonYearEvent)
    earlier = bank.entry_under(envelope.source, envelope.type, data.source_ref)
    return Refusal(
        RefusalReason.NATURAL_KEY_CONFLICT,
        f"{envelope.type} from {envelope.source} has the source_ref of entry {earlier} "
        "but other content: one of the producer's records was published twice, differently",
    )


@dataclass(frozen=True)
class _Delivery:
    """What the policy receives: the envelope, plus a box for the decision it makes."""

    envelope: Envelope
    outcome: list[Decision]
