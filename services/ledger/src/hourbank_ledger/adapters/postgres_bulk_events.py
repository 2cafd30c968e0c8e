"""Reading the stored events of many aggregates in one query.

The consumer needs the hour bank of every person in a Kafka batch (up to 500) before it
applies the batch; eventsourcing's repository reads one aggregate per query, and those
round trips were 90 % of the consumer's policy time (docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder
from psycopg.sql import SQL, Identifier


class PostgresEventsOfMany:
    def __init__(self, recorder: PostgresAggregateRecorder) -> None:
        self._recorder = recorder
        # The events table's primary key is (originator_id, originator_version): an index
        # scan per id, already in the order an aggregate is rebuilt in.
        self._statement = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {}.{}"
            " WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version"
        ).format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))

    def __call__(self, originator_ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        found: dict[UUID, list[StoredEvent]] = {}
        if not originator_ids:
            return found
        with self._recorder.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._statement, (list(originator_ids),), prepare=True)
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
