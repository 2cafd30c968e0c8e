"""The PostgreSQL person directory passes the same test cases as the in-memory one."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from hourbank_common.settings import PostgresSettings
from hourbank_ledger.application.directory import PersonDirectoryView
from hourbank_ledger.bootstrap import build_directory
from services.ledger.tests.directory_cases import PersonDirectoryCases


class TestPostgresPersonDirectory(PersonDirectoryCases):
    @pytest.fixture
    def directory(self, database_url: str, schema: str) -> PersonDirectoryView:
        return build_directory(
            PostgresSettings(database_url=SecretStr(database_url), database_schema=schema)
        )
