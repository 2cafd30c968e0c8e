"""PostgreSQL implementation of the hour-bank read model."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg.sql import SQL, Identifier

from hourbank_ledger.application.read_model import EntryPage, EntryRow, HourBankView


class PostgresHourBankView(PostgresTrackingRecorder, HourBankView):
    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        schema = Identifier(self.datastore.schema)
        self.entries_table = SQL("{}.{}").format(schema, Identifier("ledger_entries"))
        self.sql_create_statements.extend(
            [
                SQL(
                    "CREATE TABLE IF NOT EXISTS {} ("
                    " entry_id text PRIMARY KEY,"
                    " person_id uuid NOT NULL,"
                    " event_type text NOT NULL,"
                    " source text NOT NULL,"
                    " source_ref text NOT NULL,"
                    " region_code char(6) NOT NULL,"
                    " study_year smallint NOT NULL,"
                    " subject text NOT NULL,"
                    " hours numeric(8, 2) NOT NULL,"
                    " occurred_at timestamptz NOT NULL)"
                ).format(self.entries_table),
                SQL(
                    "CREATE INDEX IF NOT EXISTS ledger_entries_person_year"
                    " ON {} (person_id, study_year, occurred_at, entry_id)"
                ).format(self.entries_table),
            ]
        )

    def add_entry(self, row: EntryRow, tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                SQL(
                    "INSERT INTO {} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT (entry_id) DO NOTHING"
                ).format(self.entries_table),
                (
                    row.entry_id,
                    row.person_id,
                    row.event_type,
                    row.source,
                    row.source_ref,
                    row.region_code,
                    row.study_year,
                    row.subject,
                    row.hours,
                    row.occurred_at,
                ),
                prepare=True,
            )
            self._insert_tracking(curs, tracking)

    def hours_by_subject(self, person_id: UUID, study_year: int) -> dict[str, Decimal]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(
                    "SELECT subject, sum(hours) AS hours FROM {}"
                    " WHERE person_id = %s AND study_year = %s GROUP BY subject"
                ).format(self.entries_table),
                (person_id, study_year),
                prepare=True,
            )
            return {r["subject"]: Decimal(r["hours"]) for r in curs.fetchall()}

    def entries(self, person_id: UUID, study_year: int, *, limit: int, offset: int) -> EntryPage:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(
                    "SELECT *, count(*) OVER () AS total FROM {}"
                    " WHERE person_id = %s AND study_year = %s"
                    " ORDER BY occurred_at, entry_id LIMIT %s OFFSET %s"
                ).format(self.entries_table),
                (person_id, study_year, limit, offset),
                prepare=True,
            )
            rows = curs.fetchall()
        if not rows and offset:
            total = self._count(person_id, study_year)
        else:
            total = rows[0]["total"] if rows else 0
        return EntryPage(
            [
                EntryRow(
                    entry_id=r["entry_id"],
                    person_id=r["person_id"],
                    event_type=r["event_type"],
                    source=r["source"],
                    source_ref=r["source_ref"],
                    region_code=r["region_code"],
                    study_year=r["study_year"],
                    subject=r["subject"],
                    hours=Decimal(r["hours"]),
                    occurred_at=r["occurred_at"],
                )
                for r in rows
            ],
            total,
        )

    def _count(self, person_id: UUID, study_year: int) -> int:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL("SELECT count(*) AS n FROM {} WHERE person_id = %s AND study_year = %s").format(
                    self.entries_table
                ),
                (person_id, study_year),
            )
            row = curs.fetchone()
            return int(row["n"]) if row else 0
