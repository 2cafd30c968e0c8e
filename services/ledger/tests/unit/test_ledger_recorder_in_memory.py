from __future__ import annotations

import pytest

from hourbank_ledger.application.ledger import Ledger
from hourbank_ledger.application.ledger_recorder import InMemoryLedgerRecorder
from services.ledger.tests.ledger_recorder_cases import LedgerRecorderCases


class TestInMemoryLedgerRecorder(LedgerRecorderCases):
    @pytest.fixture
    def ledger(self) -> Ledger:
        ledger = Ledger()
        assert isinstance(ledger.recorder, InMemoryLedgerRecorder)
        return ledger
