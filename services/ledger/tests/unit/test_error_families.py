"""The ledger's errors are subclasses of the shared families, each naming what to fix, so
that one problem handler per family answers them (statuses and wording: test_http.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from hourbank_common.errors import InvalidInput, Unavailable
from hourbank_ledger.application.queries import HourBankQueries, RegionRequiredError
from hourbank_ledger.application.read_model import InMemoryHourBankView
from hourbank_ledger.application.statements import StatementsDisabled
from hourbank_ledger.domain.policy import NoRulesApply, PolicyError, PolicyNotFound
from hourbank_ledger.domain.working_days import WorkingDayCalendarError
from hourbank_ledger.entrypoints.http.dependencies import require_statements

NOW = datetime(2024, 12, 1, tzinfo=UTC)


def queries(default_region: str | None) -> HourBankQueries:
    return HourBankQueries(InMemoryHourBankView(), default_region=default_region)


def test_a_year_without_a_policy_names_the_study_year() -> None:
    with pytest.raises(PolicyNotFound) as raised:
        queries("370400").evaluate(uuid4(), 2019, region=None, as_of=NOW)
    assert isinstance(raised.value, NoRulesApply)
    assert isinstance(raised.value, InvalidInput)
    assert isinstance(raised.value, PolicyError)  # still a policy error to the policy's users
    assert raised.value.field == "study_year"


def test_provincial_mode_without_a_region_names_the_region() -> None:
    with pytest.raises(RegionRequiredError) as raised:
        queries(None).evaluate(uuid4(), 2024, region=None, as_of=NOW)
    assert isinstance(raised.value, NoRulesApply)
    assert raised.value.field == "region"


def test_a_date_the_calendar_does_not_cover_names_the_application_date() -> None:
    with pytest.raises(WorkingDayCalendarError) as raised:
        queries("370400").application_check(
            uuid4(), 2024, region=None, application_date=date(2040, 1, 10)
        )
    assert isinstance(raised.value, NoRulesApply)
    assert raised.value.field == "application_date"


def test_statements_without_a_signing_key_are_unavailable() -> None:
    with pytest.raises(StatementsDisabled) as raised:
        require_statements(None)
    assert isinstance(raised.value, Unavailable)
    assert raised.value.retry_after_seconds is None  # a configuration, not worth retrying
