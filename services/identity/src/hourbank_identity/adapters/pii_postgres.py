"""PostgreSQL implementation of the PII vault (see ``application/pii_vault.py`` for the design).

Erasure deletes the wrapped data key and clears the lookup hash in one transaction. The
deleted key row lingers in dead tuples until VACUUM and in WAL and backups for as long as
they are kept: backups of ``identity_person_keys`` must expire within the erasure deadline
(or the keys be kept in a separate store with that retention).
"""

from __future__ import annotations

import zlib
from types import TracebackType
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow
from psycopg_pool import ConnectionPool

from hourbank_identity.application.pii_vault import PersonIdInUse, PiiCipher, PiiVaultError
from hourbank_identity.domain.national_id import NationalId

PII_TABLE = "identity_pii"
KEYS_TABLE = "identity_person_keys"
_CLAIM_ATTEMPTS = 3

Pool = ConnectionPool[psycopg.Connection[TupleRow]]


class PostgresPiiVault:
    """``pool`` is a psycopg_pool ``ConnectionPool`` shared with the caller, or a conninfo
    string, in which case the vault opens (and :meth:`close` closes) a small pool of its own.
    """

    def __init__(self, cipher: PiiCipher, pool: Pool | str, schema: str = "public") -> None:
        self._cipher = cipher
        self._schema = schema
        if isinstance(pool, str):
            self._pool: Pool = ConnectionPool(pool, min_size=1, max_size=4, open=True)
            self._owns_pool = True
        else:
            self._pool = pool
            self._owns_pool = False
        ident = sql.Identifier
        self._pii = sql.SQL("{}.{}").format(ident(schema), ident(PII_TABLE))
        self._keys = sql.SQL("{}.{}").format(ident(schema), ident(KEYS_TABLE))

    def close(self) -> None:
        if self._owns_pool:
            self._pool.close()

    def __enter__(self) -> PostgresPiiVault:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def create_tables(self) -> None:
        # Same advisory-lock key as hourbank_common.postgres.table_creation_lock, so that
        # processes creating tables in this schema at the same moment take turns.
        lock_key = zlib.crc32(f"hourbank-ddl:{self._schema}".encode())
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key,))
            conn.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self._schema))
            )
            conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} ("
                    " person_id uuid PRIMARY KEY,"
                    " lookup_hash text UNIQUE NULL,"
                    " id_ciphertext bytea NOT NULL,"
                    " created_at timestamptz NOT NULL DEFAULT now())"
                ).format(self._pii)
            )
            conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} ("
                    " person_id uuid PRIMARY KEY REFERENCES {} (person_id),"
                    " wrapped_key bytea NOT NULL)"
                ).format(self._keys, self._pii)
            )

    def claim(self, national_id: NationalId, candidate_person_id: UUID) -> tuple[UUID, bool]:
        sealed = self._cipher.seal_new(candidate_person_id, national_id)
        # A concurrent claim of the same number makes our INSERT wait for the other
        # transaction and then do nothing; the SELECT (a new snapshot under READ COMMITTED)
        # then sees the winner. Only if the winner is erased in between is there nothing
        # to find, and a new attempt claims the number afresh.
        for _ in range(_CLAIM_ATTEMPTS):
            try:
                with self._pool.connection() as conn, conn.transaction():
                    inserted = conn.execute(
                        sql.SQL(
                            "INSERT INTO {} (person_id, lookup_hash, id_ciphertext)"
                            " VALUES (%s, %s, %s)"
                            " ON CONFLICT (lookup_hash) DO NOTHING RETURNING person_id"
                        ).format(self._pii),
                        (candidate_person_id, sealed.lookup_hash, sealed.id_ciphertext),
                    ).fetchone()
                    if inserted is not None:
                        conn.execute(
                            sql.SQL(
                                "INSERT INTO {} (person_id, wrapped_key) VALUES (%s, %s)"
                            ).format(self._keys),
                            (candidate_person_id, sealed.wrapped_key),
                        )
                        return candidate_person_id, True
                    holder = conn.execute(
                        sql.SQL("SELECT person_id FROM {} WHERE lookup_hash = %s").format(
                            self._pii
                        ),
                        (sealed.lookup_hash,),
                    ).fetchone()
                    if holder is not None:
                        person_id: UUID = holder[0]
                        return person_id, False
            except psycopg.errors.UniqueViolation:
                # Not the lookup hash (ON CONFLICT covers it): the person id is taken.
                raise PersonIdInUse("the candidate person id already holds an ID number") from None
        raise PiiVaultError("could not claim the ID number: its holder kept changing")

    def find(self, national_id: NationalId) -> UUID | None:
        with self._pool.connection() as conn:
            row = conn.execute(
                sql.SQL("SELECT person_id FROM {} WHERE lookup_hash = %s").format(self._pii),
                (self._cipher.lookup_hash(national_id),),
            ).fetchone()
        if row is None:
            return None
        person_id: UUID = row[0]
        return person_id

    def reveal(self, person_id: UUID) -> NationalId | None:
        with self._pool.connection() as conn:
            row = conn.execute(
                sql.SQL(
                    "SELECT p.id_ciphertext, k.wrapped_key FROM {} p"
                    " JOIN {} k USING (person_id) WHERE p.person_id = %s"
                ).format(self._pii, self._keys),
                (person_id,),
            ).fetchone()
        if row is None:
            return None
        return self._cipher.open_record(person_id, bytes(row[1]), bytes(row[0]))

    def masked(self, person_id: UUID) -> str | None:
        national_id = self.reveal(person_id)
        return None if national_id is None else national_id.masked()

    def erase(self, person_id: UUID) -> bool:
        with self._pool.connection() as conn, conn.transaction():
            keys = conn.execute(
                sql.SQL("DELETE FROM {} WHERE person_id = %s").format(self._keys), (person_id,)
            ).rowcount
            hashes = conn.execute(
                sql.SQL(
                    "UPDATE {} SET lookup_hash = NULL"
                    " WHERE person_id = %s AND lookup_hash IS NOT NULL"
                ).format(self._pii),
                (person_id,),
            ).rowcount
        return keys + hashes > 0

    def is_erased(self, person_id: UUID) -> bool:
        with self._pool.connection() as conn:
            row = conn.execute(
                sql.SQL(
                    "SELECT NOT EXISTS (SELECT 1 FROM {} WHERE person_id = %s)"
                    " FROM {} WHERE person_id = %s"
                ).format(self._keys, self._pii),
                (person_id, person_id),
            ).fetchone()
        return bool(row[0]) if row is not None else False
