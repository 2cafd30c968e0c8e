"""Accounts: activation with the one-time code, login, refresh, and the throttle on both.

Until a caller proves they hold the account (the right code, the right password), every
refusal is the same ``InvalidCredentials`` after the same work, and unknown logins are
throttled under the same counts as known ones (``domain/throttling.py``): answers never
tell whether a login exists.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from hourbank_common.errors import (
    Conflict,
    InvalidCredentials,
    InvalidInput,
    ServiceError,
    Throttled,
)
from hourbank_identity.application.login_throttle import LoginThrottle
from hourbank_identity.application.parsing import try_national_id
from hourbank_identity.application.pii_vault import PiiVault
from hourbank_identity.application.results import TokenPair
from hourbank_identity.application.store import IdentityApplication
from hourbank_identity.application.tokens import TokenIssuer
from hourbank_identity.domain.account import (
    Account,
    AccountRefusal,
    AccountRefused,
    account_id_for_login,
    account_id_for_person,
)
from hourbank_identity.domain.passwords import (
    PasswordHasher,
    WeakPassword,
    activation_code_digest,
    check_password_strength,
)

_THROTTLED = "too many failed attempts; try again later"


class Accounts:
    def __init__(
        self,
        app: IdentityApplication,
        *,
        vault: PiiVault,
        hasher: PasswordHasher,
        throttle: LoginThrottle,
        tokens: TokenIssuer,
        clock: Callable[[], datetime],
    ) -> None:
        self._app = app
        self._vault = vault
        self._hasher = hasher
        self._throttle = throttle
        self._tokens = tokens
        self._clock = clock

    def activate(
        self, login: str, activation_code: str, password: str, *, client_address: str
    ) -> UUID:
        """Set the first password. Until the code is proven right, every refusal is the
        same ``InvalidCredentials`` (unknown login, active account, wrong code alike) and
        costs the same work; throttled like logins, under the same counts."""
        now = self._clock()
        throttle_key = self._throttle_key(login)
        self._refuse_if_throttled(throttle_key, client_address, now)
        account = self._resolve_login(login)
        code_digest = activation_code_digest(activation_code)
        if account is None or not account.accepts_activation_code(code_digest):
            self._throttle.failed(throttle_key, client_address, now)
            raise InvalidCredentials("unknown login or wrong activation code")
        # The caller holds the account's one-time code: from here answers may be specific.
        if account.activation_expired(now):
            raise InvalidInput("the activation code has expired", field="activation_code")
        try:
            check_password_strength(password, user_inputs=self._personal_words(account, login))
        except WeakPassword as error:
            raise InvalidInput(error.reason, field="password") from error
        try:
            account.activate(
                code_digest=code_digest, password_hash=self._hasher.hash(password), now=now
            )
        except AccountRefused as refused:
            raise _refusal(refused) from refused
        self._app.commit(account)
        self._throttle.succeeded(throttle_key, client_address)
        return account.id

    def login(self, login: str, password: str, *, client_address: str) -> TokenPair:
        """Tokens for the right password. Unknown logins, inactive accounts and wrong
        passwords get the same answer after the same work (one Argon2 verification) and
        are throttled under the same counts; ``client_address`` is the caller's address as
        the HTTP layer determined it."""
        now = self._clock()
        throttle_key = self._throttle_key(login)
        self._refuse_if_throttled(throttle_key, client_address, now)
        account = self._resolve_login(login)
        if account is None or account.password_hash is None:
            self._hasher.verify_dummy(password)
            self._throttle.failed(throttle_key, client_address, now)
            raise InvalidCredentials("unknown login or wrong password")
        if not self._hasher.verify(account.password_hash, password):
            self._throttle.failed(throttle_key, client_address, now)
            raise InvalidCredentials("unknown login or wrong password")
        self._throttle.succeeded(throttle_key, client_address)
        if self._hasher.needs_rehash(account.password_hash):
            account.rehash_password(password_hash=self._hasher.hash(password))
        generation = account.rotate_refresh()
        self._app.commit(account)
        return self._token_pair(account, generation, now)

    def refresh(self, refresh_token: str) -> TokenPair:
        grant = self._tokens.read_refresh_token(refresh_token)
        if grant is None:
            raise InvalidCredentials("invalid refresh token")
        account = self._app.account(grant.account_id)
        if account is None or not account.active:
            raise InvalidCredentials("invalid refresh token")
        if grant.generation != account.refresh_generation:
            # A refresh token used twice: whoever holds the newer one is cut off too.
            account.rotate_refresh()
            self._app.commit(account)
            raise InvalidCredentials("refresh token was already used; log in again")
        generation = account.rotate_refresh()
        self._app.commit(account)
        return self._token_pair(account, generation, self._clock())

    def _token_pair(self, account: Account, generation: int, now: datetime) -> TokenPair:
        return TokenPair(
            access_token=self._tokens.access_token(account.principal(), now=now),
            refresh_token=self._tokens.refresh_token(account.id, generation, now=now),
            expires_in=int(self._tokens.access_ttl.total_seconds()),
        )

    def _resolve_login(self, login: str) -> Account | None:
        """A professional logs in with their ID number, an administrator with a login name."""
        national_id = try_national_id(login, self._clock())
        if national_id is not None:
            person_id = self._vault.find(national_id)
            return self._app.account(account_id_for_person(person_id)) if person_id else None
        return self._app.account(account_id_for_login(login.strip()))

    def _throttle_key(self, login: str) -> str:
        """One key per account whatever the spelling (ID number case, login case), and the
        same kind of key for logins that do not exist."""
        national_id = try_national_id(login, self._clock())
        if national_id is not None:
            return f"id:{national_id.value}"
        return f"name:{login.strip().casefold()}"

    def _refuse_if_throttled(self, throttle_key: str, client_address: str, now: datetime) -> None:
        wait = self._throttle.retry_after(throttle_key, client_address, now)
        if wait is not None:
            raise Throttled(_THROTTLED, max(1, math.ceil(wait.total_seconds())))

    def _personal_words(self, account: Account, login: str) -> list[str]:
        """What a password must not be built from: the login, the name, the ID number."""
        words = [login]
        if account.login:
            words.append(account.login)
        if account.person_id is not None:
            person = self._app.person(account.person_id)
            if person is not None:
                words.append(person.name)
            revealed = self._vault.reveal(account.person_id)
            if revealed is not None:
                words.append(revealed.value)
        return words


def _refusal(refused: AccountRefused) -> ServiceError:
    if refused.reason is AccountRefusal.ALREADY_ACTIVE:
        return Conflict("the account is already active; log in", field="activation_code")
    if refused.reason is AccountRefusal.CODE_EXPIRED:
        return InvalidInput("the activation code has expired", field="activation_code")
    return InvalidCredentials("unknown login or wrong activation code")
