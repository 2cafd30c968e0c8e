"""The ledger's event store on PostgreSQL (the ``LedgerRecorder`` port).

eventsourcing's ``PostgresProcessRecorder`` writes its one tracking record from the hook
``_insert_events``, which ``insert_events`` calls inside its transaction before the events
are inserted under the table lock. This recorder writes each of the batch's tracking records
from the same hook, with the library's own tracking statement, so they commit or roll back
with the events. It is chosen through eventsourcing's ``PROCESS_RECORDER_TOPIC`` setting
(``bootstrap.build_ledger``). The hook is the library's, not ours, so the port's contract
test runs against this class (``tests/integration/test_postgres_ledger_recorder.py``) and
the dependency stays pinned to eventsourcing 9.5.x.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ProgrammingError, StoredEvent
from eventsourcing.postgres import PostgresDatastore, PostgresProcessRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from hourbank_ledger.application.ledger_recorder import LedgerRecorder, trackings_in


class PostgresLedgerRecorder(PostgresProcessRecorder, LedgerRecorder):
    def __init__(
        self,
        datastore: PostgresDatastore,
        *,
        events_table_name: str = "stored_events",
        tracking_table_name: str = "notification_tracking",
    ) -> None:
        # Multi-row tracking accepts a lower position that it has not seen, and the stored
        # functions path inserts events without calling the tracking hook: with either,
        # a tracking record would no longer refuse a batch that was already applied.
        if not datastore.single_row_tracking or datastore.enable_db_functions:
            msg = "the ledger needs single-row tracking and no stored insert functions"
            raise ProgrammingError(msg)
        super().__init__(
            datastore,
            events_table_name=events_table_name,
            tracking_table_name=tracking_table_name,
        )
        # The events table's primary key is (originator_id, originator_version): an index
        # scan per id, already in the order an aggregate is rebuilt in.
        self._select_events_of_many = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {}.{}"
            " WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version"
        ).format(Identifier(datastore.schema), Identifier(events_table_name))

    def _insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        for tracking in trackings_in(kwargs):
            # Raises IntegrityError unless the position is above the recorded one; the
            # transaction around this hook then rolls back, events and all.
            self._insert_tracking(curs, tracking)
        super()._insert_events(curs, stored_events, **kwargs)

    def select_events_of_many(
        self, originator_ids: Sequence[UUID]
    ) -> Mapping[UUID, Sequence[StoredEvent]]:
        found: dict[UUID, list[StoredEvent]] = {}
        if not originator_ids:
            return found
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_events_of_many, (list(originator_ids),), prepare=True)
            for row in curs.fetchall():
                found.setdefault(row["originator_id"], []).append(
                    StoredEvent(
                        originator_id=row["originator_id"],
                        originator_version=row["originator_version"],
                        topic=row["topic"],
                        state=bytes(row["state"]),
                    )
                )
        return found
