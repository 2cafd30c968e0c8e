"""The PII vault: where national ID numbers live, apart from events, with crypto-shredding.

Events and aggregates know a person only by an opaque random ``person_id``. The ID number
is kept here, encrypted with a data key of that person's own; the data key is stored
wrapped (encrypted) by the service's master key. Erasing a person destroys the wrapped key
and the lookup hash: the ciphertext left behind can no longer be decrypted by anyone, and
the number can no longer be found, while every event stays intact.

Layout of what is stored (the same for every implementation):

* ``identity_pii``: ``person_id``, ``lookup_hash`` (HMAC-SHA256 of the number under the
  lookup key, hex; NULL once erased), ``id_ciphertext`` (AES-256-GCM under the data key),
  ``created_at``;
* ``identity_person_keys``: ``person_id``, ``wrapped_key`` (the data key, AES-256-GCM under
  the master key).

Both ciphertexts bind the person id as associated data, so a row copied onto another
person does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hourbank_identity.domain.national_id import NationalId

KEY_BYTES = 32
_NONCE_BYTES = 12
_FORMAT_V1 = b"\x01"
_KEY_CONTEXT = b"hourbank.identity.person-key.v1:"
_ID_CONTEXT = b"hourbank.identity.national-id.v1:"


class PiiVaultError(Exception):
    """Base class of the vault's errors. Messages never contain personal data."""


class PersonIdInUse(PiiVaultError):
    """``claim`` was given a candidate person id that already holds another ID number."""


class UndecryptableRecord(PiiVaultError):
    """A stored record does not decrypt with the keys at hand (wrong key or tampering)."""


class PiiVault(Protocol):
    """Port: the only place that maps ID numbers to person ids and back."""

    def claim(self, national_id: NationalId, candidate_person_id: UUID) -> tuple[UUID, bool]:
        """The person holding ``national_id``: ``(existing_id, False)`` if the number is
        already held, otherwise the number is stored for ``candidate_person_id`` and
        ``(candidate_person_id, True)`` is returned. Safe when two callers race with the
        same number: both get the same person. A number whose holder was erased is free
        again. Raises :class:`PersonIdInUse` if the candidate id already holds a record."""
        ...

    def find(self, national_id: NationalId) -> UUID | None:
        """The person holding ``national_id``, or None."""
        ...

    def reveal(self, person_id: UUID) -> NationalId | None:
        """The person's ID number, or None when unknown or erased."""
        ...

    def masked(self, person_id: UUID) -> str | None:
        """The masked ID number (``3703**********123X``), or None when unknown or erased."""
        ...

    def erase(self, person_id: UUID) -> bool:
        """Destroy the person's data key and lookup hash. True if anything was erased;
        erasing again (or an unknown person) returns False."""
        ...

    def is_erased(self, person_id: UUID) -> bool:
        """True when a record for the person exists and has been erased."""
        ...


def _decode_key(name: str, encoded: str) -> bytes:
    try:
        key = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"the PII {name} is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise ValueError(
            f"the PII {name} must be {KEY_BYTES} bytes ({KEY_BYTES * 8} bits) once decoded,"
            f" got {len(key)} bytes"
        )
    return key


class PiiCipher:
    """The vault's cryptography: per-person data keys wrapped by a master key, AES-256-GCM,
    and an HMAC-SHA256 lookup hash so a number can be found without being decrypted.

    The lookup key must differ from the master key. An HMAC (not a plain hash) is needed
    because ID numbers have little entropy: without the lookup key, a stolen table cannot
    be reversed by hashing every plausible number.
    """

    def __init__(self, master_key: bytes, lookup_key: bytes) -> None:
        for name, key in (("master key", master_key), ("lookup key", lookup_key)):
            if len(key) != KEY_BYTES:
                raise ValueError(f"the PII {name} must be {KEY_BYTES} bytes, got {len(key)}")
        if hmac.compare_digest(master_key, lookup_key):
            raise ValueError("the PII master key and lookup key must be different keys")
        self._master = AESGCM(master_key)
        self._lookup_key = lookup_key

    @classmethod
    def from_base64(cls, master_key_b64: str, lookup_key_b64: str) -> PiiCipher:
        """Keys as standard base64 text (e.g. ``openssl rand -base64 32``)."""
        return cls(
            _decode_key("master key", master_key_b64), _decode_key("lookup key", lookup_key_b64)
        )

    def __repr__(self) -> str:
        return "PiiCipher(<keys hidden>)"

    @staticmethod
    def new_data_key() -> bytes:
        return AESGCM.generate_key(bit_length=KEY_BYTES * 8)

    def lookup_hash(self, national_id: NationalId) -> str:
        return hmac.new(self._lookup_key, national_id.value.encode(), hashlib.sha256).hexdigest()

    def derived_key(self, purpose: str) -> bytes:
        """A 32-byte key for another keyed hash of personal data (e.g. the login
        throttle's), derived from the lookup key so that no further secret is needed and
        the two hashes of one ID number differ."""
        return hmac.new(
            self._lookup_key, f"hourbank.identity.derived:{purpose}".encode(), hashlib.sha256
        ).digest()

    def wrap_key(self, person_id: UUID, data_key: bytes) -> bytes:
        return _seal(self._master, data_key, _KEY_CONTEXT + person_id.bytes)

    def unwrap_key(self, person_id: UUID, wrapped_key: bytes) -> bytes:
        return _open(self._master, wrapped_key, _KEY_CONTEXT + person_id.bytes)

    @staticmethod
    def encrypt_id(person_id: UUID, data_key: bytes, national_id: NationalId) -> bytes:
        return _seal(AESGCM(data_key), national_id.value.encode(), _ID_CONTEXT + person_id.bytes)

    @staticmethod
    def decrypt_id(person_id: UUID, data_key: bytes, ciphertext: bytes) -> NationalId:
        plain = _open(AESGCM(data_key), ciphertext, _ID_CONTEXT + person_id.bytes)
        return NationalId(plain.decode())

    def seal_new(self, person_id: UUID, national_id: NationalId) -> SealedRecord:
        """Everything to store for a new person: a fresh data key, wrapped, and the number
        encrypted with it."""
        data_key = self.new_data_key()
        return SealedRecord(
            lookup_hash=self.lookup_hash(national_id),
            id_ciphertext=self.encrypt_id(person_id, data_key, national_id),
            wrapped_key=self.wrap_key(person_id, data_key),
        )

    def open_record(self, person_id: UUID, wrapped_key: bytes, ciphertext: bytes) -> NationalId:
        return self.decrypt_id(person_id, self.unwrap_key(person_id, wrapped_key), ciphertext)


