"""Port: the tokens accounts issue. The application never sees how they are signed
(``adapters/tokens.py`` signs them with identity's Ed25519 key)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from hourbank_common.access import Principal


@dataclass(frozen=True)
class RefreshGrant:
    """What a valid refresh token names: the account and its refresh generation."""

    account_id: UUID
    generation: int


class TokenIssuer(Protocol):
    @property
    def access_ttl(self) -> timedelta: ...

    def access_token(self, principal: Principal, *, now: datetime) -> str: ...

    def refresh_token(self, account_id: UUID, generation: int, *, now: datetime) -> str: ...

    def read_refresh_token(self, token: str) -> RefreshGrant | None:
        """The grant of a refresh token this issuer signed and that has not expired; None
        for anything else (malformed, expired, another kind of token, another key)."""
        ...
