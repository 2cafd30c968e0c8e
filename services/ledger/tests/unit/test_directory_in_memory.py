from __future__ import annotations

import pytest

from hourbank_ledger.application.directory import InMemoryPersonDirectory, PersonDirectoryView
from services.ledger.tests.directory_cases import PersonDirectoryCases


class TestInMemoryPersonDirectory(PersonDirectoryCases):
    @pytest.fixture
    def directory(self) -> PersonDirectoryView:
        return InMemoryPersonDirectory()
