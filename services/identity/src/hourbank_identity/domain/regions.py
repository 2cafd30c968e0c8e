"""Administrative division codes (GB/T 2260), e.g. 370000 Shandong, 370300 Zibo, 370302 Zichuan.

Six digits: province (2), city (2), district or county (2). A code ending in ``0000`` is a
province, one ending in ``00`` a city (prefecture level), anything else a district or
county. Only the shape is checked, not a list of current divisions: divisions change and
old codes stay on old records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from hourbank_common.regions import region_covers

RegionLevel = Literal["province", "city", "district"]

_SHAPE = re.compile(r"[1-8][0-9]{5}")


class InvalidRegionCode(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, order=True)
class RegionCode:
    value: str

    def __post_init__(self) -> None:
        if not _SHAPE.fullmatch(self.value):
            raise InvalidRegionCode(
                "a region code has 6 digits and starts with a province number from 11 to 82"
            )

    @classmethod
    def parse(cls, raw: str) -> RegionCode:
        return cls(raw.strip())

    @property
    def level(self) -> RegionLevel:
        if self.value.endswith("0000"):
            return "province"
        if self.value.endswith("00"):
            return "city"
        return "district"

    def province(self) -> RegionCode:
        return RegionCode(self.value[:2] + "0000")

    def city(self) -> RegionCode:
        """The city this code belongs to (370302 → 370300); a province or city is returned as
        is."""
        if self.level == "province":
            return self
        return RegionCode(self.value[:4] + "00")

    def covers(self, other: RegionCode) -> bool:
        """Whether ``other`` lies within this region (a region covers itself).

        The same rule the shared authorization applies to tokens' regions."""
        return region_covers(self.value, other.value)

    def __str__(self) -> str:
        return self.value
