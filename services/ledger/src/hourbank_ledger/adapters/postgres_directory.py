"""PostgreSQL implementation of the person directory (table ``ledger_person_directory``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg.sql import SQL, Identifier

from hourbank_common.access import ResourceScope
from hourbank_ledger.application.directory import DirectoryEntry, PersonDirectoryView


class PostgresPersonDirectory(PostgresTrackingRecorder, PersonDirectoryView):
    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        schema = Identifier(self.datastore.schema)
        self.directory_table = SQL("{}.{}").format(schema, Identifier("ledger_person_directory"))
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {} ("
                " person_id uuid PRIMARY KEY,"
                " region_code text NOT NULL,"
                " organisation_ids text[] NOT NULL,"
                " registration_id text NOT NULL,"
                " registered_at timestamptz NOT NULL)"
            ).format(self.directory_table)
        )

    def record_registrations(self, entries: Sequence[DirectoryEntry], tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as curs:
            # An older registration arriving late leaves the kept one in place (the WHERE of
            # the upsert), with the same order as the aggregate: time, then event id.
            curs.executemany(
                SQL(
                    "INSERT INTO {table} AS d VALUES (%s, %s, %s, %s, %s)"
                    " ON CONFLICT (person_id) DO UPDATE SET"
                    " region_code = excluded.region_code,"
                    " organisation_ids = excluded.organisation_ids,"
                    " registration_id = excluded.registration_id,"
                    " registered_at = excluded.registered_at"
                    # COLLATE "C": compare ids by code point, as Python does.
                    ' WHERE (d.registered_at, d.registration_id COLLATE "C")'
                    ' < (excluded.registered_at, excluded.registration_id COLLATE "C")'
                ).format(table=self.directory_table),
                [
                    (
                        entry.person_id,
                        entry.region_code,
                        list(entry.organisation_ids),
                        entry.registration_id,
                        entry.registered_at,
                    )
                    for entry in entries
                ],
            )
            self._insert_tracking(curs, tracking)

    def scopes(self, person_ids: Sequence[UUID]) -> dict[UUID, ResourceScope]:
        # One round trip for a whole batch (up to 1,000 persons).
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(
                    "SELECT person_id, region_code, organisation_ids FROM {}"
                    " WHERE person_id = ANY(%s)"
                ).format(self.directory_table),
                (list(person_ids),),
                prepare=True,
            )
            rows = curs.fetchall()
        return {
            r["person_id"]: ResourceScope(
                person_id=r["person_id"],
                region_code=r["region_code"],
                organisation_ids=frozenset(r["organisation_ids"]),
            )
            for r in rows
        }
