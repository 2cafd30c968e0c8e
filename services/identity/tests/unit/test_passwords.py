"""Password strength, hashing and activation codes."""

from __future__ import annotations

import re

import pytest

from hourbank_identity.domain.passwords import (
    ACTIVATION_ALPHABET,
    PasswordHasher,
    WeakPassword,
    activation_code_digest,
    check_password_strength,
    new_activation_code,
    normalise_activation_code,
)
from services.identity.tests.synthetic import national_id_text

ID_NUMBER = national_id_text(region="370302", sequence="123")
LAST6 = ID_NUMBER[-6:]
STRONG = "tram mulberry oscillate 17 cobalt"


def reason_for(password: str, user_inputs: tuple[str, ...] = ()) -> str:
    with pytest.raises(WeakPassword) as caught:
        check_password_strength(password, user_inputs=user_inputs)
    assert password not in caught.value.reason
    return caught.value.reason


def test_too_short_is_refused() -> None:
    assert reason_for("Xq7!pz2") == "password must have at least 8 characters"


def test_too_long_is_refused() -> None:
    assert reason_for("ab1!" * 33) == "password must have at most 128 characters"


@pytest.mark.parametrize("password", ["12345678", "password1", "qwertyui", "11111111"])
def test_common_passwords_are_refused(password: str) -> None:
    assert reason_for(password).startswith("password is too common or easy to guess: ")


@pytest.mark.parametrize(
    "password",
    [
        "00" + LAST6,  # the old default password, padded to 8 characters
        LAST6 + LAST6,
        "Zb" + LAST6,
        "hourbank-" + LAST6,
        ID_NUMBER,
        ID_NUMBER[6:14],  # the birth date
    ],
)
def test_passwords_made_from_the_id_number_are_refused(password: str) -> None:
    assert reason_for(password, (ID_NUMBER, "zhangwei")).startswith("password ")


def test_passwords_made_from_the_login_are_refused() -> None:
    reason = reason_for("Zhangwei2024!", (ID_NUMBER, "zhangwei"))
    assert "ID number, name or login" in reason


def test_a_long_random_passphrase_is_accepted() -> None:
    check_password_strength(STRONG, user_inputs=(ID_NUMBER, "zhangwei"))


def test_a_long_passphrase_beyond_zxcvbns_limit_is_accepted() -> None:
    check_password_strength((STRONG + " ") * 3)


@pytest.fixture(scope="module")
def hasher() -> PasswordHasher:
    return PasswordHasher.fast_for_tests()


def test_hash_and_verify(hasher: PasswordHasher) -> None:
    stored = hasher.hash(STRONG)
    assert stored.startswith("$argon2id$")
    assert STRONG not in stored
    assert hasher.verify(stored, STRONG)
    assert not hasher.verify(stored, STRONG + "x")
    assert hasher.hash(STRONG) != stored  # salted


def test_verify_never_raises_for_a_wrong_or_unusable_hash(hasher: PasswordHasher) -> None:
    assert not hasher.verify("", STRONG)
    assert not hasher.verify("not a hash", STRONG)
    hasher.verify_dummy(STRONG)


def test_needs_rehash_when_parameters_change(hasher: PasswordHasher) -> None:
    light = hasher.hash(STRONG)
    assert not hasher.needs_rehash(light)
    assert PasswordHasher(time_cost=2, memory_cost=16, parallelism=1).needs_rehash(light)
    assert hasher.needs_rehash("not a hash")


def test_activation_codes_are_groups_from_an_unambiguous_alphabet() -> None:
    code = new_activation_code()
    assert re.fullmatch(r"([0-9A-Z]{4}-){4}[0-9A-Z]{4}", code)
    assert set(code.replace("-", "")) <= set(ACTIVATION_ALPHABET)
    assert not set("ILOU") & set(code)
    assert len(ACTIVATION_ALPHABET) == 32  # 20 characters × 5 bits = 100 bits


def test_activation_codes_differ() -> None:
    assert len({new_activation_code() for _ in range(1000)}) == 1000


def test_activation_code_digest_is_sha256_of_the_normalised_code() -> None:
    code = new_activation_code()
    digest = activation_code_digest(code)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert activation_code_digest(code.lower()) == digest
    assert activation_code_digest(code.replace("-", " ")) == digest
    assert activation_code_digest(code.replace("-", "")) == digest
    assert activation_code_digest(new_activation_code()) != digest


def test_look_alike_letters_are_read_as_digits() -> None:
    assert normalise_activation_code("k7qf-i0lo") == "K7QF1010"
