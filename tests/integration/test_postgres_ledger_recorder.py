"""The ledger's PostgreSQL recorder passes the same test cases as the in-memory one."""

from __future__ import annotations

import pytest
from eventsourcing.persistence import ProgrammingError
from eventsourcing.utils import get_topic
from pydantic import SecretStr

from hourbank_common.persistence import Persistence
from hourbank_common.settings import PostgresSettings
from hourbank_ledger.adapters.postgres_ledger_recorder import PostgresLedgerRecorder
from hourbank_ledger.application.ledger import Ledger
from hourbank_ledger.bootstrap import build_ledger
from services.ledger.tests.ledger_recorder_cases import LedgerRecorderCases


def _settings(database_url: str, schema: str) -> PostgresSettings:
    return PostgresSettings(database_url=SecretStr(database_url), database_schema=schema)


class TestPostgresLedgerRecorder(LedgerRecorderCases):
    @pytest.fixture
    def ledger(self, database_url: str, schema: str) -> Ledger:
        ledger = build_ledger(_settings(database_url, schema))
        assert isinstance(ledger.recorder, PostgresLedgerRecorder)
        return ledger


@pytest.mark.parametrize(
    "setting", [{"SINGLE_ROW_TRACKING": "n"}, {"POSTGRES_ENABLE_DB_FUNCTIONS": "y"}]
)
def test_settings_under_which_tracking_would_not_refuse_a_batch_are_refused(
    database_url: str, schema: str, setting: dict[str, str]
) -> None:
    env = {
        **Persistence.postgres(_settings(database_url, schema)).env(),
        "PROCESS_RECORDER_TOPIC": get_topic(PostgresLedgerRecorder),
        **setting,
    }
    with pytest.raises(ProgrammingError):
        Ledger(env=env)


def test_a_recorder_that_cannot_track_several_partitions_is_refused(
    database_url: str, schema: str
) -> None:
    # eventsourcing's own process recorder would drop a batch's tracking records silently.
    with pytest.raises(ProgrammingError, match="LedgerRecorder"):
        Ledger(env=Persistence.postgres(_settings(database_url, schema)).env())
