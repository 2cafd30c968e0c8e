"""Reading the ledger's own tables in tests: what was applied, and how far it consumed."""

from __future__ import annotations

import psycopg
from psycopg import sql

from hourbank_ledger.domain.hour_bank import HourBank

FACT_RECORDED_TOPIC = f"{HourBank.FactRecorded.__module__}:{HourBank.FactRecorded.__qualname__}"


class LedgerTables:
    def __init__(self, database_url: str, schema: str) -> None:
        self.database_url = database_url
        self.schema = schema

    def _scalar(self, query: sql.Composed, params: tuple[object, ...] = ()) -> int:
        try:
            with psycopg.connect(self.database_url) as conn:
                row = conn.execute(query, params).fetchone()
        except psycopg.errors.UndefinedTable:
            return 0  # the service has not created its tables yet
        return int(row[0]) if row and row[0] is not None else 0

    def consumed(self, topic: str) -> int:
        """Messages of ``topic`` the ledger has recorded (sum of per-partition positions)."""
        return self._scalar(
            sql.SQL(
                "SELECT sum(notification_id) FROM {}.ledger_tracking WHERE application_name LIKE %s"
            ).format(sql.Identifier(self.schema)),
            (f"{topic}:%",),
        )

    def recorded_facts(self) -> int:
        return self._scalar(
            sql.SQL("SELECT count(*) FROM {}.ledger_events WHERE topic = %s").format(
                sql.Identifier(self.schema)
            ),
            (FACT_RECORDED_TOPIC,),
        )

    def distinct_recorded_entries(self) -> int:
        """Distinct ce_ids among credited events (state is JSON with an entry_id field)."""
        return self._scalar(
            sql.SQL(
                "SELECT count(DISTINCT convert_from(state, 'UTF8')::jsonb ->> 'entry_id')"
                " FROM {}.ledger_events WHERE topic = %s"
            ).format(sql.Identifier(self.schema)),
            (FACT_RECORDED_TOPIC,),
        )

    def recorded_entry_ids(self) -> set[str]:
        """The ce_ids of the credited events (their entry ids)."""
        query = sql.SQL(
            "SELECT convert_from(state, 'UTF8')::jsonb ->> 'entry_id'"
            " FROM {}.ledger_events WHERE topic = %s"
        ).format(sql.Identifier(self.schema))
        try:
            with psycopg.connect(self.database_url) as conn:
                rows = conn.execute(query, (FACT_RECORDED_TOPIC,)).fetchall()
        except psycopg.errors.UndefinedTable:
            return set()
        return {str(row[0]) for row in rows}

    def read_model_rows(self) -> int:
        return self._scalar(
            sql.SQL("SELECT count(*) FROM {}.ledger_facts").format(sql.Identifier(self.schema))
        )
