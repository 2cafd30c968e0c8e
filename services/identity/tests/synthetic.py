"""Synthetic test data: ID numbers made up for tests, never a real person's."""

from __future__ import annotations

from datetime import date

from stdnum.cn import uscc
from stdnum.iso7064 import mod_11_2


def national_id_text(
    region: str = "370302", born: date = date(1985, 6, 15), sequence: str = "012"
) -> str:
    """An 18-character ID number with a correct check character (computed by stdnum)."""
    first17 = f"{region}{born:%Y%m%d}{sequence}"
    assert len(first17) == 17
    return first17 + mod_11_2.calc_check_digit(first17)


def credit_code_text(first17: str) -> str:
    """A unified social credit code with its check character computed by stdnum."""
    assert len(first17) == 17
    return first17 + uscc.calc_check_digit(first17)
