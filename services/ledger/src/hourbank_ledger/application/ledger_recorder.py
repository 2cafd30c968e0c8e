"""The ledger's event store: eventsourcing's process recorder, plus what a Kafka batch needs.

eventsourcing records a result with *one* tracking record in its transaction
(``insert_events(..., tracking=...)``). The ledger tracks per Kafka topic-partition (tracking
only accepts increasing positions per name), and one batch spans several partitions, so its
transaction needs one tracking record per partition. ``LedgerRecorder`` is that seam
(``docs/adr/0011-ledger-batches-on-the-public-api.md``):

- ``insert_events(stored_events, trackings=[...])`` records the events and every tracking
  record in one transaction. Each tracking record names a different upstream name, and each
  is refused unless its position is above the one recorded for its name: then the call
  raises ``IntegrityError`` and writes nothing. The keyword reaches the recorder through
  ``Application.save(*aggregates, trackings=...)``, which hands its keyword arguments on.
- ``select_events_of_many(ids)`` reads the stored events of several aggregates at once: the
  batch's hour banks in one round trip instead of one repository query each.

``InMemoryLedgerRecorder`` implements it here; ``adapters/postgres_ledger_recorder.py`` on
PostgreSQL. Both pass ``tests/ledger_recorder_cases.py``.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ProcessRecorder, ProgrammingError, StoredEvent, Tracking
from eventsourcing.popo import POPOProcessRecorder

TRACKINGS = "trackings"
"""The keyword of ``insert_events`` (and so of ``Application.save``) for the tracking records."""


class LedgerRecorder(ProcessRecorder):
    @abstractmethod
    def select_events_of_many(
        self, originator_ids: Sequence[UUID]
    ) -> Mapping[UUID, Sequence[StoredEvent]]:
        """The stored events of each aggregate that has any, by id, in version order."""


def trackings_in(insert_kwargs: Mapping[str, Any]) -> Sequence[Tracking]:
    """The tracking records an ``insert_events`` call was given, one per upstream name."""
    trackings: Sequence[Tracking] = insert_kwargs.get(TRACKINGS, ())
    names = [tracking.application_name for tracking in trackings]
    if len(set(names)) != len(names):
        # Two positions of one name in one transaction: which one counts would depend on
        # their order, so the caller must send only the highest.
        msg = f"one tracking record per upstream name in a transaction, got {names}"
        raise ProgrammingError(msg)
    return trackings


class InMemoryLedgerRecorder(POPOProcessRecorder, LedgerRecorder):
    """For unit tests and in-memory tools. eventsourcing's in-memory recorder checks and
    writes under one lock, in two steps; the tracking records join both."""

    def _assert_uniqueness(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        super()._assert_uniqueness(stored_events, **kwargs)
        for tracking in trackings_in(kwargs):
            self._assert_tracking_uniqueness(tracking)

    def _update_table(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        notification_ids = super()._update_table(stored_events, **kwargs)
        for tracking in trackings_in(kwargs):
            self._insert_tracking(tracking)
        return notification_ids

    def select_events_of_many(
        self, originator_ids: Sequence[UUID]
    ) -> Mapping[UUID, Sequence[StoredEvent]]:
        with self._database_lock:
            found = {
                originator_id: self.select_events(originator_id) for originator_id in originator_ids
            }
        return {originator_id: stored for originator_id, stored in found.items() if stored}
