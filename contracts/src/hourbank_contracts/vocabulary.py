"""Words every service and the contracts share, as plain Python (no pydantic, no I/O), so
that domain code may use them: the subject of hours and the platforms' time zone."""

from __future__ import annotations

from datetime import timedelta, timezone
from enum import StrEnum
from typing import Final

__all__ = ["CHINA_STANDARD_TIME", "Subject"]


class Subject(StrEnum):
    """The kind of hours required each year."""

    PUBLIC = "public"
    """公需科目: public subjects, at least 30 hours a year."""
    PROFESSIONAL = "professional"
    """专业科目: professional subjects, at least 60 hours a year."""


CHINA_STANDARD_TIME: Final = timezone(timedelta(hours=8), "CST")
"""UTC+8 all year (no daylight saving): the zone of study years, deadlines and dates the
notices name. Instants are stored and sent in UTC; dates are read in this zone."""
