"""Reusable annotated field types of the public contracts.

Money and hours are ``Decimal`` in Python and a decimal *string* on the wire: a JSON
number would pass through binary floating point in many consumers, so the contracts
never emit one and refuse one on input in JSON mode.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Final

from pydantic import (
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
"""GB/T 2260 administrative division code: six ASCII digits, no leading zero."""

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

StudyYear = Annotated[int, Strict(), Field(ge=2000, le=2100)]
"""A calendar study year (the year closes on December 31)."""

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
