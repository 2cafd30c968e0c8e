"""The PostgreSQL throttle store passes the same test cases as the in-memory one."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest
from psycopg import sql

from hourbank_identity.adapters.throttle_postgres import THROTTLE_TABLE, PostgresThrottleStore
from services.identity.tests.throttle_store_cases import ThrottleStoreCases


class TestPostgresThrottleStore(ThrottleStoreCases):
    @pytest.fixture
    def store(self, database_url: str, schema: str) -> Iterator[PostgresThrottleStore]:
        store = PostgresThrottleStore(database_url, schema)
        store.create_tables()
        store.create_tables()  # idempotent
        try:
            yield store
        finally:
            store.close()

    @pytest.fixture
    def stored_values(
        self, store: PostgresThrottleStore, database_url: str, schema: str
    ) -> Callable[[], list[object]]:
        table = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(THROTTLE_TABLE))

        def values() -> list[object]:
            with psycopg.connect(database_url) as conn:
                rows = conn.execute(sql.SQL("SELECT * FROM {}").format(table)).fetchall()
            return [value for row in rows for value in row]

        return values
