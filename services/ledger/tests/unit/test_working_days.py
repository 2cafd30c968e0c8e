from __future__ import annotations

from datetime import date

import pytest

from hourbank_ledger.domain.working_days import (
    WorkingDayCalendarError,
    is_working_day,
    working_days_before,
)


def test_national_day_holiday_and_its_exchanged_saturday() -> None:
    assert not is_working_day(date(2026, 10, 1))  # National Day
    assert is_working_day(date(2026, 10, 10))  # Saturday worked in exchange


def test_five_working_days_before_skips_the_holiday_week() -> None:
    assert working_days_before(date(2026, 10, 12), 5) == date(2026, 9, 29)


def test_an_ordinary_week() -> None:
    # Friday 2025-06-13 → Fri 06-06 (Mon 06-09 … Thu 06-12 are the other four).
    assert working_days_before(date(2025, 6, 13), 5) == date(2025, 6, 6)


def test_a_year_the_calendar_does_not_cover_is_a_clear_error() -> None:
    with pytest.raises(WorkingDayCalendarError, match="does not cover 2031"):
        working_days_before(date(2031, 3, 10), 5)
