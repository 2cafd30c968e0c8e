"""Who is asking: access tokens and the FastAPI dependency every service authenticates with.

The identity service signs short-lived access tokens with an Ed25519 private key; every
other service only holds the public key (``AUTH_JWT_PUBLIC_KEY``), so a compromised
reader cannot mint tokens. A token carries the caller's role, the GB/T 2260 region it is
scoped to and the organisations it acts for; endpoints compare that scope with the scope
of the resource asked for (``ResourceScope``) with the pure rules of
``hourbank_common.access``; ``authorize_read`` / ``authorize_write`` raise its
``Forbidden`` for endpoints. Refusals are RFC 9457 problems: 401 without a valid token,
403 when the token does not reach the resource.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Final
from uuid import UUID

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import Field

from hourbank_common.access import (
    READ_ONLY_ROLES,
    Principal,
    ResourceScope,
    Role,
    has_role,
    may_read,
    may_write,
    region_covers,
)
from hourbank_common.errors import Forbidden
from hourbank_common.http import ProblemError, add_log_context
from hourbank_common.settings import ServiceSettings

__all__ = [
    "DEFAULT_AUDIENCE",
    "DEFAULT_ISSUER",
    "AuthSettings",
    "CurrentPrincipal",
    "InvalidToken",
    "Principal",
    "RefreshClaims",
    "ResourceScope",
    "Role",
    "SigningKeyPair",
    "TokenSigner",
    "TokenVerifier",
    "authorize_read",
    "authorize_write",
    "current_principal",
    "generate_signing_keypair",
    "install_authentication",
    "may_read",
    "may_write",
    "region_covers",
    "require_role",
]

DEFAULT_ISSUER: Final = "hourbank-identity"
DEFAULT_AUDIENCE: Final = "hourbank"
_ALGORITHM: Final = "EdDSA"
_PROBLEM_AUTH = "https://hourbank.example/problems/unauthenticated"


def authorize_read(principal: Principal, scope: ResourceScope) -> None:
    """Raise :class:`~hourbank_common.errors.Forbidden` (a 403 problem) unless
    ``may_read``; for endpoints. Application code asks ``may_read`` itself."""
    if not may_read(principal, scope):
        raise Forbidden(f"role {principal.role.value} may not read this resource")


def authorize_write(principal: Principal, scope: ResourceScope) -> None:
    """Raise Forbidden unless ``may_write``: the title-evaluation client only reads;
    everyone else may record where they may read."""
    if principal.role in READ_ONLY_ROLES:
        raise Forbidden("the title-evaluation client is read-only")
    if not may_write(principal, scope):
        raise Forbidden(f"role {principal.role.value} may not record this resource")


def require_role(principal: Principal, roles: Iterable[Role]) -> None:
    """Raise Forbidden unless the principal has one of ``roles``."""
    allowed = frozenset(roles)
    if not has_role(principal, allowed):
        names = ", ".join(sorted(r.value for r in allowed))
        raise Forbidden(f"this action requires one of the roles: {names}")


class InvalidToken(Exception):
    """A token that is malformed, expired, of the wrong kind or not signed by identity."""


@dataclass(frozen=True)
class SigningKeyPair:
    private_pem: str
    public_pem: str


def generate_signing_keypair() -> SigningKeyPair:
    """A fresh Ed25519 key pair (PEM), for local runs and tests; production keys are secrets."""
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    return SigningKeyPair(private_pem=private_pem, public_pem=public_pem)


def _principal_claims(principal: Principal) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "sub": principal.subject,
        "role": principal.role.value,
        "region": principal.region_code,
    }
    if principal.organisation_id is not None:
        claims["org"] = principal.organisation_id
    if principal.organisation_ids:
        claims["orgs"] = sorted(principal.organisation_ids)
    if principal.person_id is not None:
        claims["pid"] = str(principal.person_id)
    return claims


class TokenSigner:
    """Issues access and refresh tokens; only the identity service holds the private key."""

    def __init__(
        self,
        private_pem: str,
        *,
        issuer: str = DEFAULT_ISSUER,
        audience: str = DEFAULT_AUDIENCE,
        access_ttl: timedelta = timedelta(minutes=15),
        refresh_ttl: timedelta = timedelta(days=7),
    ) -> None:
        key = serialization.load_pem_private_key(private_pem.encode("ascii"), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            msg = "AUTH_JWT_PRIVATE_KEY must be an Ed25519 private key in PEM"
            raise ValueError(msg)
        self._key = key
        self._issuer = issuer
        self._audience = audience
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl

    @property
    def public_pem(self) -> str:
        """The public half, for verifiers (``AUTH_JWT_PUBLIC_KEY``) and the JWKS document."""
        return (
            self._key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode("ascii")
        )

    def _sign(self, claims: dict[str, Any], kind: str, ttl: timedelta, now: datetime) -> str:
        payload = {
            **claims,
            "iss": self._issuer,
            "aud": self._audience,
            "iat": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
            "jti": secrets.token_urlsafe(16),
            "typ": kind,
        }
        return jwt.encode(payload, self._key, algorithm=_ALGORITHM)

    def access_token(self, principal: Principal, *, now: datetime | None = None) -> str:
        return self._sign(
            _principal_claims(principal), "access", self.access_ttl, now or datetime.now(UTC)
        )

    def refresh_token(
        self, account_id: str, generation: int, *, now: datetime | None = None
    ) -> str:
        """A refresh token names the account and its refresh generation; identity re-reads
        the account on refresh (so a disabled account or a rotated generation is refused)."""
        claims = {"sub": account_id, "gen": generation}
        return self._sign(claims, "refresh", self.refresh_ttl, now or datetime.now(UTC))


@dataclass(frozen=True)
class RefreshClaims:
    account_id: str
    generation: int


class TokenVerifier:
    """Checks signature, issuer, audience, expiry and kind; builds the Principal."""

    def __init__(
        self, public_pem: str, *, issuer: str = DEFAULT_ISSUER, audience: str = DEFAULT_AUDIENCE
    ) -> None:
        self._key = serialization.load_pem_public_key(public_pem.encode("ascii"))
        self._issuer = issuer
        self._audience = audience

    def _decode(self, token: str, kind: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key,  # type: ignore[arg-type]
                algorithms=[_ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "typ"]},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(str(error)) from error
        if claims.get("typ") != kind:
            raise InvalidToken(f"not an {kind} token")
        return claims

    def verify_access(self, token: str) -> Principal:
        claims = self._decode(token, "access")
        try:
            return Principal(
                subject=str(claims["sub"]),
                role=Role(claims["role"]),
                region_code=str(claims["region"]),
                organisation_id=claims.get("org"),
                organisation_ids=frozenset(str(o) for o in claims.get("orgs", ())),
                person_id=UUID(claims["pid"]) if "pid" in claims else None,
            )
        except (KeyError, ValueError, TypeError) as error:
            raise InvalidToken("access token lacks a valid role, region or person") from error

    def verify_refresh(self, token: str) -> RefreshClaims:
        claims = self._decode(token, "refresh")
        generation = claims.get("gen")
        if not isinstance(generation, int):
            raise InvalidToken("refresh token lacks its generation")
        return RefreshClaims(account_id=str(claims["sub"]), generation=generation)


class AuthSettings(ServiceSettings):
    """What every service that checks tokens needs: identity's public key."""

    auth_jwt_public_key: str = Field(
        description="PEM of the identity service's Ed25519 public key (not a secret)."
    )
    auth_jwt_issuer: str = Field(default=DEFAULT_ISSUER, description="Expected `iss` claim.")
    auth_jwt_audience: str = Field(default=DEFAULT_AUDIENCE, description="Expected `aud`.")

    def verifier(self) -> TokenVerifier:
        return TokenVerifier(
            self.auth_jwt_public_key, issuer=self.auth_jwt_issuer, audience=self.auth_jwt_audience
        )


