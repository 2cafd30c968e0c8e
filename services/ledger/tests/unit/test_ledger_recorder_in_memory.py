from __future__ import annotations

import pytest
from eventsourcing.persistence import ProgrammingError
from eventsourcing.popo import POPOProcessRecorder
from eventsourcing.utils import get_topic

from hourbank_ledger.application.ledger import Ledger
from hourbank_ledger.application.ledger_recorder import InMemoryLedgerRecorder
from services.ledger.tests.ledger_recorder_cases import LedgerRecorderCases


class TestInMemoryLedgerRecorder(LedgerRecorderCases):
    @pytest.fixture
    def ledger(self) -> Ledger:
        ledger = Ledger()
        assert isinstance(ledger.recorder, InMemoryLedgerRecorder)
        return ledger


def test_a_recorder_that_cannot_track_several_partitions_is_refused() -> None:
    # It would drop a batch's tracking records without a word.
    with pytest.raises(ProgrammingError, match="LedgerRecorder"):
        Ledger(env={"PROCESS_RECORDER_TOPIC": get_topic(POPOProcessRecorder)})
