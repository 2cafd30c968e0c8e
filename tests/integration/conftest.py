from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from tests.support import system
from tests.support.infra_faults import InfraFaults
from tests.support.ledger_db import LedgerTables


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Lets `pytest -m "not integration"` run the tiers that need no infrastructure.
    for item in items:
        if "tests/integration/" in item.nodeid:
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def schema(database_url: str) -> Iterator[str]:
    """A schema of its own for each test: no test sees another's events or positions."""
    name = f"it_{uuid.uuid4().hex[:12]}"
    yield name
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


@pytest.fixture
def run_id() -> str:
    return uuid.uuid4().hex[:10]


@pytest.fixture
def ledger_env(database_url: str, kafka_bootstrap: str, schema: str, run_id: str) -> dict[str, str]:
    return system.ledger_env(database_url, kafka_bootstrap, schema, run_id)


@pytest.fixture
def tables(database_url: str, schema: str) -> LedgerTables:
    return LedgerTables(database_url, schema)


@pytest.fixture(scope="session")
def infra_faults(database_url: str, kafka_bootstrap: str) -> InfraFaults:
    """PostgreSQL restarts and broker kills (only on this checkout's scripts/infra servers)."""
    return InfraFaults.for_servers(database_url, kafka_bootstrap)
