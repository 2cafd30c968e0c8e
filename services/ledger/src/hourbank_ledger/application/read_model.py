"""The read model the ledger API serves, projected from the ledger's own event store.

It keeps every recorded fact per person and year; the API evaluates them with the policy
engine at query time, so caps and verdicts are always computed from the whole set.
``HourBankView`` is the port; ``adapters/postgres_view.py`` and ``InMemoryHourBankView``
implement it. Each update is written with its tracking record in one transaction.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.popo import POPOTrackingRecorder
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from hourbank_ledger.domain.fact_codec import decode_fact
from hourbank_ledger.domain.hour_bank import HourBank
from hourbank_ledger.domain.policy import Fact


@dataclass(frozen=True)
class FactRow:
    entry_id: str
    person_id: UUID
    study_year: int
    region_code: str
    event_type: str
    source: str
    recorded_at: datetime
    fact: dict[str, Any]

    def decoded(self) -> Fact:
        return decode_fact(self.fact)


class HourBankView(TrackingRecorder):
    @abstractmethod
    def add_facts(self, rows: Sequence[FactRow], tracking: Tracking) -> None:
        """Several rows (perhaps none) and a position, in one transaction."""

    @abstractmethod
    def facts_for(self, person_ids: Iterable[UUID], study_year: int) -> dict[UUID, list[FactRow]]:
        """Every fact of each person for the year (persons without facts are absent)."""

    @abstractmethod
    def clear(self) -> None:
        """Drop every row and tracking record (for a rebuild from the event store)."""


class InMemoryHourBankView(POPOTrackingRecorder, HourBankView):
    """The in-memory implementation, for unit tests and the what-if tools."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rows: dict[str, FactRow] = {}

    def add_facts(self, rows: Sequence[FactRow], tracking: Tracking) -> None:
        with self._database_lock:
            self._assert_tracking_uniqueness(tracking)
            for row in rows:
                # Keyed by entry id: the same fact projected twice stays one row.
                self._rows.setdefault(row.entry_id, row)
            self._insert_tracking(tracking)

    def facts_for(self, person_ids: Iterable[UUID], study_year: int) -> dict[UUID, list[FactRow]]:
        wanted = set(person_ids)
        found: dict[UUID, list[FactRow]] = {}
        for row in sorted(self._rows.values(), key=lambda r: r.entry_id):
            if row.person_id in wanted and row.study_year == study_year:
                found.setdefault(row.person_id, []).append(row)
        return found

    def clear(self) -> None:
        with self._database_lock:
            self._rows.clear()
            self._max_tracking_ids.clear()


class HourBankProjection(Projection[HourBankView]):
    name = "ledger_read_model"
    # Only what the view shows is read from the event store.
    topics = (get_topic(HourBank.FactRecorded),)

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """eventsourcing's one-event entry point (its ``ProjectionRunner``): a page of one."""
        self.project_page([domain_event], tracking)

    def project_page(self, domain_events: Sequence[object], tracking: Tracking) -> None:
        """A page of events and its position in one transaction (see paged_projection)."""
        self.view.add_facts(
            [fact_row(e) for e in domain_events if isinstance(e, HourBank.FactRecorded)],
            tracking,
        )


def fact_row(recorded: HourBank.FactRecorded) -> FactRow:
    """The row the read model keeps for one recorded fact."""
    return FactRow(
        entry_id=recorded.entry_id,
        person_id=recorded.person_id,
        study_year=recorded.study_year,
        region_code=recorded.region_code,
        event_type=recorded.event_type,
        source=recorded.source,
        recorded_at=recorded.timestamp,
        fact=recorded.fact,
    )
