from __future__ import annotations

import pytest

from hourbank_ledger.application.read_model import HourBankView, InMemoryHourBankView
from services.ledger.tests.view_cases import HourBankViewCases


class TestInMemoryHourBankView(HourBankViewCases):
    @pytest.fixture
    def view(self) -> HourBankView:
        return InMemoryHourBankView()
