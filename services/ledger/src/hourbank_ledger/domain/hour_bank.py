"""A person's hour bank: the set of facts about their study hours, each recorded once.

The bank stores facts, not running totals: credited hours, caps and verdicts are computed
from the whole set by the policy engine (``domain/policy``), so the result does not depend
on the order in which facts arrived or on how often they were delivered.
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from hourbank_ledger.domain.fact_codec import decode_fact, encode_fact
from hourbank_ledger.domain.policy import Fact


class HourBank(Aggregate):
    class Opened(Aggregate.Created):
        person_id: UUID

    class FactRecorded(Aggregate.Event):
        """One fact (credit, make-up payment or reversal) from one public event."""

        person_id: UUID
        entry_id: str
        study_year: int  # for a reversal: the year of what it undoes
        region_code: str  # the region the event came from
        event_type: str
        source: str
        fact: dict[str, Any]

    @staticmethod
    def create_id(person_id: UUID) -> UUID:
        return uuid5(NAMESPACE_URL, f"/hourbank/ledger/hour-banks/{person_id}")

    @event(Opened)
    def __init__(self, person_id: UUID) -> None:
        self.person_id = person_id
        self.facts: dict[str, dict[str, Any]] = {}

    def has_recorded(self, entry_id: str) -> bool:
        return entry_id in self.facts

    def record(
        self, fact: Fact, *, study_year: int, region_code: str, event_type: str, source: str
    ) -> bool:
        """Record a fact; False (and no new event) when its event was recorded before."""
        if self.has_recorded(fact.entry_id):
            return False
        self._record(
            person_id=self.person_id,
            entry_id=fact.entry_id,
            study_year=study_year,
            region_code=region_code,
            event_type=event_type,
            source=source,
            fact=encode_fact(fact),
        )
        return True

    def recorded_facts(self) -> list[Fact]:
        return [decode_fact(record) for record in self.facts.values()]

    @event(FactRecorded)
    def _record(
        self,
        person_id: UUID,
        entry_id: str,
        study_year: int,
        region_code: str,
        event_type: str,
        source: str,
        fact: dict[str, Any],
    ) -> None:
        self.facts[entry_id] = fact
