"""PostgreSQL store of failed credential attempts (``application/login_throttle.py``).

One row per key (a keyed hash, never a login or an address in clear): the number of
failures and the time of the last one. Every API replica counts in the same rows; each
failure is one atomic upsert, so concurrent attempts from several replicas are all counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow
from psycopg_pool import ConnectionPool

THROTTLE_TABLE = "identity_login_throttle"

Pool = ConnectionPool[psycopg.Connection[TupleRow]]


class PostgresThrottleStore:
    """``pool`` is a ``ConnectionPool`` shared with the caller, or a conninfo string, in which
    case the store opens (and :meth:`close` closes) a small pool of its own."""

    def __init__(self, pool: Pool | str, schema: str = "public") -> None:
        self._schema = schema
        if isinstance(pool, str):
            self._pool: Pool = ConnectionPool(pool, min_size=1, max_size=4, open=True)
            self._owns_pool = True
        else:
            self._pool = pool
            self._owns_pool = False
        self._table = sql.SQL("{}.{}").format(
            sql.Identifier(schema), sql.Identifier(THROTTLE_TABLE)
        )

    def close(self) -> None:
        if self._owns_pool:
            self._pool.close()

    def create_tables(self) -> None:
        """Idempotent; hold ``hourbank_common.postgres.table_creation_lock`` around it."""
        with self._pool.connection() as conn, conn.transaction():
            conn.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self._schema))
            )
            conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} ("
                    " key text PRIMARY KEY,"
                    " failures integer NOT NULL,"
                    " last_failure timestamptz NOT NULL)"
                ).format(self._table)
            )

    def counts(self, keys: Sequence[str]) -> dict[str, tuple[int, datetime]]:
        if not keys:
            return {}
        with self._pool.connection() as conn:
            rows = conn.execute(
                sql.SQL("SELECT key, failures, last_failure FROM {} WHERE key = ANY(%s)").format(
                    self._table
                ),
                (list(keys),),
            ).fetchall()
        return {str(key): (int(failures), last) for key, failures, last in rows}

    def record_failures(self, forget_before: Mapping[str, datetime], now: datetime) -> None:
        statement = sql.SQL(
            "INSERT INTO {table} AS t (key, failures, last_failure) VALUES (%s, 1, %s)"
            " ON CONFLICT (key) DO UPDATE SET"
            " failures = CASE WHEN t.last_failure < %s THEN 1 ELSE t.failures + 1 END,"
            " last_failure = GREATEST(t.last_failure, EXCLUDED.last_failure)"
        ).format(table=self._table)
        # Keys in one order in every transaction: concurrent attempts cannot deadlock.
        params = [(key, now, forget_before[key]) for key in sorted(forget_before)]
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cursor:
            cursor.executemany(statement, params)

    def forget(self, keys: Sequence[str]) -> None:
        if not keys:
            return
        with self._pool.connection() as conn:
            conn.execute(
                sql.SQL("DELETE FROM {} WHERE key = ANY(%s)").format(self._table), (list(keys),)
            )

    def purge(self, older_than: datetime) -> int:
        with self._pool.connection() as conn:
            return conn.execute(
                sql.SQL("DELETE FROM {} WHERE last_failure < %s").format(self._table),
                (older_than,),
            ).rowcount
