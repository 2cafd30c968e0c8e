"""PostgreSQL helpers shared by services."""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Callable, Iterator

import psycopg
from psycopg import sql


def ensure_schema(database_url: str, schema: str) -> None:
    """Create the service's schema if it is missing (eventsourcing expects it to exist)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))


@contextlib.contextmanager
def table_creation_lock(database_url: str, schema: str) -> Iterator[None]:
    """Hold a per-schema advisory lock while a process creates its tables.

    Several processes (consumer, projector, API) start together and eventsourcing creates
    the same tables from each; its tracking-table set-up inserts a marker row that a
    concurrent creator would insert twice. Serialising creation per schema avoids that race.
    """
    key = zlib.crc32(f"hourbank-ddl:{schema}".encode())
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (key,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


READINESS_CONNECT_TIMEOUT_SECONDS = 2


def database_answers(database_url: str) -> Callable[[], None]:
    """A readiness check: a fresh connection (not one from a pool, which may hold connections
    the server dropped) runs ``SELECT 1`` within a short timeout."""

    def check() -> None:
        with psycopg.connect(
            database_url, autocommit=True, connect_timeout=READINESS_CONNECT_TIMEOUT_SECONDS
        ) as conn:
            conn.execute("SELECT 1")

    return check
