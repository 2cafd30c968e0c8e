"""PostgreSQL helpers shared by services."""

from __future__ import annotations

import psycopg
from psycopg import sql


def ensure_schema(database_url: str, schema: str) -> None:
    """Create the service's schema if it is missing (eventsourcing expects it to exist)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
