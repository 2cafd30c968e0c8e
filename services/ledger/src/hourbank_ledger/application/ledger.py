"""The ledger application: applies public events to hour banks exactly once.

It is an eventsourcing ``Application`` fed from Kafka instead of from another application. A
consumer's batch is recorded in one transaction with one tracking record per topic-partition
(upstream name ``topic:partition``, position = offset + 1; ``ledger_recorder.py``), so a
redelivered message is recognised by its position, a re-published one by its ``ce_id``, and
one a producer published again under a new id by its natural key (``HourBank.record``). A
single message is a batch of one: ``apply_batch`` is the only way in.

Before a fact reaches a bank it passes the ledger's checks (``domain/intake.py``): region and
study year. A refused fact is answered with a :class:`Refusal` instead of an outcome; its
position is tracked like any other, and a redelivery of it is refused again (not answered
"already tracked"), so the consumer can park it even if it crashed before doing so.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, project_aggregate
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, ProgrammingError, Tracking
from eventsourcing.popo import POPOFactory
from eventsourcing.utils import EnvType

from hourbank_contracts import Envelope, PersonRegisteredV1, PersonYearEvent
from hourbank_ledger.application.contract_facts import fact_from
from hourbank_ledger.application.ledger_recorder import InMemoryLedgerRecorder, LedgerRecorder
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


Aggregates = dict[UUID, Aggregate | None]
"""A batch's aggregates by id, as the batch has changed them so far (None: not yet opened)."""


