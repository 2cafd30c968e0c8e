"""GB/T 2260 region codes: shape, level and coverage."""

from __future__ import annotations

import pytest

from hourbank_identity.domain.regions import InvalidRegionCode, RegionCode

SHANDONG = RegionCode.parse("370000")
ZIBO = RegionCode.parse("370300")
ZICHUAN = RegionCode.parse("370302")
ZAOZHUANG = RegionCode.parse("370400")
ZAOZHUANG_SHIZHONG = RegionCode.parse("370402")
BEIJING_DONGCHENG = RegionCode.parse("110101")


@pytest.mark.parametrize(
    "raw", ["", "37030", "3703020", "37030a", "070300", "910000", "３７０３００"]
)
def test_malformed_codes_are_refused(raw: str) -> None:
    with pytest.raises(InvalidRegionCode):
        RegionCode.parse(raw)


def test_surrounding_spaces_are_ignored() -> None:
    assert RegionCode.parse(" 370300 ") == ZIBO


def test_levels() -> None:
    assert SHANDONG.level == "province"
    assert ZIBO.level == "city"
    assert ZICHUAN.level == "district"
    assert BEIJING_DONGCHENG.level == "district"


def test_city_and_province_of_each_level() -> None:
    assert ZICHUAN.city() == ZIBO
    assert ZIBO.city() == ZIBO
    assert SHANDONG.city() == SHANDONG
    assert ZICHUAN.province() == SHANDONG
    assert ZIBO.province() == SHANDONG
    assert SHANDONG.province() == SHANDONG
    assert BEIJING_DONGCHENG.city() == RegionCode("110100")


def test_a_province_covers_every_code_in_it() -> None:
    for code in (SHANDONG, ZIBO, ZICHUAN, ZAOZHUANG, ZAOZHUANG_SHIZHONG):
        assert SHANDONG.covers(code)
    assert not SHANDONG.covers(BEIJING_DONGCHENG)


def test_a_city_covers_itself_and_its_districts_only() -> None:
    assert ZIBO.covers(ZIBO)
    assert ZIBO.covers(ZICHUAN)
    assert not ZIBO.covers(ZAOZHUANG)
    assert not ZIBO.covers(ZAOZHUANG_SHIZHONG)
    assert not ZIBO.covers(SHANDONG)


def test_a_district_covers_only_itself() -> None:
    assert ZICHUAN.covers(ZICHUAN)
    assert not ZICHUAN.covers(ZIBO)
    assert not ZICHUAN.covers(RegionCode("370303"))


def test_str_is_the_code() -> None:
    assert str(ZIBO) == "370300"
