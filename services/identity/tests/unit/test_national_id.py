"""Rules for the resident ID number (GB 11643). Every number here is synthetic."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric
from stdnum.iso7064 import mod_11_2

from hourbank_identity.domain.national_id import InvalidNationalId, NationalId
from services.identity.tests.synthetic import national_id_text

TODAY = date(2025, 6, 1)


def refused(raw: str, *, today: date = TODAY) -> InvalidNationalId:
    with pytest.raises(InvalidNationalId) as caught:
        NationalId.parse(raw, today=today)
    digits = raw.strip()
    if len(digits) >= 6:
        # The message is safe to log: it never repeats the number.
        assert digits not in str(caught.value)
        assert digits not in caught.value.reason
    return caught.value


def test_a_valid_number_parses_and_keeps_its_birth_date() -> None:
    text = national_id_text(born=date(1985, 6, 15))
    parsed = NationalId.parse(text, today=TODAY)
    assert parsed.value == text
    assert parsed.birth_date == date(1985, 6, 15)


def test_spaces_are_removed_and_a_trailing_x_is_upper_cased() -> None:
    text = next(
        national_id_text(sequence=f"{n:03d}")
        for n in range(1000)
        if national_id_text(sequence=f"{n:03d}").endswith("X")
    )
    spaced = f"  {text[:6]} {text[6:14]} {text[14:-1]}x "
    assert NationalId.parse(spaced, today=TODAY).value == text


def test_wrong_length_is_refused() -> None:
    text = national_id_text()
    assert "18 characters" in refused(text[:-1]).reason
    assert "18 characters" in refused(text + "1").reason
    assert "18 characters" in refused("").reason


def test_letters_among_the_first_17_characters_are_refused() -> None:
    text = national_id_text()
    assert "digits" in refused(text[:10] + "A" + text[11:]).reason
    assert "digits" in refused(text[:16] + "X" + text[17:]).reason


def test_full_width_digits_are_refused() -> None:
    text = national_id_text()
    assert "digits" in refused("３" + text[1:]).reason


def test_a_last_character_other_than_digit_or_x_is_refused() -> None:
    text = national_id_text()
    assert "digit or X" in refused(text[:17] + "Y").reason


def test_an_address_code_starting_with_0_is_refused() -> None:
    assert "start with 0" in refused(national_id_text(region="070302")).reason


def test_a_wrong_check_character_is_refused() -> None:
    text = national_id_text()
    wrong = "0" if text[-1] != "0" else "1"
    assert "check character" in refused(text[:17] + wrong).reason


def test_an_impossible_birth_date_is_refused() -> None:
    first17 = "370302" + "19850230" + "012"  # 30 February
    assert "real date" in refused(first17 + mod_11_2.calc_check_digit(first17)).reason


def test_a_birth_date_in_the_future_is_refused_but_today_is_accepted() -> None:
    assert "future" in refused(national_id_text(born=TODAY + timedelta(days=1))).reason
    assert NationalId.parse(national_id_text(born=TODAY), today=TODAY).birth_date == TODAY


def test_a_birth_date_before_1900_is_refused() -> None:
    assert "1900" in refused(national_id_text(born=date(1899, 12, 31))).reason
    assert NationalId.parse(national_id_text(born=date(1900, 1, 1)), today=TODAY)


@pytest.mark.parametrize(
    ("region", "born"),
    [
        # 370181 was Zhangqiu city only from 1992 to 2016 (now Jinan's Zhangqiu district):
        # people born earlier got numbers with it when cards were issued in the 1990s.
        ("370181", date(1980, 1, 1)),
        # 370205 Sifang district was merged into Shibei in 2012; numbers keep the code.
        ("370205", date(1975, 6, 15)),
        # 370302 Zichuan district exists since 1983; people born before still hold it.
        ("370302", date(1970, 3, 1)),
    ],
)
def test_old_and_abolished_district_codes_are_accepted(region: str, born: date) -> None:
    text = national_id_text(region=region, born=born)
    assert not ric.is_valid(text), "stdnum's own validation refuses this number"
    assert NationalId.parse(text, today=TODAY).value == text


def test_an_address_code_unknown_to_any_list_is_accepted() -> None:
    text = national_id_text(region="379999")
    assert NationalId.parse(text, today=TODAY).value == text


def test_masked_shows_only_the_first_and_last_four_characters() -> None:
    text = national_id_text()
    masked = NationalId.parse(text, today=TODAY).masked()
    assert masked == text[:4] + "*" * 10 + text[-4:]
    assert len(masked) == 18


def test_printing_or_logging_the_value_object_does_not_reveal_the_number(
    caplog: pytest.LogCaptureFixture,
) -> None:
    text = national_id_text()
    national_id = NationalId.parse(text, today=TODAY)
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("registering %s (%r)", national_id, national_id)
    for shown in (str(national_id), repr(national_id), f"{national_id}", caplog.text):
        assert text not in shown
        assert text[4:14] not in shown
    assert national_id.masked() in repr(national_id)


def test_equal_numbers_are_equal_and_hash_alike() -> None:
    text = national_id_text()
    a, b = NationalId.parse(text, today=TODAY), NationalId.parse(f" {text} ", today=TODAY)
    assert a == b
    assert len({a, b}) == 1


def test_direct_construction_checks_the_same_rules() -> None:
    text = national_id_text()
    with pytest.raises(InvalidNationalId):
        NationalId(text[:17] + ("0" if text[-1] != "0" else "1"))
    assert NationalId(text).value == text


valid_ids = st.builds(
    national_id_text,
    region=st.from_regex(r"[1-9][0-9]{5}", fullmatch=True),
    born=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    sequence=st.from_regex(r"[0-9]{3}", fullmatch=True),
)


@given(valid_ids)
def test_any_17_digits_with_a_valid_date_and_the_computed_check_character_parse(
    text: str,
) -> None:
    parsed = NationalId.parse(text, today=TODAY)
    assert parsed.value == text
    assert parsed.birth_date.strftime("%Y%m%d") == text[6:14]


@given(valid_ids, st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_any_single_character_change_is_refused(text: str, position: int, char: str) -> None:
    changed = text[:position] + char + text[position + 1 :]
    if changed == text:
        return
    refused(changed)


@given(st.text(max_size=30))
def test_arbitrary_text_is_either_a_number_or_refused_with_a_reason(raw: str) -> None:
    try:
        NationalId.parse(raw, today=TODAY)
    except InvalidNationalId as error:
        reason = error.reason
    else:
        return
    assert reason
