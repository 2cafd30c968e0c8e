"""The identity service's verb families over its one store, assembled once.

The composition root (``bootstrap.py``) builds them on PostgreSQL; tests build them on
eventsourcing's in-memory persistence with an in-memory vault, throttle and fast hashing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from hourbank_identity.application.accounts import Accounts
from hourbank_identity.application.legacy import LegacyImport
from hourbank_identity.application.login_throttle import LoginThrottle
from hourbank_identity.application.organisations import Organisations
from hourbank_identity.application.persons import Persons
from hourbank_identity.application.pii_vault import PiiVault
from hourbank_identity.application.store import IdentityApplication
from hourbank_identity.application.tokens import TokenIssuer
from hourbank_identity.domain.passwords import PasswordHasher


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class IdentityServices:
    app: IdentityApplication
    organisations: Organisations
    accounts: Accounts
    persons: Persons
    legacy: LegacyImport

    @classmethod
    def assemble(
        cls,
        app: IdentityApplication,
        *,
        vault: PiiVault,
        hasher: PasswordHasher,
        throttle: LoginThrottle,
        tokens: TokenIssuer,
        clock: Callable[[], datetime] = _now,
    ) -> IdentityServices:
        persons = Persons(app, vault=vault, clock=clock)
        return cls(
            app=app,
            organisations=Organisations(app, clock=clock),
            accounts=Accounts(
                app, vault=vault, hasher=hasher, throttle=throttle, tokens=tokens, clock=clock
            ),
            persons=persons,
            legacy=LegacyImport(app, persons=persons, clock=clock),
        )
