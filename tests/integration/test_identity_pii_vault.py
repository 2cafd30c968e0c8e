"""The PostgreSQL PII vault passes the same test cases as the in-memory one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row

from hourbank_identity.adapters.pii_postgres import KEYS_TABLE, PII_TABLE, PostgresPiiVault
from hourbank_identity.application.pii_vault import PiiCipher, PiiVault
from services.identity.tests.pii_vault_cases import PiiVaultCases


class PostgresRawStore:
    """Reads the vault's tables directly, bypassing the vault."""

    def __init__(self, database_url: str, schema: str) -> None:
        self.database_url = database_url
        self.pii = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(PII_TABLE))
        self.keys = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(KEYS_TABLE))

    def _rows(self, query: sql.Composable, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with psycopg.connect(self.database_url, row_factory=dict_row) as conn:
            return conn.execute(query, params).fetchall()

    def pii_row(self, person_id: UUID) -> dict[str, Any] | None:
        rows = self._rows(
            sql.SQL("SELECT * FROM {} WHERE person_id = %s").format(self.pii), (person_id,)
        )
        return rows[0] if rows else None

    def wrapped_key(self, person_id: UUID) -> bytes | None:
        rows = self._rows(
            sql.SQL("SELECT wrapped_key FROM {} WHERE person_id = %s").format(self.keys),
            (person_id,),
        )
        return bytes(rows[0]["wrapped_key"]) if rows else None

    def all_values(self) -> list[object]:
        values: list[object] = []
        for table in (self.pii, self.keys):
            for row in self._rows(sql.SQL("SELECT * FROM {}").format(table)):
                values.extend(row.values())
        return values


class TestPostgresPiiVault(PiiVaultCases):
    @pytest.fixture
    def postgres_vault(
        self, cipher: PiiCipher, database_url: str, schema: str
    ) -> Iterator[PostgresPiiVault]:
        with PostgresPiiVault(cipher, database_url, schema) as vault:
            vault.create_tables()
            vault.create_tables()  # idempotent
            yield vault

    @pytest.fixture
    def vault(self, postgres_vault: PostgresPiiVault) -> PiiVault:
        return postgres_vault

    @pytest.fixture
    def raw(self, database_url: str, schema: str) -> PostgresRawStore:
        return PostgresRawStore(database_url, schema)
