"""A person's hour bank: the set of facts about their study hours, each recorded once.

The bank stores facts, not running totals: credited hours, caps and verdicts are computed
from the whole set by the policy engine (``domain/policy``), so the result does not depend
on the order in which facts arrived or on how often they were delivered.

A fact is recognised twice over: by its event id (``ce_id``: a relay's re-publication) and by
its natural key, the producer (``ce_source``), the event type and the producer's own
``source_ref`` (a producer that publishes the same record again under a new id). The event
type is part of the key because a producer may give a credit and the reversal that undoes it
the same reference (a completion and its voiding).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from hourbank_ledger.domain.fact_codec import decode_fact, encode_fact
from hourbank_ledger.domain.policy import Fact


class Admission(StrEnum):
    """What the bank makes of a fact offered to it."""

    RECORDED = "recorded"
    SAME_EVENT = "same_event"  # its ce_id was recorded before
    SAME_SOURCE = "same_source"  # its natural key was recorded before, with the same content
    CONFLICTING_SOURCE = "conflicting_source"  # its natural key was recorded, content differs


def natural_key(source: str, event_type: str, source_ref: str) -> str:
    # CloudEvents source and type hold no whitespace (the envelope checks), so the key is
    # unambiguous with the free-form reference last.
    return f"{source} {event_type} {source_ref}"


class HourBank(Aggregate):
    class Opened(Aggregate.Created):
        person_id: UUID

    class FactRecorded(Aggregate.Event):
        """One fact (credit, make-up payment or reversal) from one public event."""

        # Version 2 added source_ref, the producer's reference of the fact.
        class_version = 2

        person_id: UUID
        entry_id: str
        study_year: int  # for a reversal: the year of what it undoes
        region_code: str  # the region the event came from
        event_type: str
        source: str
        source_ref: str | None  # None for facts recorded before version 2
        fact: dict[str, Any]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # The reference was not kept then: those facts are recognised by ce_id only.
            state["source_ref"] = None

    @staticmethod
    def create_id(person_id: UUID) -> UUID:
        return uuid5(NAMESPACE_URL, f"/hourbank/ledger/hour-banks/{person_id}")

    @event(Opened)
    def __init__(self, person_id: UUID) -> None:
        self.person_id = person_id
        self.facts: dict[str, dict[str, Any]] = {}
        # natural key → [entry id, study year, region code] of the fact recorded under it
        self.natural_keys: dict[str, list[Any]] = {}

    def has_recorded(self, entry_id: str) -> bool:
        return entry_id in self.facts

    def admission(
        self,
        fact: Fact,
        *,
        study_year: int,
        region_code: str,
        event_type: str,
        source: str,
        source_ref: str,
    ) -> Admission:
        """What ``record`` would make of the fact, without recording it."""
        if self.has_recorded(fact.entry_id):
            return Admission.SAME_EVENT
        earlier = self.natural_keys.get(natural_key(source, event_type, source_ref))
        if earlier is None:
            return Admission.RECORDED
        entry_id, earlier_year, earlier_region = earlier
        same = (earlier_year, earlier_region) == (study_year, region_code) and _content(
            self.facts[entry_id]
        ) == _content(encode_fact(fact))
        return Admission.SAME_SOURCE if same else Admission.CONFLICTING_SOURCE

    def entry_under(self, source: str, event_type: str, source_ref: str) -> str | None:
        """The entry id recorded under a natural key, if any."""
        earlier = self.natural_keys.get(natural_key(source, event_type, source_ref))
        return None if earlier is None else str(earlier[0])

    def record(
        self,
        fact: Fact,
        *,
        study_year: int,
        region_code: str,
        event_type: str,
        source: str,
        source_ref: str,
    ) -> Admission:
        """Record a fact unless its event or its natural key was recorded before (then no
        new event): a re-publication under a new id with the same content is a duplicate,
        with other content a conflict the caller must refuse."""
        admission = self.admission(
            fact,
            study_year=study_year,
            region_code=region_code,
            event_type=event_type,
            source=source,
            source_ref=source_ref,
        )
        if admission is Admission.RECORDED:
            self._record(
                person_id=self.person_id,
                entry_id=fact.entry_id,
                study_year=study_year,
                region_code=region_code,
                event_type=event_type,
                source=source,
                source_ref=source_ref,
                fact=encode_fact(fact),
            )
        return admission

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
        source_ref: str | None,
        fact: dict[str, Any],
    ) -> None:
        self.facts[entry_id] = fact
        if source_ref is not None:
            self.natural_keys.setdefault(
                natural_key(source, event_type, source_ref), [entry_id, study_year, region_code]
            )


def _content(record: dict[str, Any]) -> dict[str, Any]:
    """A fact's content apart from its id: what must match for a re-publication."""
    return {name: value for name, value in record.items() if name != "entry_id"}
