"""Who is asking, and what they may read: the one authorization dependency every service uses.

The identity service signs short-lived access tokens with an Ed25519 private key; every
other service only holds the public key (``AUTH_JWT_PUBLIC_KEY``), so a compromised
reader cannot mint tokens. A token carries the caller's role, the GB/T 2260 region it is
scoped to and the organisations it acts for; endpoints compare that scope with the scope
of the resource asked for (``ResourceScope``) through ``authorize_read`` /
``authorize_write``. Refusals are RFC 9457 problems: 401 without a valid token, 403 when
the token does not reach the resource.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Final
from uuid import UUID

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import Field

from hourbank_common.http import ProblemError, add_log_context
from hourbank_common.regions import region_covers
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
    "region_covers",
    "require_role",
]

DEFAULT_ISSUER: Final = "hourbank-identity"
DEFAULT_AUDIENCE: Final = "hourbank"
_ALGORITHM: Final = "EdDSA"
_PROBLEM_AUTH = "https://hourbank.example/problems/unauthenticated"
_PROBLEM_FORBIDDEN = "https://hourbank.example/problems/forbidden"


class Role(StrEnum):
    PROFESSIONAL = "professional"
    """A professional (专业技术人员): reads and records only their own facts."""
    EMPLOYER_ADMIN = "employer_admin"
    """An employer's (用人单位) administrator: its own staff."""
    AGENCY = "agency"
    """A personnel agency or community HR office: the free-lancers attached to it."""
    INDUSTRY_AUTHORITY = "industry_authority"
    """An industry authority (行业主管部门): the staff of employers under it."""
    HR_AUTHORITY = "hr_authority"
    """A city or district HR authority (人社部门): everyone registered in its region."""
    PROVINCE_ADMIN = "province_admin"
    """The provincial platform's administrators: the whole province."""
    TITLE_CLIENT = "title_client"
    """The title-evaluation system (职称评审): reads everything, writes nothing."""


_ORGANISATION_ROLES: Final = frozenset({Role.EMPLOYER_ADMIN, Role.AGENCY, Role.INDUSTRY_AUTHORITY})
_PROVINCE_WIDE_ROLES: Final = frozenset({Role.PROVINCE_ADMIN, Role.TITLE_CLIENT})


@dataclass(frozen=True)
class Principal:
    """The authenticated caller, as its access token describes it."""

    subject: str
    """The account id (opaque)."""
    role: Role
    region_code: str
    """GB/T 2260 code the account is scoped to (370000 for province-wide roles)."""
    organisation_id: str | None = None
    """The organisation an administrator acts for; a professional's employer or agency."""
    organisation_ids: frozenset[str] = field(default_factory=frozenset)
    """Every organisation the caller belongs to (a professional: employer and its
    industry authority), recorded on what they create so those organisations can read it."""
    person_id: UUID | None = None
    """Set for professionals: the opaque person id they may read."""


@dataclass(frozen=True)
class ResourceScope:
    """Whose data a resource is: the person, the region and the organisations it belongs to."""

    person_id: UUID | None = None
    region_code: str | None = None
    organisation_ids: frozenset[str] = field(default_factory=frozenset)


def _may_read(principal: Principal, scope: ResourceScope) -> bool:
    role = principal.role
    if role in _PROVINCE_WIDE_ROLES:
        return True
    if role is Role.PROFESSIONAL:
        return principal.person_id is not None and principal.person_id == scope.person_id
    # Every other role is regional: an unknown region never matches (fail closed).
    if scope.region_code is None or not region_covers(principal.region_code, scope.region_code):
        return False
    if role is Role.HR_AUTHORITY:
        return True
    if role in _ORGANISATION_ROLES:
        return (
            principal.organisation_id is not None
            and principal.organisation_id in scope.organisation_ids
        )
    return False


def _forbidden(detail: str) -> ProblemError:
    return ProblemError(403, "Forbidden", detail, type_=_PROBLEM_FORBIDDEN)


def authorize_read(principal: Principal, scope: ResourceScope) -> None:
    """Raise 403 unless the principal may read data with this scope."""
    if not _may_read(principal, scope):
        raise _forbidden(f"role {principal.role.value} may not read this resource")


def authorize_write(principal: Principal, scope: ResourceScope) -> None:
    """Raise 403 unless the principal may record data with this scope.

    The title-evaluation client only reads; everyone else may write where they may read.
    """
    if principal.role is Role.TITLE_CLIENT:
        raise _forbidden("the title-evaluation client is read-only")
    if not _may_read(principal, scope):
        raise _forbidden(f"role {principal.role.value} may not record this resource")


def require_role(principal: Principal, roles: Iterable[Role]) -> None:
    """Raise 403 unless the principal has one of ``roles``."""
    allowed = frozenset(roles)
    if principal.role not in allowed:
        names = ", ".join(sorted(r.value for r in allowed))
        raise _forbidden(f"this action requires one of the roles: {names}")


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
