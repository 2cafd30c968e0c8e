"""One abstract test case for the PiiVault port, run against every implementation.

Subclasses provide the fixtures ``vault`` (a PiiVault using ``cipher``) and ``raw`` (a
RawStore reading what the implementation really stored).
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from datetime import date
from typing import Any, Protocol
from uuid import UUID, uuid4

import pytest

from hourbank_identity.application.pii_vault import (
    PersonIdInUse,
    PiiCipher,
    PiiVault,
    UndecryptableRecord,
)
from hourbank_identity.domain.national_id import NationalId
from services.identity.tests.synthetic import national_id_text

TODAY = date(2025, 6, 1)


class RawStore(Protocol):
    def pii_row(self, person_id: UUID) -> dict[str, Any] | None:
        """The ``identity_pii`` row: person_id, lookup_hash, id_ciphertext, created_at."""
        ...

    def wrapped_key(self, person_id: UUID) -> bytes | None:
        """``identity_person_keys.wrapped_key`` for the person."""
        ...

    def all_values(self) -> list[object]:
        """Every column value of every row of both tables."""
        ...


def a_number(sequence: str = "231") -> NationalId:
    return NationalId.parse(national_id_text(sequence=sequence), today=TODAY)


def assert_not_in_plain_text(values: list[object], national_id: NationalId) -> None:
    number = national_id.value
    needles = {number, number[:17], number[6:14] + number[14:17], number[4:14]}
    for value in values:
        if isinstance(value, str):
            assert not any(n in value for n in needles)
        elif isinstance(value, bytes | bytearray | memoryview):
            data = bytes(value)
            for n in needles:
                assert n.encode() not in data
                assert n.encode("utf-16-le") not in data
            assert base64.b64encode(number.encode()) not in data
        else:
            assert number not in str(value)


class PiiVaultCases:
    @pytest.fixture
    def cipher(self) -> PiiCipher:
        return PiiCipher(PiiCipher.new_data_key(), PiiCipher.new_data_key())

    def test_claim_stores_a_new_number_for_the_candidate(self, vault: PiiVault) -> None:
        person = uuid4()
        assert vault.claim(a_number(), person) == (person, True)

    def test_claiming_the_same_number_again_returns_the_first_person(self, vault: PiiVault) -> None:
        first = uuid4()
        vault.claim(a_number(), first)
        assert vault.claim(a_number(), uuid4()) == (first, False)
        assert vault.claim(a_number(), first) == (first, False)

    def test_a_candidate_id_already_holding_another_number_is_refused(
        self, vault: PiiVault
    ) -> None:
        person = uuid4()
        vault.claim(a_number("001"), person)
        with pytest.raises(PersonIdInUse):
            vault.claim(a_number("002"), person)
        assert vault.find(a_number("002")) is None
        assert vault.reveal(person) == a_number("001")

    def test_find(self, vault: PiiVault) -> None:
        assert vault.find(a_number()) is None
        person, _ = vault.claim(a_number(), uuid4())
        assert vault.find(a_number()) == person
        assert vault.find(a_number("999")) is None

    def test_reveal_round_trip(self, vault: PiiVault) -> None:
        national_id = a_number()
        person, _ = vault.claim(national_id, uuid4())
        revealed = vault.reveal(person)
        assert revealed == national_id
        assert revealed is not None
        assert revealed.value == national_id.value
        assert vault.reveal(uuid4()) is None

    def test_masked(self, vault: PiiVault) -> None:
        national_id = a_number()
        person, _ = vault.claim(national_id, uuid4())
        assert vault.masked(person) == national_id.masked()
        assert vault.masked(uuid4()) is None

    def test_erase_forgets_the_person(self, vault: PiiVault) -> None:
        person, _ = vault.claim(a_number(), uuid4())
        other, _ = vault.claim(a_number("777"), uuid4())
        assert not vault.is_erased(person)
        assert vault.erase(person) is True
        assert vault.reveal(person) is None
        assert vault.masked(person) is None
        assert vault.find(a_number()) is None
        assert vault.is_erased(person)
        # Nobody else is touched.
        assert vault.reveal(other) == a_number("777")
        assert not vault.is_erased(other)

    def test_erase_is_idempotent_and_unknown_people_are_not_erased(self, vault: PiiVault) -> None:
        person, _ = vault.claim(a_number(), uuid4())
        assert vault.erase(person) is True
        assert vault.erase(person) is False
        assert vault.is_erased(person)
        stranger = uuid4()
        assert vault.erase(stranger) is False
        assert not vault.is_erased(stranger)

    def test_an_erased_persons_number_can_be_registered_again_as_a_new_person(
        self, vault: PiiVault
    ) -> None:
        person, _ = vault.claim(a_number(), uuid4())
        vault.erase(person)
        newcomer = uuid4()
        assert vault.claim(a_number(), newcomer) == (newcomer, True)
        assert vault.find(a_number()) == newcomer
        assert vault.reveal(person) is None

    def test_erased_ciphertext_left_behind_cannot_be_decrypted(
        self, vault: PiiVault, raw: RawStore, cipher: PiiCipher
    ) -> None:
        national_id = a_number()
        person, _ = vault.claim(national_id, uuid4())
        row = raw.pii_row(person)
        wrapped = raw.wrapped_key(person)
        assert row is not None
        assert wrapped is not None
        # Control: with the wrapped key, the stored row decrypts.
        assert cipher.open_record(person, wrapped, bytes(row["id_ciphertext"])) == national_id

        vault.erase(person)

        after = raw.pii_row(person)
        assert after is not None
        assert after["lookup_hash"] is None
        assert raw.wrapped_key(person) is None
        ciphertext = bytes(after["id_ciphertext"])
        assert ciphertext == bytes(row["id_ciphertext"])  # still there, but useless:
        with pytest.raises(UndecryptableRecord):
            cipher.decrypt_id(person, PiiCipher.new_data_key(), ciphertext)
        with pytest.raises(UndecryptableRecord):  # the master key cannot open it either
            cipher.unwrap_key(person, ciphertext)

    def test_the_number_is_never_stored_in_plain_text(self, vault: PiiVault, raw: RawStore) -> None:
        numbers = [a_number(f"{n:03d}") for n in range(5)]
        people = [vault.claim(n, uuid4())[0] for n in numbers]
        vault.erase(people[0])
        values = raw.all_values()
        assert len(values) == 5 * 4 + 4 * 2  # both tables were read, the erased key is gone
        for national_id in numbers:
            assert_not_in_plain_text(values, national_id)

    def test_concurrent_claims_of_one_number_agree_on_one_person(self, vault: PiiVault) -> None:
        results: list[tuple[UUID, bool]] = []
        errors: list[BaseException] = []
        barrier = threading.Barrier(8)

        def claim() -> None:
            try:
                barrier.wait(timeout=10)
                results.append(vault.claim(a_number(), uuid4()))
            except BaseException as error:
                errors.append(error)

        run_threads(claim, 8)
        assert errors == []
        assert len({person for person, _ in results}) == 1
        assert sum(created for _, created in results) == 1


def run_threads(target: Callable[[], None], count: int) -> None:
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()
