"""PostgreSQL implementation of the hour-bank read model."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier
from psycopg.types.json import Jsonb, set_json_loads
from pydantic_core import from_json

from hourbank_ledger.application.read_model import FactRow, HourBankView


class PostgresHourBankView(PostgresTrackingRecorder, HourBankView):
    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        schema = Identifier(self.datastore.schema)
        self.facts_table = SQL("{}.{}").format(schema, Identifier("ledger_facts"))
        self.tracking_table = SQL("{}.{}").format(schema, Identifier(self.tracking_table_name))
        self.sql_create_statements.extend(
            [
                SQL(
                    "CREATE TABLE IF NOT EXISTS {} ("
                    " entry_id text PRIMARY KEY,"
                    " person_id uuid NOT NULL,"
                    " study_year smallint NOT NULL,"
                    " region_code char(6) NOT NULL,"
                    " event_type text NOT NULL,"
                    " source text NOT NULL,"
                    " recorded_at timestamptz NOT NULL,"
                    " fact jsonb NOT NULL)"
                ).format(self.facts_table),
                SQL(
                    "CREATE INDEX IF NOT EXISTS ledger_facts_person_year"
                    " ON {} (person_id, study_year)"
                ).format(self.facts_table),
            ]
        )

    def add_fact(self, row: FactRow, tracking: Tracking) -> None:
        self.add_facts([row], tracking)

    def add_facts(self, rows: Sequence[FactRow], tracking: Tracking) -> None:
        with (
            self.datastore.get_connection() as conn,
            # Pipelined: BEGIN, the inserts and the tracking upsert go in one round trip
            # instead of one each, so a page costs one wait on the server, not one per row.
            conn.pipeline(),
            conn.transaction(),
            conn.cursor() as curs,
            # Its own cursor: in a pipeline, the tracking upsert's fetchone() would
            # otherwise read the executemany()'s results.
            conn.cursor() as tracking_curs,
        ):
            # Asynchronous commit: the read model is derived data whose rows and position
            # commit together, so a server crash can only lose a suffix of whole
            # transactions, and the projector re-projects them from the event store. Not
            # waiting for each WAL flush is what made one-event transactions expensive.
            curs.execute("SET LOCAL synchronous_commit TO off")
            curs.executemany(
                SQL(
                    "INSERT INTO {} VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT (entry_id) DO NOTHING"
                ).format(self.facts_table),
                [
                    (
                        row.entry_id,
                        row.person_id,
                        row.study_year,
                        row.region_code,
                        row.event_type,
                        row.source,
                        row.recorded_at,
                        Jsonb(row.fact),
                    )
                    for row in rows
                ],
            )
            self._insert_tracking(tracking_curs, tracking)

    def facts_for(self, person_ids: Iterable[UUID], study_year: int) -> dict[UUID, list[FactRow]]:
        ids = list(person_ids)
        # Tuples, not eventsourcing's default dict rows: a 1,000-person batch reads thousands
        # of rows, and building a dict per row showed in its profile (docs/benchmarks.md).
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            # jsonb parsed by pydantic-core (Rust) instead of the json module: parsing the
            # facts' JSON is a visible share of a large batch query.
            set_json_loads(from_json, curs)
            curs.execute(
                SQL(
                    "SELECT entry_id, person_id, study_year, region_code, event_type, source,"
                    " recorded_at, fact FROM {} WHERE person_id = ANY(%s) AND study_year = %s"
                    " ORDER BY entry_id"
                ).format(self.facts_table),
                (ids, study_year),
                prepare=True,
            )
            rows = curs.fetchall()
        found: dict[UUID, list[FactRow]] = {}
        for entry_id, person_id, year, region_code, event_type, source, recorded_at, fact in rows:
            found.setdefault(person_id, []).append(
                FactRow(
                    entry_id, person_id, year, region_code, event_type, source, recorded_at, fact
                )
            )
        return found

    def clear(self) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("TRUNCATE {}").format(self.facts_table))
            # Keep eventsourcing's own migration marker row; drop only real positions.
            curs.execute(
                SQL("DELETE FROM {} WHERE application_name <> %s").format(self.tracking_table),
                (self.table_migration_identifier,),
            )
