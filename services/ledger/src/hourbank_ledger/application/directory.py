"""Who each person belongs to, as the ledger API needs it to authorize a read.

``PersonAffiliation`` aggregates (learnt from identity's ``PersonRegisteredV1``) are
projected into a directory view: one row per person with the region and organisations of
their current registration. ``PersonDirectory`` is what the API depends on;
``PersonDirectoryView`` is the projection's port (an upsert written with its tracking record
in one transaction), implemented in memory here and in ``adapters/postgres_directory.py``.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.popo import POPOTrackingRecorder
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from hourbank_common.access import ResourceScope
from hourbank_ledger.domain.affiliation import PersonAffiliation


class PersonDirectory(Protocol):
    def scopes(self, person_ids: Sequence[UUID]) -> dict[UUID, ResourceScope]:
        """The scope of each person found; persons the ledger has not heard of are absent."""
        ...


@dataclass(frozen=True)
class DirectoryEntry:
    person_id: UUID
    region_code: str
    organisation_ids: tuple[str, ...]
    registration_id: str
    """ce_id of the registration: breaks ties between registrations at the same time."""
    registered_at: datetime

    def scope(self) -> ResourceScope:
        return ResourceScope(
            person_id=self.person_id,
            region_code=self.region_code,
            organisation_ids=frozenset(self.organisation_ids),
        )

    def supersedes(self, other: DirectoryEntry) -> bool:
        # The same order the aggregate uses, so the view agrees with it whatever the order.
        return (self.registered_at, self.registration_id) > (
            other.registered_at,
            other.registration_id,
        )


class PersonDirectoryView(TrackingRecorder):
    @abstractmethod
    def record_registrations(self, entries: Sequence[DirectoryEntry], tracking: Tracking) -> None:
        """Keep each entry unless a later registration of its person is already kept; the
        entries (perhaps none) and the position in one transaction."""

    @abstractmethod
    def scopes(self, person_ids: Sequence[UUID]) -> dict[UUID, ResourceScope]: ...


class InMemoryPersonDirectory(POPOTrackingRecorder, PersonDirectoryView):
    """The in-memory implementation, for unit tests."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._entries: dict[UUID, DirectoryEntry] = {}

    def record_registrations(self, entries: Sequence[DirectoryEntry], tracking: Tracking) -> None:
        with self._database_lock:
            self._assert_tracking_uniqueness(tracking)
            for entry in entries:
                kept = self._entries.get(entry.person_id)
                if kept is None or entry.supersedes(kept):
                    self._entries[entry.person_id] = entry
            self._insert_tracking(tracking)

    def scopes(self, person_ids: Sequence[UUID]) -> dict[UUID, ResourceScope]:
        return {
            person_id: self._entries[person_id].scope()
            for person_id in person_ids
            if person_id in self._entries
        }


class DirectoryProjection(Projection[PersonDirectoryView]):
    name = "ledger_directory"
    # Only registrations are read from the event store, not the far more numerous facts.
    topics = (get_topic(PersonAffiliation.Registered),)

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """eventsourcing's one-event entry point (its ``ProjectionRunner``): a page of one."""
        self.project_page([domain_event], tracking)

    def project_page(self, domain_events: Sequence[object], tracking: Tracking) -> None:
        """A page of events and its position in one transaction (see paged_projection)."""
        self.view.record_registrations(
            [
                directory_entry(e)
                for e in domain_events
                if isinstance(e, PersonAffiliation.Registered)
            ],
            tracking,
        )


def directory_entry(registered: PersonAffiliation.Registered) -> DirectoryEntry:
    return DirectoryEntry(
        person_id=registered.person_id,
        region_code=registered.region_code,
        organisation_ids=tuple(registered.organisation_ids),
        registration_id=registered.registration_id,
        registered_at=registered.occurred_at,
    )
