from __future__ import annotations

import pytest
from pydantic import ValidationError

from hourbank_common.settings import PostgresSettings, eventsourcing_env


def test_database_url_becomes_eventsourcing_variables() -> None:
    env = eventsourcing_env("postgresql://hb%40user:p%2Fss@db.internal:6543/hourbank", "ledger")
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
    assert env["POSTGRES_HOST"] == "db.internal"
    assert env["POSTGRES_PORT"] == "6543"
    assert env["POSTGRES_DBNAME"] == "hourbank"
    assert env["POSTGRES_USER"] == "hb@user"
    assert env["POSTGRES_PASSWORD"] == "p/ss"
    assert env["POSTGRES_SCHEMA"] == "ledger"


@pytest.mark.parametrize("url", ["mysql://u:p@h/db", "postgresql://h/db", "postgresql://u:p@h/"])
def test_incomplete_database_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="DATABASE_URL"):
        eventsourcing_env(url)


def test_there_is_no_default_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ValidationError, match="database_url"):
        PostgresSettings()
