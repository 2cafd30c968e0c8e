"""Accounts and tokens: activation, login, refresh, and the public key that verifies them.

Answers never tell whether a login exists: unknown logins, wrong codes and wrong passwords
answer the same 401, and repeated failures the same 429 with Retry-After.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from hourbank_common.http import problem_responses
from hourbank_identity.entrypoints.http.deps import AccountsDep, ClientAddress, TokensDep
from hourbank_identity.entrypoints.http.models import ActivateIn, LoginIn, RefreshIn, TokensOut

router = APIRouter()


@router.post("/v1/accounts/activate", responses=problem_responses(401, 409, 429))
def activate(body: ActivateIn, accounts: AccountsDep, address: ClientAddress) -> dict[str, str]:
    """Unknown login, active account and wrong code answer the same 401; repeated
    failures answer 429 with Retry-After, for unknown logins exactly as for known ones."""
    account_id = accounts.activate(
        body.login, body.activation_code, body.password, client_address=address
    )
    return {"account_id": str(account_id), "status": "active"}


@router.post("/v1/auth/login", responses=problem_responses(401, 409, 429))
def login(body: LoginIn, accounts: AccountsDep, address: ClientAddress) -> TokensOut:
    """Unknown login and wrong password answer the same 401; repeated failures answer
    429 with Retry-After (a short backoff, never a lock), the same for every login."""
    return TokensOut.of(accounts.login(body.login, body.password, client_address=address))


@router.post("/v1/auth/refresh", responses=problem_responses(401, 409))
def refresh(body: RefreshIn, accounts: AccountsDep) -> TokensOut:
    return TokensOut.of(accounts.refresh(body.refresh_token))


@router.get("/.well-known/jwks.json")
def jwks(tokens: TokensDep) -> dict[str, list[dict[str, Any]]]:
    """The token-signing public key as a JSON Web Key Set, for verifiers."""
    return tokens.jwks()
