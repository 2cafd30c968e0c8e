"""The in-memory PII vault passes the port's test cases; the cipher's own rules."""

from __future__ import annotations

import base64
from typing import Any
from uuid import UUID, uuid4

import pytest

from hourbank_identity.application.pii_vault import (
    InMemoryPiiVault,
    PiiCipher,
    PiiVault,
    UndecryptableRecord,
)
from services.identity.tests.pii_vault_cases import PiiVaultCases, a_number


class InMemoryRawStore:
    def __init__(self, vault: InMemoryPiiVault) -> None:
        self.vault = vault

    def pii_row(self, person_id: UUID) -> dict[str, Any] | None:
        row = self.vault.pii_rows.get(person_id)
        return None if row is None else dict(vars(row))

    def wrapped_key(self, person_id: UUID) -> bytes | None:
        return self.vault.key_rows.get(person_id)

    def all_values(self) -> list[object]:
        values: list[object] = []
        for row in self.vault.pii_rows.values():
            values.extend(vars(row).values())
        for person_id, wrapped in self.vault.key_rows.items():
            values.extend([person_id, wrapped])
        return values


class TestInMemoryPiiVault(PiiVaultCases):
    @pytest.fixture
    def memory_vault(self, cipher: PiiCipher) -> InMemoryPiiVault:
        return InMemoryPiiVault(cipher)

    @pytest.fixture
    def vault(self, memory_vault: InMemoryPiiVault) -> PiiVault:
        return memory_vault

    @pytest.fixture
    def raw(self, memory_vault: InMemoryPiiVault) -> InMemoryRawStore:
        return InMemoryRawStore(memory_vault)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_cipher_from_base64() -> None:
    master, lookup = PiiCipher.new_data_key(), PiiCipher.new_data_key()
    cipher = PiiCipher.from_base64(b64(master), b64(lookup) + "\n")
    assert cipher.lookup_hash(a_number()) == PiiCipher(master, lookup).lookup_hash(a_number())


@pytest.mark.parametrize(
    ("master", "lookup", "message"),
    [
        ("not base64!", b64(bytes(32)), "master key is not valid base64"),
        (b64(bytes(range(32))), "", "lookup key must be 32 bytes"),
        (b64(bytes(16)), b64(bytes(32)), "master key must be 32 bytes (256 bits) once decoded"),
        (b64(bytes(32)), b64(bytes(32)), "must be different keys"),
    ],
)
def test_cipher_from_base64_refuses_bad_keys_clearly(
    master: str, lookup: str, message: str
) -> None:
    with pytest.raises(ValueError, match="PII") as caught:
        PiiCipher.from_base64(master, lookup)
    assert message in str(caught.value)
    assert master not in str(caught.value) or not master


def test_cipher_repr_hides_the_keys() -> None:
    master = PiiCipher.new_data_key()
    cipher = PiiCipher(master, PiiCipher.new_data_key())
    assert repr(cipher) == "PiiCipher(<keys hidden>)"


def test_lookup_hash_is_keyed_and_deterministic() -> None:
    one = PiiCipher(PiiCipher.new_data_key(), PiiCipher.new_data_key())
    other = PiiCipher(PiiCipher.new_data_key(), PiiCipher.new_data_key())
    assert one.lookup_hash(a_number()) == one.lookup_hash(a_number())
    assert one.lookup_hash(a_number()) != other.lookup_hash(a_number())
    assert one.lookup_hash(a_number()) != one.lookup_hash(a_number("999"))
    assert len(one.lookup_hash(a_number())) == 64


def test_records_are_bound_to_their_person() -> None:
    cipher = PiiCipher(PiiCipher.new_data_key(), PiiCipher.new_data_key())
    alice, bob = uuid4(), uuid4()
    sealed = cipher.seal_new(alice, a_number())
    assert cipher.open_record(alice, sealed.wrapped_key, sealed.id_ciphertext) == a_number()
    with pytest.raises(UndecryptableRecord):
        cipher.open_record(bob, sealed.wrapped_key, sealed.id_ciphertext)
    data_key = cipher.unwrap_key(alice, sealed.wrapped_key)
    with pytest.raises(UndecryptableRecord):
        cipher.decrypt_id(bob, data_key, sealed.id_ciphertext)


def test_another_master_key_cannot_unwrap() -> None:
    lookup = PiiCipher.new_data_key()
    cipher = PiiCipher(PiiCipher.new_data_key(), lookup)
    sealed = cipher.seal_new(person := uuid4(), a_number())
    stranger = PiiCipher(PiiCipher.new_data_key(), lookup)
    with pytest.raises(UndecryptableRecord):
        stranger.unwrap_key(person, sealed.wrapped_key)


def test_every_seal_uses_a_fresh_key_and_nonce() -> None:
    cipher = PiiCipher(PiiCipher.new_data_key(), PiiCipher.new_data_key())
    person = uuid4()
    one, two = cipher.seal_new(person, a_number()), cipher.seal_new(person, a_number())
    assert one.id_ciphertext != two.id_ciphertext
    assert one.wrapped_key != two.wrapped_key
    assert one.lookup_hash == two.lookup_hash