def _seal(aead: AESGCM, plain: bytes, associated: bytes) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    return _FORMAT_V1 + nonce + aead.encrypt(nonce, plain, associated)


def _open(aead: AESGCM, sealed: bytes, associated: bytes) -> bytes:
    if sealed[:1] != _FORMAT_V1 or len(sealed) < 1 + _NONCE_BYTES:
        raise UndecryptableRecord("unknown PII ciphertext format")
    nonce, body = sealed[1 : 1 + _NONCE_BYTES], sealed[1 + _NONCE_BYTES :]
    try:
        return aead.decrypt(nonce, body, associated)
    except InvalidTag:
        raise UndecryptableRecord("PII ciphertext does not decrypt with this key") from None


@dataclass(frozen=True, repr=False)
class SealedRecord:
    lookup_hash: str
    id_ciphertext: bytes
    wrapped_key: bytes


@dataclass
class StoredPii:
    """One ``identity_pii`` row."""

    person_id: UUID
    lookup_hash: str | None
    id_ciphertext: bytes
    created_at: datetime


class InMemoryPiiVault:
    """The vault on dictionaries shaped like the PostgreSQL tables, so that erasure really
    destroys the key here too. ``pii_rows`` and ``key_rows`` are the stored rows."""

    def __init__(self, cipher: PiiCipher) -> None:
        self._cipher = cipher
        self._lock = threading.Lock()
        self.pii_rows: dict[UUID, StoredPii] = {}
        self.key_rows: dict[UUID, bytes] = {}
        self._by_lookup_hash: dict[str, UUID] = {}  # the unique index on lookup_hash

    def claim(self, national_id: NationalId, candidate_person_id: UUID) -> tuple[UUID, bool]:
        sealed = self._cipher.seal_new(candidate_person_id, national_id)
        with self._lock:
            holder = self._by_lookup_hash.get(sealed.lookup_hash)
            if holder is not None:
                return holder, False
            if candidate_person_id in self.pii_rows:
                raise PersonIdInUse("the candidate person id already holds an ID number")
            self.pii_rows[candidate_person_id] = StoredPii(
                person_id=candidate_person_id,
                lookup_hash=sealed.lookup_hash,
                id_ciphertext=sealed.id_ciphertext,
                created_at=datetime.now(UTC),
            )
            self.key_rows[candidate_person_id] = sealed.wrapped_key
            self._by_lookup_hash[sealed.lookup_hash] = candidate_person_id
            return candidate_person_id, True

    def find(self, national_id: NationalId) -> UUID | None:
        lookup_hash = self._cipher.lookup_hash(national_id)
        with self._lock:
            return self._by_lookup_hash.get(lookup_hash)

    def reveal(self, person_id: UUID) -> NationalId | None:
        with self._lock:
            row = self.pii_rows.get(person_id)
            wrapped_key = self.key_rows.get(person_id)
        if row is None or wrapped_key is None:
            return None
        return self._cipher.open_record(person_id, wrapped_key, row.id_ciphertext)

    def masked(self, person_id: UUID) -> str | None:
        national_id = self.reveal(person_id)
        return None if national_id is None else national_id.masked()

    def erase(self, person_id: UUID) -> bool:
        with self._lock:
            erased = self.key_rows.pop(person_id, None) is not None
            row = self.pii_rows.get(person_id)
            if row is not None and row.lookup_hash is not None:
                del self._by_lookup_hash[row.lookup_hash]
                row.lookup_hash = None
                erased = True
            return erased

    def is_erased(self, person_id: UUID) -> bool:
        with self._lock:
            return person_id in self.pii_rows and person_id not in self.key_rows
