"""GB/T 2260 administrative division codes: which region contains which (pure, no I/O)."""

from __future__ import annotations

from typing import Final

SHANDONG: Final = "370000"
"""The province this system serves (山东省); the provincial ledger's region."""


def region_covers(outer: str, inner: str) -> bool:
    """Whether the GB/T 2260 region ``outer`` contains ``inner``.

    A province (``xx0000``) covers every code sharing its first two digits, a city
    (``xxxx00``) the codes sharing its first four, a district only itself.
    """
    if len(outer) != 6 or len(inner) != 6:
        return False
    if outer.endswith("0000"):
        return inner[:2] == outer[:2]
    if outer.endswith("00"):
        return inner[:4] == outer[:4]
    return inner == outer
