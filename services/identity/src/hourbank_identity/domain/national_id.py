"""The resident identity card number (居民身份证号码, GB 11643-1999).

Eighteen characters: a 6-digit address code (the person's registered place when the number
was issued), an 8-digit birth date ``YYYYMMDD``, a 3-digit sequence number and an ISO 7064
MOD 11-2 check character (``0``-``9`` or ``X``).

The address code is deliberately *not* checked against a list of current districts
(``stdnum.cn.ric.validate`` does that): districts are merged, renamed and abolished, and
numbers issued under an old code stay valid for life.

The number is personal data. Nothing here puts it into a message, a ``repr`` or a ``str``:
an error carries only a ``reason`` and printing a :class:`NationalId` shows its masked form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from stdnum.iso7064 import mod_11_2

LENGTH = 18
EARLIEST_BIRTH_DATE = date(1900, 1, 1)
_SHAPE = re.compile(r"[1-9][0-9]{16}[0-9X]")
_WHITESPACE = re.compile(r"\s+")
_VISIBLE = 4


class InvalidNationalId(ValueError):
    """The text is not a valid ID number. ``reason`` never contains the number itself."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    return str(mod_11_2.calc_check_digit(first17))


def _normalise(raw: str) -> str:
    text = _WHITESPACE.sub("", raw)
    if text.endswith("x"):
        text = text[:-1] + "X"
    return text


def _birth_date_of(value: str) -> date:
    try:
        return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidNationalId("the birth date in the ID number is not a real date") from None


def _check(value: str) -> date:
    """Check everything that does not depend on today's date; return the birth date."""
    if len(value) != LENGTH:
        raise InvalidNationalId(f"an ID number has {LENGTH} characters, got {len(value)}")
    if not _SHAPE.fullmatch(value):
        if not value[:17].isascii() or not value[:17].isdigit():
            raise InvalidNationalId("the first 17 characters of an ID number must be digits")
        if value[0] == "0":
            raise InvalidNationalId("an ID number's address code cannot start with 0")
        raise InvalidNationalId("the last character of an ID number must be a digit or X")
    born = _birth_date_of(value)
    if born < EARLIEST_BIRTH_DATE:
        raise InvalidNationalId("the birth date in the ID number is before 1900")
    if value[17] != check_character(value[:17]):
        raise InvalidNationalId("the ID number's check character does not match (a typo?)")
    return born


@dataclass(frozen=True, repr=False)
class NationalId:
    """A structurally valid ID number. Build it with :meth:`parse` from user input.

    Constructing it directly (e.g. after decrypting a stored value) checks the same rules
    except "not born in the future", which needs today's date.
    """

    value: str
    _birth_date: date = field(init=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_birth_date", _check(self.value))

    @classmethod
    def parse(cls, raw: str, *, today: date) -> NationalId:
        """Normalise (spaces removed, a trailing ``x`` upper-cased) and validate ``raw``."""
        national_id = cls(_normalise(raw))
        if national_id.birth_date > today:
            raise InvalidNationalId("the birth date in the ID number is in the future")
        return national_id

    @property
    def birth_date(self) -> date:
        return self._birth_date

    def masked(self) -> str:
        """First 4 and last 4 characters, the rest replaced by ``*``: ``3703**********123X``."""
        hidden = "*" * (LENGTH - 2 * _VISIBLE)
        return f"{self.value[:_VISIBLE]}{hidden}{self.value[-_VISIBLE:]}"

    def __str__(self) -> str:
        return self.masked()

    def __repr__(self) -> str:
        return f"NationalId({self.masked()!r})"
