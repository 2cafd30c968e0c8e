"""A person's hour bank: every credited fact, each counted once.

The aggregate remembers which public events it applied (their ``ce_id``), so a fact that
arrives twice, from a redelivery or a relay re-publishing its tail, changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event


@dataclass(frozen=True)
class Entry:
    entry_id: str
    event_type: str
    source: str
    source_ref: str
    region_code: str
    study_year: int
    subject: str
    hours: Decimal
    occurred_at: datetime


class HourBank(Aggregate):
    class Opened(Aggregate.Created):
        person_id: UUID

    class HoursCredited(Aggregate.Event):
        """Hours from one public event were credited to the bank."""

        person_id: UUID
        entry_id: str
        event_type: str
        source: str
        source_ref: str
        region_code: str
        study_year: int
        subject: str
        hours: Decimal
        occurred_at: datetime

    class MakeupYearOpened(Aggregate.Event):
        """A make-up payment opened a past year for make-up credit."""

        entry_id: str
        region_code: str
        study_year: int
        source_ref: str
        occurred_at: datetime

    @staticmethod
    def create_id(person_id: UUID) -> UUID:
        return uuid5(NAMESPACE_URL, f"/hourbank/ledger/hour-banks/{person_id}")

    @event(Opened)
    def __init__(self, person_id: UUID) -> None:
        self.person_id = person_id
        self.entries: dict[str, Entry] = {}
        self.makeup_years: dict[int, str] = {}
        self.applied_event_ids: set[str] = set()

    def has_applied(self, entry_id: str) -> bool:
        return entry_id in self.applied_event_ids

    def credit(self, entry: Entry) -> bool:
        """Credit an entry; False (and no new event) when its event was applied before."""
        if self.has_applied(entry.entry_id):
            return False
        self._credit(
            person_id=self.person_id,
            entry_id=entry.entry_id,
            event_type=entry.event_type,
            source=entry.source,
            source_ref=entry.source_ref,
            region_code=entry.region_code,
            study_year=entry.study_year,
            subject=entry.subject,
            hours=entry.hours,
            occurred_at=entry.occurred_at,
        )
        return True

    def open_makeup_year(
        self,
        *,
        entry_id: str,
        region_code: str,
        study_year: int,
        source_ref: str,
        occurred_at: datetime,
    ) -> bool:
        if self.has_applied(entry_id):
            return False
        self._open_makeup_year(
            entry_id=entry_id,
            region_code=region_code,
            study_year=study_year,
            source_ref=source_ref,
            occurred_at=occurred_at,
        )
        return True

    @event(HoursCredited)
    def _credit(
        self,
        person_id: UUID,
        entry_id: str,
        event_type: str,
        source: str,
        source_ref: str,
        region_code: str,
        study_year: int,
        subject: str,
        hours: Decimal,
        occurred_at: datetime,
    ) -> None:
        self.entries[entry_id] = Entry(
            entry_id,
            event_type,
            source,
            source_ref,
            region_code,
            study_year,
            subject,
            hours,
            occurred_at,
        )
        self.applied_event_ids.add(entry_id)

    @event(MakeupYearOpened)
    def _open_makeup_year(
        self,
        entry_id: str,
        region_code: str,
        study_year: int,
        source_ref: str,
        occurred_at: datetime,
    ) -> None:
        self.makeup_years[study_year] = source_ref
        self.applied_event_ids.add(entry_id)

    def hours_by_subject(self, study_year: int) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for entry in self.entries.values():
            if entry.study_year == study_year:
                totals[entry.subject] = totals.get(entry.subject, Decimal(0)) + entry.hours
        return totals