class Ledger(Application[UUID]):
    name = "ledger"

    def __init__(self, env: EnvType | None = None, *, intake: FactIntake | None = None) -> None:
        super().__init__(env)
        self.recorder: LedgerRecorder
        # Without a composition root: the provincial ledger's checks, under the shipped rules.
        self.intake = intake or FactIntake.of(None, load_all_policies())
        # The position this process last committed per topic-partition. Only a hint, which
        # saves a query per partition per batch: if another instance has moved a partition
        # on since (a rebalance), the batch's tracking record is refused, nothing is
        # written, and apply_batch settles the batch from what the database holds.
        self._known_positions: dict[str, int] = {}

    def construct_recorder(self) -> LedgerRecorder:
        """On PostgreSQL, the recorder that eventsourcing's ``PROCESS_RECORDER_TOPIC`` setting
        names (the composition root names ``PostgresLedgerRecorder``); in memory, where
        eventsourcing's factory takes no recorder class, ``InMemoryLedgerRecorder``."""
        if isinstance(self.factory, POPOFactory):
            return InMemoryLedgerRecorder()
        recorder = self.factory.process_recorder()
        if not isinstance(recorder, LedgerRecorder):
            # Any other recorder would drop the batch's tracking records without a word.
            msg = (
                f"the ledger needs a LedgerRecorder, not {type(recorder).__name__}: name one "
                f"with {self.factory.PROCESS_RECORDER_TOPIC}"
            )
            raise ProgrammingError(msg)
        return recorder

    def apply_batch(self, deliveries: Sequence[tuple[Envelope, KafkaPosition]]) -> list[Decision]:
        """Decide each delivery, in order, and record the batch in one transaction: the
        facts and, per topic-partition, the batch's highest position. Tracking only accepts
        increasing positions, so once it commits every message of the batch counts as
        tracked and a redelivery of any of them is recognised.

        If the transaction is refused, nothing of it was written: a position hint was stale
        (another instance committed one of these partitions after a rebalance), or another
        instance changed one of the batch's aggregates since they were read. The messages
        are then settled one at a time, each a batch of one read afresh."""
        try:
            return self._apply(deliveries)
        except IntegrityError:
            for _, position in deliveries:
                self._known_positions.pop(position.tracking().application_name, None)
            return [decision for delivery in deliveries for decision in self._apply([delivery])]

    def _apply(self, deliveries: Sequence[tuple[Envelope, KafkaPosition]]) -> list[Decision]:
        """Round trips are few on purpose (each one is latency for every message of the
        batch): the aggregates of the whole batch are read in one query, each partition's
        position comes from what this process last committed (``_known_positions``), and
        the batch is written in one transaction."""
        trackings = [position.tracking() for _, position in deliveries]
        tracked = {name: self._tracked_position(name) for name in _names(trackings)}
        fresh = [t.notification_id > tracked[t.application_name] for t in trackings]
        aggregates = self._read(_aggregate_ids(envelope for envelope, _ in deliveries))
        # Before the fresh ones change the aggregates: a redelivery is judged by what was
        # committed.
        decisions: dict[int, Decision] = {
            index: self._redelivered(envelope, aggregates)
            for index, ((envelope, _), is_fresh) in enumerate(zip(deliveries, fresh, strict=True))
            if not is_fresh
        }
        positions: dict[str, int] = {}
        for index, ((envelope, _), tracking) in enumerate(zip(deliveries, trackings, strict=True)):
            if fresh[index]:
                decisions[index] = self._decide(envelope, aggregates)
                name = tracking.application_name
                positions[name] = max(positions.get(name, 0), tracking.notification_id)
        if positions:
            # A refused or ignored message adds no event, but its position is recorded.
            self.save(
                *aggregates.values(),
                trackings=[Tracking(name, last) for name, last in positions.items()],
            )
            self._known_positions.update(positions)
        return [decisions[index] for index in range(len(deliveries))]

    def _tracked_position(self, name: str) -> int:
        if name not in self._known_positions:
            self._known_positions[name] = self.recorder.max_tracking_id(name) or 0
        return self._known_positions[name]

    def _decide(self, envelope: Envelope, aggregates: Aggregates) -> Decision:
        data = envelope.data
        if isinstance(data, PersonRegisteredV1):
            return self._register(envelope, data, aggregates)
        fact = fact_from(envelope)
        if fact is None:
            return Outcome.IGNORED
        assert isinstance(data, PersonYearEvent)  # every fact comes from a person-year event
        refusal = self.intake.refusal(region_code=data.region_code, study_year=data.study_year)
        if refusal is not None:
            return refusal
        bank = _bank_for(data.person_id, aggregates)
        admission = bank.record(
            fact,
            study_year=data.study_year,
            region_code=data.region_code,
            event_type=envelope.type,
            source=envelope.source,
            source_ref=data.source_ref,
        )
        return _decision(admission, envelope, bank)

    def _redelivered(self, envelope: Envelope, aggregates: Aggregates) -> Decision:
        """A message whose position is tracked: refused again if it was refused (its
        refusal follows from the message and the committed bank), else already tracked."""
        fact = fact_from(envelope)
        data = envelope.data
        if fact is None or not isinstance(data, PersonYearEvent):
            return Outcome.ALREADY_TRACKED
        refusal = self.intake.refusal(region_code=data.region_code, study_year=data.study_year)
        if refusal is not None:
            return refusal
        bank = aggregates[HourBank.create_id(data.person_id)]
        if bank is None:
            return Outcome.ALREADY_TRACKED
        assert isinstance(bank, HourBank)
        admission = _admission(bank, fact, envelope, data)
        if admission is Admission.CONFLICTING_SOURCE:
            return _decision(admission, envelope, bank)
        return Outcome.ALREADY_TRACKED

    def _register(
        self, envelope: Envelope, registered: PersonRegisteredV1, aggregates: Aggregates
    ) -> Outcome:
        """Where the person belongs, kept for the API's authorization (not an hour fact)."""
        affiliation_id = PersonAffiliation.create_id(registered.person_id)
        affiliation = aggregates[affiliation_id] or PersonAffiliation(registered.person_id)
        assert isinstance(affiliation, PersonAffiliation)
        # Kept in the batch's aggregates, so a second registration in the batch sees this one.
        aggregates[affiliation_id] = affiliation
        changed = affiliation.record(
            registration_id=envelope.id,
            region_code=registered.region_code,
            organisation_ids=[str(o) for o in registered.organisation_ids],
            registration=registered.registration,
            occurred_at=registered.occurred_at,
        )
        return Outcome.APPLIED if changed else Outcome.DUPLICATE_EVENT

    def _read(self, aggregate_ids: Collection[UUID]) -> Aggregates:
        """The aggregates as committed, in one query (None for an id with no events)."""
        found: Aggregates = dict.fromkeys(aggregate_ids)
        for aggregate_id, stored in self.recorder.select_events_of_many(
            list(aggregate_ids)
        ).items():
            aggregate = project_aggregate(None, map(self.mapper.to_domain_event, stored))
            assert isinstance(aggregate, Aggregate)
            found[aggregate_id] = aggregate
        return found

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
        """The bank of each person (None for a person without one), read in one query as a
        batch reads them."""
        wanted = {HourBank.create_id(person_id): person_id for person_id in person_ids}
        found = self._read(wanted.keys())
        banks: dict[UUID, HourBank | None] = {}
        for bank_id, person_id in wanted.items():
            bank = found[bank_id]
            assert bank is None or isinstance(bank, HourBank)
            banks[person_id] = bank
        return banks


def _names(trackings: Iterable[Tracking]) -> set[str]:
    return {tracking.application_name for tracking in trackings}


def _aggregate_ids(envelopes: Iterable[Envelope]) -> set[UUID]:
    """The aggregates that deciding these envelopes may read or change."""
    ids: set[UUID] = set()
    for envelope in envelopes:
        data = envelope.data
        if isinstance(data, PersonRegisteredV1):
            ids.add(PersonAffiliation.create_id(data.person_id))
        elif isinstance(data, PersonYearEvent):
            ids.add(HourBank.create_id(data.person_id))
    return ids


def _bank_for(person_id: UUID, aggregates: Aggregates) -> HourBank:
    bank_id = HourBank.create_id(person_id)
    bank = aggregates[bank_id] or HourBank(person_id)
    assert isinstance(bank, HourBank)
    # Kept in the batch's aggregates, so a person's second fact in the batch sees the first
    # (still uncommitted) one instead of a stale copy from the database.
    aggregates[bank_id] = bank
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