def install_authentication(app: FastAPI, verifier: TokenVerifier) -> None:
    """Make ``CurrentPrincipal`` work in this app's endpoints."""
    app.state.token_verifier = verifier


_bearer = HTTPBearer(auto_error=False, description="Access token issued by identity")


def _unauthenticated(detail: str) -> ProblemError:
    return ProblemError(
        401,
        "Unauthorized",
        detail,
        type_=_PROBLEM_AUTH,
        headers={"WWW-Authenticate": 'Bearer realm="hourbank"'},
    )


def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """FastAPI dependency: the caller, from the ``Authorization: Bearer`` access token."""
    verifier: TokenVerifier | None = getattr(request.app.state, "token_verifier", None)
    if verifier is None:  # a wiring mistake, never the client's fault
        msg = "install_authentication() was not called for this app"
        raise RuntimeError(msg)
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthenticated("an Authorization: Bearer access token is required")
    try:
        principal = verifier.verify_access(credentials.credentials)
    except InvalidToken as error:
        raise _unauthenticated(f"invalid access token: {error}") from error
    # The canonical request log line names who asked (opaque account id and role only).
    add_log_context(
        request, principal_subject=principal.subject, principal_role=principal.role.value
    )
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
"""Declare ``principal: CurrentPrincipal`` in an endpoint to require authentication."""
