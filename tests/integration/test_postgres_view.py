"""The PostgreSQL read model passes the same test cases as the in-memory one."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from hourbank_common.settings import PostgresSettings
from hourbank_ledger.application.read_model import HourBankView
from hourbank_ledger.bootstrap import build_view
from services.ledger.tests.view_cases import HourBankViewCases


class TestPostgresHourBankView(HourBankViewCases):
    @pytest.fixture
    def view(self, database_url: str, schema: str) -> HourBankView:
        return build_view(
            PostgresSettings(database_url=SecretStr(database_url), database_schema=schema)
        )
