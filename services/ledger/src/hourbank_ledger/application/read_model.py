"""The read model the ledger API serves, projected from the ledger's own event store.

``HourBankView`` is the port; ``adapters/postgres_view.py`` and ``InMemoryHourBankView``
implement it. Each update is written with its tracking record in one transaction.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.popo import POPOTrackingRecorder
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from hourbank_ledger.domain.hour_bank import HourBank


@dataclass(frozen=True)
class EntryRow:
    entry_id: str
    person_id: UUID
    event_type: str
    source: str
    source_ref: str
    region_code: str
    study_year: int
    subject: str
    hours: Decimal
    occurred_at: datetime


@dataclass(frozen=True)
class EntryPage:
    entries: list[EntryRow]
    total: int


class HourBankView(TrackingRecorder):
    @abstractmethod
    def add_entry(self, row: EntryRow, tracking: Tracking) -> None: ...

    @abstractmethod
    def hours_by_subject(self, person_id: UUID, study_year: int) -> dict[str, Decimal]: ...

    @abstractmethod
    def entries(
        self, person_id: UUID, study_year: int, *, limit: int, offset: int
    ) -> EntryPage: ...


class InMemoryHourBankView(POPOTrackingRecorder, HourBankView):
    """The in-memory implementation, for unit tests and the what-if tools."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rows: dict[str, EntryRow] = {}

    def add_entry(self, row: EntryRow, tracking: Tracking) -> None:
        with self._database_lock:
            self._assert_tracking_uniqueness(tracking)
            # Keyed by entry id: the same entry projected twice stays one row.
            self._rows.setdefault(row.entry_id, row)
            self._insert_tracking(tracking)

    def hours_by_subject(self, person_id: UUID, study_year: int) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for row in self._select(person_id, study_year):
            totals[row.subject] = totals.get(row.subject, Decimal(0)) + row.hours
        return totals

    def entries(self, person_id: UUID, study_year: int, *, limit: int, offset: int) -> EntryPage:
        rows = self._select(person_id, study_year)
        return EntryPage(rows[offset : offset + limit], len(rows))

    def _select(self, person_id: UUID, study_year: int) -> list[EntryRow]:
        rows = [
            r
            for r in self._rows.values()
            if r.person_id == person_id and r.study_year == study_year
        ]
        return sorted(rows, key=lambda r: (r.occurred_at, r.entry_id))


class HourBankProjection(Projection[HourBankView]):
    name = "ledger_read_model"
    # Only what the view shows is read from the event store.
    topics = (get_topic(HourBank.HoursCredited),)

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @process_event.register
    def _(self, domain_event: HourBank.HoursCredited, tracking: Tracking) -> None:
        self.view.add_entry(
            EntryRow(
                entry_id=domain_event.entry_id,
                person_id=domain_event.person_id,
                event_type=domain_event.event_type,
                source=domain_event.source,
                source_ref=domain_event.source_ref,
                region_code=domain_event.region_code,
                study_year=domain_event.study_year,
                subject=domain_event.subject,
                hours=domain_event.hours,
                occurred_at=domain_event.occurred_at,
            ),
            tracking,
        )
