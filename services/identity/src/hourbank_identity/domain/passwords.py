"""Password rules, password hashing and account activation codes.

The old Zibo platform gave every account a default password equal to the last 6 digits of
the ID number. The new system never issues passwords: migrated and pre-loaded people
receive a one-time activation code and choose their own password, which must pass
:func:`check_password_strength` with their ID number, name and login as ``user_inputs``.

Argon2 hashing is CPU work, not I/O, so it lives with the other pure rules.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from collections.abc import Sequence
from typing import Any

import argon2
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

MIN_LENGTH = 8
MAX_LENGTH = 128
MIN_SCORE = 3
# zxcvbn refuses longer input (its matching is super-linear); the first 72 characters of a
# password decide its strength well enough.
_ZXCVBN_MAX_LENGTH = 72
# A password may not contain this many consecutive characters of a user input.
_USER_INPUT_RUN = 6
_FRAGMENT_MIN = 4

# zxcvbn keeps the caller's user inputs in a module-global dictionary while it scores, so
# two threads scoring at once would see each other's inputs. Serialise the calls.
_zxcvbn_lock = threading.Lock()


class WeakPassword(ValueError):
    """The password is refused; ``reason`` says why in plain English (never the password)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _fragments(user_inputs: Sequence[str]) -> list[str]:
    """Each input and its substrings of 4+ characters, so that zxcvbn recognises a password
    built from a piece of the ID number (``…011234``), not only from the whole number."""
    found: set[str] = set()
    for text in user_inputs:
        word = text.strip().lower()
        if not word:
            continue
        found.add(word)
        for size in range(_FRAGMENT_MIN, len(word)):
            found.update(word[i : i + size] for i in range(len(word) - size + 1))
    return sorted(found)


def _contains_user_input(password: str, user_inputs: Sequence[str]) -> bool:
    lowered = password.lower()
    for text in user_inputs:
        word = text.strip().lower()
        for i in range(len(word) - _USER_INPUT_RUN + 1):
            if word[i : i + _USER_INPUT_RUN] in lowered:
                return True
    return False


def check_password_strength(password: str, *, user_inputs: Sequence[str] = ()) -> None:
    """Raise :class:`WeakPassword` unless ``password`` is acceptable.

    Rules: 8 to 128 characters; no run of 6 or more characters taken from one of
    ``user_inputs`` (ID number, name, login, phone…); a zxcvbn score of at least 3
    ("safely unguessable") with ``user_inputs`` and their pieces in its dictionary.
    """
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"password must have at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"password must have at most {MAX_LENGTH} characters")
    if _contains_user_input(password, user_inputs):
        raise WeakPassword(
            "password must not contain part of your ID number, name or login"
            f" ({_USER_INPUT_RUN} or more characters in a row)"
        )
    with _zxcvbn_lock:
        result: dict[str, Any] = zxcvbn(
            password[:_ZXCVBN_MAX_LENGTH], user_inputs=_fragments(user_inputs)
        )
    if int(result["score"]) < MIN_SCORE:
        feedback = result.get("feedback") or {}
        hint = str(feedback.get("warning") or "").strip()
        if not hint:
            suggestions = [str(s) for s in feedback.get("suggestions") or []]
            hint = " ".join(suggestions) or "add more words or characters"
        raise WeakPassword(f"password is too common or easy to guess: {hint}")


class PasswordHasher:
    """Argon2id password hashes (argon2-cffi's RFC 9106 low-memory defaults).

    Tests pass lighter parameters, e.g. ``PasswordHasher(time_cost=1, memory_cost=8,
    parallelism=1)``; :meth:`needs_rehash` then tells production to upgrade such hashes.
    """

    def __init__(
        self,
        *,
        time_cost: int | None = None,
        memory_cost: int | None = None,
        parallelism: int | None = None,
    ) -> None:
        defaults = argon2.PasswordHasher()
        self._hasher = argon2.PasswordHasher(
            time_cost=defaults.time_cost if time_cost is None else time_cost,
            memory_cost=defaults.memory_cost if memory_cost is None else memory_cost,
            parallelism=defaults.parallelism if parallelism is None else parallelism,
        )
        # Made now, not on the first unknown login, so that no login pays for it.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    @classmethod
    def fast_for_tests(cls) -> PasswordHasher:
        """Minimal Argon2 cost: for test suites only, never for stored passwords."""
        return cls(time_cost=1, memory_cost=8, parallelism=1)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, hash: str, password: str) -> bool:
        """True when ``password`` matches ``hash``. Never raises for a wrong password; a
        malformed or empty stored hash (e.g. an account not yet activated) also gives False."""
        try:
            return self._hasher.verify(hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def verify_dummy(self, password: str) -> None:
        """Spend the time of a real verification (the same parameters, through
        :meth:`verify`). Call it when the login is unknown or has no password yet, so that
        response times do not reveal which logins exist."""
        self.verify(self._dummy_hash, password)

    def needs_rehash(self, hash: str) -> bool:
        """True when ``hash`` was made with other parameters (or cannot be read): after a
        successful login, store a fresh hash of the password."""
        try:
            return self._hasher.check_needs_rehash(hash)
        except InvalidHashError:
            return True


# Crockford's base 32: digits and letters without I, L, O and U, so that a code read aloud
# or typed from paper is unambiguous; on input I and L are read as 1 and O as 0.
ACTIVATION_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ACTIVATION_GROUPS = 5
ACTIVATION_GROUP_SIZE = 4  # 5 groups × 4 characters × 5 bits = 100 bits of entropy
_SEPARATORS = re.compile(r"[\s\-]+")
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})


def new_activation_code() -> str:
    """A one-time activation code such as ``K7QF-3MZP-9D2X-TR4A-WN8C`` (100 random bits)."""
    groups = (
        "".join(secrets.choice(ACTIVATION_ALPHABET) for _ in range(ACTIVATION_GROUP_SIZE))
        for _ in range(ACTIVATION_GROUPS)
    )
    return "-".join(groups)


def normalise_activation_code(code: str) -> str:
    """Upper-case, hyphens and spaces removed, look-alike letters read as digits."""
    return _SEPARATORS.sub("", code).upper().translate(_READ_AS)


def activation_code_digest(code: str) -> str:
    """SHA-256 hex digest of the normalised code: what is stored instead of the code.

    A fast hash is enough here, unlike for passwords: a code carries 100 random bits, so
    a stolen digest cannot be reversed by guessing, and the code expires after one use.
    """
    return hashlib.sha256(normalise_activation_code(code).encode()).hexdigest()
