"""Working days on China's official calendar (chinese-calendar: holidays and the weekend
days that are worked in exchange), for Zaozhuang's "complete 5 working days before the
application" rule.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar

from hourbank_ledger.domain.policy.errors import NoRulesApply


class WorkingDayCalendarError(NoRulesApply):
    """The official calendar does not cover the year asked about; the caller's fix is
    another application date (the working days are counted back from it)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="application_date")


def is_working_day(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as error:
        # Holidays are announced year by year; guessing one would be silently wrong.
        msg = f"the official working-day calendar does not cover {day.year} ({error})"
        raise WorkingDayCalendarError(msg) from error


def working_days_before(application_date: date, count: int) -> date:
    """The ``count``-th working day before ``application_date`` (which is not counted).

    Interpretation: for an application submitted on Monday 2026-10-12, five working days
    before are 10-10 (a Saturday worked in exchange for the National Day holiday), 10-09,
    10-08, 09-30 and 09-29, so hours must be complete by the end of 2026-09-29.
    """
    if count < 1:
        msg = "count must be at least 1"
        raise ValueError(msg)
    day = application_date
    found = 0
    while found < count:
        day -= timedelta(days=1)
        if is_working_day(day):
            found += 1
    return day
