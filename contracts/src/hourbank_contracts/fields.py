"""Reusable annotated field types of the public contracts.

Money and hours are ``Decimal`` in Python and a decimal *string* on the wire: a JSON
number would pass through binary floating point in many consumers, so the contracts
never emit one and refuse one on input in JSON mode.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Final

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    PlainSerializer,
    Strict,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

DECIMAL_STRING_PATTERN: Final = r"^[0-9]+(\.[0-9]{1,2})?$"
"""Wire form of every decimal quantity: plain digits, at most two decimal places."""

REGION_CODE_PATTERN: Final = r"^[1-9][0-9]{5}$"
"""GB/T 2260 administrative division code: six ASCII digits, no leading zero.

Digits are always ``[0-9]``, never ``\\d``: ``\\d`` (and ``str.isdigit``) match every
Unicode digit, so ``37０４００`` (full-width) would pass an API and fail here later."""

REFERENCE_CODE_PATTERN: Final = r"^[A-Za-z0-9._:-]+$"
"""An identifier a platform issues (course ids): ASCII letters, digits and ``._:-``."""

PRINTABLE_TEXT_PATTERN: Final = r"^[^\x00-\x1F\x7F-\x9F]*$"
"""What the JSON Schema says of names: no control character (the validator also refuses
lone surrogates and the other characters ``_refuse_control_characters`` names)."""

MAX_PAGE_OFFSET: Final = 1_000_000
"""The largest ``offset`` a paginated endpoint accepts. Far beyond any real page (a city's
registry or a person's entries), and small enough for every integer column and for
PostgreSQL's ``OFFSET`` (bigint): a larger one is a 422, never a 500."""

EARLIEST_INSTANT: Final = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_INSTANT: Final = datetime(2200, 1, 1, tzinfo=UTC)
"""Moments and dates the APIs accept lie in [1900, 2200): converting them to any time zone
and adding days to them can never leave the calendar (``0001-01-01`` overflowed)."""

_DECIMAL_STRING_RE: Final = re.compile(DECIMAL_STRING_PATTERN)


def _decimal_from_wire(value: Any, info: ValidationInfo) -> Any:
    """Accept a decimal string (any mode) or a ``Decimal``/``int`` from Python code.

    A float is always refused, and in JSON mode every JSON number is refused, so a
    binary float can never silently become hours or money. Error messages never echo
    the input, because a payload may carry personal data.
    """
    if isinstance(value, str):
        if not _DECIMAL_STRING_RE.fullmatch(value):
            raise PydanticCustomError(
                "decimal_string_format",
                "expected a decimal string of digits with at most two decimal places",
            )
        return Decimal(value)
    if info.mode == "python" and isinstance(value, Decimal):
        return value
    if info.mode == "python" and isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise PydanticCustomError(
        "decimal_string_type",
        'expected a decimal string such as "8" or "2.5"; numbers are not accepted',
    )


def _decimal_to_wire(value: Decimal) -> str:
    """Canonical wire form: fixed point, no exponent, no trailing zeros, no ``-0``."""
    if value.is_zero():
        return "0"
    return format(value.normalize(), "f")


_DECIMAL_STRING_JSON_SCHEMA: Final[dict[str, Any]] = {
    "type": "string",
    "pattern": DECIMAL_STRING_PATTERN,
}

Hours = Annotated[
    Decimal,
    BeforeValidator(_decimal_from_wire),
    Field(gt=0, le=1000, decimal_places=2),
    PlainSerializer(_decimal_to_wire, return_type=str, when_used="json"),
    WithJsonSchema(_DECIMAL_STRING_JSON_SCHEMA),
]
"""Hours (学时): 0 < hours <= 1000, at most two decimal places; a JSON string."""

Yuan = Annotated[
    Decimal,
    BeforeValidator(_decimal_from_wire),
    Field(ge=0, max_digits=12, decimal_places=2),
    PlainSerializer(_decimal_to_wire, return_type=str, when_used="json"),
    WithJsonSchema(_DECIMAL_STRING_JSON_SCHEMA),
]
"""An amount of money in yuan (元): >= 0, at most two decimal places; a JSON string."""

RegionCode = Annotated[str, Field(pattern=REGION_CODE_PATTERN)]
"""GB/T 2260 six-digit code, e.g. 370300 (Zibo 淄博), 370400 (Zaozhuang 枣庄)."""

FIRST_STUDY_YEAR: Final = 2000
LAST_STUDY_YEAR: Final = 2100

StudyYear = Annotated[int, Strict(), Field(ge=FIRST_STUDY_YEAR, le=LAST_STUDY_YEAR)]
"""A calendar study year (the year closes on December 31)."""

StudyYearInput = Annotated[int, Field(ge=FIRST_STUDY_YEAR, le=LAST_STUDY_YEAR)]
"""A study year as an API reads it (from a path, a query or JSON); a ``StudyYear`` on the
wire. Not strict, so a path segment ``2024`` parses; pydantic reads ASCII digits only."""

Reference = Annotated[str, Field(min_length=1, max_length=200)]
"""An identifier issued by a producing service (course, exam, payment, claim…)."""

ShortText = Annotated[str, Field(min_length=1, max_length=100)]
"""A short free-form code such as a certificate number, ISBN, CN or ISSN."""

PositiveCount = Annotated[int, Strict(), Field(ge=1)]
"""A whole count of at least one (items, certificates…)."""

DayCount = Annotated[int, Strict(), Field(ge=1, le=366)]
"""A whole number of days within one study year."""

MonthCount = Annotated[int, Strict(), Field(ge=1, le=12)]
"""A whole number of months within one study year."""

PointCount = Annotated[int, Strict(), Field(ge=0, le=1_000_000)]
"""A whole number of points, e.g. 学习强国 study points: 0 <= points <= 1,000,000."""

ReasonText = Annotated[str, Field(min_length=1, max_length=500)]
"""A short reason recorded by a producing service; never personal data."""


# --- text that every store and every consumer can hold ---------------------------------------

# Allowed in free text only: tab and line breaks.
_FREE_TEXT_WHITESPACE: Final = frozenset("\t\n\r")


def _is_forbidden(character: str, allowed: frozenset[str]) -> bool:
    if character in allowed:
        return False
    # Cc: C0/C1 control characters, NUL among them (PostgreSQL ``text`` refuses NUL).
    # Cs: lone surrogates, which no UTF-8 store can encode. Zl/Zp: line and paragraph
    # separators, which split log lines and CSV rows like a newline would.
    return unicodedata.category(character) in {"Cc", "Cs", "Zl", "Zp"}


def _refuse_control_characters(allowed: frozenset[str]) -> Any:
    def check(value: str) -> str:
        if any(_is_forbidden(character, allowed) for character in value):
            # The message never echoes the value: it may be personal data.
            raise PydanticCustomError(
                "control_character", "must not contain control characters (NUL, escape...)"
            )
        return value

    return check


def has_control_characters(value: str, *, free_text: bool = False) -> bool:
    """Whether ``value`` holds a character ``NameText`` (or ``FreeText``) refuses."""
    allowed = _FREE_TEXT_WHITESPACE if free_text else frozenset()
    return any(_is_forbidden(character, allowed) for character in value)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be blank")
    return value


NameText = Annotated[
    str,
    Field(min_length=1, max_length=100, json_schema_extra={"pattern": PRINTABLE_TEXT_PATTERN}),
    AfterValidator(_refuse_control_characters(frozenset())),
    AfterValidator(_not_blank),
]
"""A name (a person's, an organisation's): 1 to 100 characters, not blank, no control
character, so that every table and every event can hold it."""

PrintableText = Annotated[
    str,
    Field(json_schema_extra={"pattern": PRINTABLE_TEXT_PATTERN}),
    AfterValidator(_refuse_control_characters(frozenset())),
]
"""Any text without control characters or lone surrogates (a login, a password, a code);
give it its length with ``Annotated[PrintableText, Field(max_length=...)]``. A lone
surrogate (JSON may escape one) cannot even be hashed: it has no UTF-8 form."""

SearchText = Annotated[
    str,
    Field(max_length=100, json_schema_extra={"pattern": PRINTABLE_TEXT_PATTERN}),
    AfterValidator(_refuse_control_characters(frozenset())),
]
"""What a client searches for (a name, part of a code): no control character."""

FreeText = Annotated[
    str,
    Field(min_length=1, max_length=2000),
    AfterValidator(_refuse_control_characters(_FREE_TEXT_WHITESPACE)),
]
"""Free text written by a person: tabs and line breaks allowed, other control characters not."""

ReferenceCode = Annotated[str, Field(min_length=1, max_length=64, pattern=REFERENCE_CODE_PATTERN)]
"""An identifier a platform issues (e.g. a course id); a ``Reference`` on the wire."""

ShandongRegionCode = Annotated[str, Field(pattern=r"^37[0-9]{4}$")]
"""A GB/T 2260 code in Shandong (37xxxx); a ``RegionCode`` on the wire."""

PageOffset = Annotated[int, Field(ge=0, le=MAX_PAGE_OFFSET)]
"""Where a page starts: 0 to ``MAX_PAGE_OFFSET``."""


def _within_calendar_instant(value: datetime) -> datetime:
    if not EARLIEST_INSTANT <= value < LATEST_INSTANT:
        raise PydanticCustomError("instant_range", "must lie between the years 1900 and 2199")
    return value


def _within_calendar_date(value: date) -> date:
    if not EARLIEST_INSTANT.date() <= value < LATEST_INSTANT.date():
        raise PydanticCustomError("date_range", "must lie between the years 1900 and 2199")
    return value


Instant = Annotated[AwareDatetime, AfterValidator(_within_calendar_instant)]
"""An aware moment (RFC 3339 with offset) in the years 1900 to 2199."""

CalendarDate = Annotated[date, AfterValidator(_within_calendar_date)]
"""A calendar date in the years 1900 to 2199."""
