"""Rules for the unified social credit code (GB 32100)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hourbank_identity.domain.credit_code import ALPHABET, CreditCode, InvalidCreditCode
from services.identity.tests.synthetic import credit_code_text

# Published codes of well-known companies, their check characters verified by hand
# with GB 32100's weights (and by stdnum.cn.uscc): Huawei Technologies, Tencent (Shenzhen).
WELL_KNOWN = ["914403001922038216", "9144030071526726XG", "91110000600037341L"]


@pytest.mark.parametrize("code", WELL_KNOWN)
def test_well_known_codes_are_valid(code: str) -> None:
    assert CreditCode.parse(code).value == code


def test_a_synthetic_code_with_letters_in_the_organisation_code_is_valid() -> None:
    code = credit_code_text("91370300MA3C4K5R1")
    assert CreditCode.parse(code).value == code
    assert CreditCode.parse(code).region_code == "370300"


def test_a_code_whose_first_characters_are_letters_is_valid() -> None:
    # Registration authority N (agriculture departments), as GB 32100 allows; stdnum's own
    # validate() would refuse it.
    code = credit_code_text("N2370302MA7D2QX0U")
    assert CreditCode.parse(code).value == code


def test_lower_case_and_spaces_are_normalised() -> None:
    assert CreditCode.parse(" 9144030071526726xg ").value == "9144030071526726XG"
    assert CreditCode.parse("91440300 71526726 XG").value == "9144030071526726XG"


def test_a_wrong_check_character_is_refused() -> None:
    with pytest.raises(InvalidCreditCode) as caught:
        CreditCode.parse("9144030071526726XH")
    assert "check character" in caught.value.reason


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_forbidden_letters_are_refused(letter: str) -> None:
    with pytest.raises(InvalidCreditCode) as caught:
        CreditCode.parse(f"91440300{letter}1526726XG")
    assert letter in caught.value.reason


def test_letters_in_the_region_code_are_refused() -> None:
    with pytest.raises(InvalidCreditCode) as caught:
        CreditCode.parse(credit_code_text("9144A30071526726X"))
    assert "region code" in caught.value.reason


@pytest.mark.parametrize("code", ["", "91440300715267", "9144030071526726XG1"])
def test_wrong_length_is_refused(code: str) -> None:
    with pytest.raises(InvalidCreditCode) as caught:
        CreditCode.parse(code)
    assert "18 characters" in caught.value.reason


codes = st.builds(
    lambda head, tail: credit_code_text(head + tail),
    st.from_regex(rf"[{ALPHABET}]{{2}}[0-9]{{6}}", fullmatch=True),
    st.text(alphabet=ALPHABET, min_size=9, max_size=9),
)


@given(codes)
def test_any_code_with_the_computed_check_character_parses(code: str) -> None:
    assert CreditCode.parse(code).value == code


@given(codes, st.integers(min_value=0, max_value=17), st.sampled_from(ALPHABET))
def test_any_single_character_change_is_refused(code: str, position: int, char: str) -> None:
    changed = code[:position] + char + code[position + 1 :]
    if changed != code:
        with pytest.raises(InvalidCreditCode):
            CreditCode.parse(changed)
