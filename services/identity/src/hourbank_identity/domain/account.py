"""Accounts: who may log in, in which role, for which region and organisation.

No account ever has a default password. A new account holds only the digest of a one-time
activation code; its holder chooses a password to activate it. Guessing is throttled outside
the aggregate (``throttling.py``), per login and per client address, so that unknown logins
are throttled exactly like known ones and no aggregate is made for them.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from hourbank_common.access import Principal, Role

ACTIVATION_VALIDITY = timedelta(days=30)


class AccountRefusal(StrEnum):
    NOT_ACTIVATED = "not_activated"
    ALREADY_ACTIVE = "already_active"
    WRONG_CODE = "wrong_code"
    CODE_EXPIRED = "code_expired"


class AccountRefused(Exception):
    def __init__(self, reason: AccountRefusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


def account_id_for_login(login: str) -> UUID:
    """Named accounts (administrators) are found by their login name, case-insensitively."""
    return uuid5(NAMESPACE_URL, f"/hourbank/identity/accounts/login/{login.casefold()}")


def account_id_for_person(person_id: UUID) -> UUID:
    """A professional's account, found from the person id the vault returns for an ID number."""
    return uuid5(NAMESPACE_URL, f"/hourbank/identity/accounts/person/{person_id}")


@dataclass(frozen=True)
class Scope:
    role: Role
    region_code: str
    organisation_id: UUID | None
    organisation_ids: tuple[UUID, ...]
    person_id: UUID | None


class Account(Aggregate):
    class Provisioned(Aggregate.Created):
        login: str | None
        role: str
        region_code: str
        organisation_id: UUID | None
        organisation_ids: list[UUID]
        person_id: UUID | None
        activation_digest: str
        activation_expires_at: datetime

    @event(Provisioned)
    def __init__(
        self,
        id: UUID,  # eventsourcing takes the aggregate id from this parameter
        login: str | None,
        role: str,
        region_code: str,
        organisation_id: UUID | None,
        organisation_ids: list[UUID],
        person_id: UUID | None,
        activation_digest: str,
        activation_expires_at: datetime,
    ) -> None:
        self.login = login
        self.role = Role(role)
        self.region_code = region_code
        self.organisation_id = organisation_id
        self.organisation_ids = list(organisation_ids)
        self.person_id = person_id
        self.activation_digest: str | None = activation_digest
        self.activation_expires_at = activation_expires_at
        self.password_hash: str | None = None
        self.refresh_generation = 0

    @classmethod
    def provision(
        cls,
        account_id: UUID,
        *,
        login: str | None,
        scope: Scope,
        activation_digest: str,
        now: datetime,
    ) -> Account:
        return cls(
            id=account_id,
            login=login,
            role=scope.role.value,
            region_code=scope.region_code,
            organisation_id=scope.organisation_id,
            organisation_ids=list(scope.organisation_ids),
            person_id=scope.person_id,
            activation_digest=activation_digest,
            activation_expires_at=now + ACTIVATION_VALIDITY,
        )

    @property
    def active(self) -> bool:
        return self.password_hash is not None

    def principal(self) -> Principal:
        """What an access token for this account says."""
        return Principal(
            subject=str(self.id),
            role=self.role,
            region_code=self.region_code,
            organisation_id=str(self.organisation_id) if self.organisation_id else None,
            organisation_ids=frozenset(str(o) for o in self.organisation_ids),
            person_id=self.person_id,
        )

    # --- events of the former per-account lock ----------------------------------------------
    # Accounts once counted failed attempts and locked themselves for 15 minutes, which let
    # anyone who knew an ID number lock its owner out. Throttling now lives outside the
    # aggregate (throttling.py). These events are no longer raised; the methods stay so
    # that stored accounts still replay, and replaying them changes nothing.

    @event("AttemptFailed")
    def _attempt_failed(self, at: datetime) -> None:
        pass

    @event("FailuresCleared")
    def _failures_cleared(self) -> None:
        pass

    # --- activation ------------------------------------------------------------------------

    @event("Activated")
    def _activated(self, password_hash: str) -> None:
        self.password_hash = password_hash
        self.activation_digest = None

    def accepts_activation_code(self, code_digest: str) -> bool:
        """True when ``code_digest`` is this account's pending code (never once active).
        Whoever gives the right code holds the account: only they learn more about it
        (that it expired, that their password is weak)."""
        pending = self.activation_digest
        return pending is not None and hmac.compare_digest(code_digest, pending)

    def activation_expired(self, now: datetime) -> bool:
        return now >= self.activation_expires_at

    def activate(self, *, code_digest: str, password_hash: str, now: datetime) -> None:
        """Set the first password with the one-time code. Raises AccountRefused. A wrong
        code (which an active account never has) is refused before anything else, so that
        the refusal does not tell whether the account is active or its code expired."""
        if not self.accepts_activation_code(code_digest):
            raise AccountRefused(AccountRefusal.WRONG_CODE)
        if self.activation_expired(now):
            raise AccountRefused(AccountRefusal.CODE_EXPIRED)
        self._activated(password_hash=password_hash)

    @event("ActivationReissued")
    def _activation_reissued(self, activation_digest: str, activation_expires_at: datetime) -> None:
        self.activation_digest = activation_digest
        self.activation_expires_at = activation_expires_at

    def reissue_activation(self, *, activation_digest: str, now: datetime) -> None:
        if self.active:
            raise AccountRefused(AccountRefusal.ALREADY_ACTIVE)
        self._activation_reissued(
            activation_digest=activation_digest, activation_expires_at=now + ACTIVATION_VALIDITY
        )

    # --- login and refresh -------------------------------------------------------------------

    @event("PasswordRehashed")
    def rehash_password(self, password_hash: str) -> None:
        self.password_hash = password_hash

    @event("RefreshRotated")
    def _refresh_rotated(self, generation: int) -> None:
        self.refresh_generation = generation

    def rotate_refresh(self) -> int:
        """Start a new refresh generation; every older refresh token stops working."""
        self._refresh_rotated(generation=self.refresh_generation + 1)
        return self.refresh_generation
