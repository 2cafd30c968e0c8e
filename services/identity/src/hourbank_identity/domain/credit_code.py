"""The unified social credit code (统一社会信用代码, GB 32100-2015) that identifies an employer.

Eighteen characters from the GB 32100 alphabet (digits and upper-case letters without
I, O, Z, S, V): registration authority (1), entity type (1), the 6-digit administrative
division code of the registering office, the 9-character organisation code and a
check character (weighted sum modulo 31).

Only the shape and the check character are enforced. ``stdnum.cn.uscc.validate`` is not
used: it requires the first two characters to be digits, but GB 32100 allows letters there
(e.g. ``N`` for rural collective economic organisations registered by agriculture
departments), and neither the organisation code's own check digit nor the registering
office's division code is reliable enough in real data to refuse a code on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.cn import uscc

LENGTH = 18
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_SHAPE = re.compile(rf"[{ALPHABET}]{{2}}[0-9]{{6}}[{ALPHABET}]{{10}}")
_WHITESPACE = re.compile(r"\s+")


class InvalidCreditCode(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_character(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters."""
    return str(uscc.calc_check_digit(first17))


def _check(value: str) -> None:
    if len(value) != LENGTH:
        raise InvalidCreditCode(
            f"a unified social credit code has {LENGTH} characters, got {len(value)}"
        )
    if not _SHAPE.fullmatch(value):
        forbidden = sorted({c for c in value if c not in ALPHABET})
        if forbidden:
            raise InvalidCreditCode(
                "a unified social credit code uses only digits and the letters"
                f" {ALPHABET[10:]}; found {''.join(forbidden)!r}"
            )
        raise InvalidCreditCode(
            "characters 3 to 8 of a unified social credit code are the digits of a region code"
        )
    if value[17] != check_character(value[:17]):
        raise InvalidCreditCode(
            "the unified social credit code's check character does not match (a typo?)"
        )


@dataclass(frozen=True)
class CreditCode:
    """A unified social credit code with a correct check character."""

    value: str

    def __post_init__(self) -> None:
        _check(self.value)

    @classmethod
    def parse(cls, raw: str) -> CreditCode:
        """Normalise (whitespace removed, upper-cased) and validate ``raw``."""
        return cls(_WHITESPACE.sub("", raw).upper())

    @property
    def region_code(self) -> str:
        """The 6-digit division code of the registering office (characters 3 to 8)."""
        return self.value[2:8]

    def __str__(self) -> str:
        return self.value
