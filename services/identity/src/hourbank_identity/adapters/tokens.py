"""The token port on identity's Ed25519 key: access and refresh tokens are JWTs signed with
``hourbank_common.auth``'s signer, and the public half is published as a JWKS for every
service that verifies them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.serialization import load_pem_public_key
from jwt.algorithms import OKPAlgorithm

from hourbank_common.access import Principal
from hourbank_common.auth import InvalidToken, TokenSigner, TokenVerifier
from hourbank_identity.application.tokens import RefreshGrant


class JwtTokens:
    """Implements ``application.tokens.TokenIssuer``; ``verifier`` authenticates identity's
    own API with the same key."""

    def __init__(self, signer: TokenSigner, verifier: TokenVerifier) -> None:
        self._signer = signer
        self.verifier = verifier

    @classmethod
    def from_private_key(
        cls,
        private_pem: str,
        *,
        issuer: str,
        audience: str,
        access_ttl: timedelta,
        refresh_ttl: timedelta,
    ) -> JwtTokens:
        signer = TokenSigner(
            private_pem,
            issuer=issuer,
            audience=audience,
            access_ttl=access_ttl,
            refresh_ttl=refresh_ttl,
        )
        return cls(signer, TokenVerifier(signer.public_pem, issuer=issuer, audience=audience))

    @property
    def access_ttl(self) -> timedelta:
        return self._signer.access_ttl

    def access_token(self, principal: Principal, *, now: datetime) -> str:
        return self._signer.access_token(principal, now=now)

    def refresh_token(self, account_id: UUID, generation: int, *, now: datetime) -> str:
        return self._signer.refresh_token(str(account_id), generation, now=now)

    def read_refresh_token(self, token: str) -> RefreshGrant | None:
        try:
            claims = self.verifier.verify_refresh(token)
            return RefreshGrant(UUID(claims.account_id), claims.generation)
        except (InvalidToken, ValueError):
            return None

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The signing key's public half as a JSON Web Key Set."""
        public_key: Any = load_pem_public_key(self._signer.public_pem.encode("ascii"))
        key = OKPAlgorithm.to_jwk(public_key, as_dict=True)
        return {"keys": [{**key, "use": "sig", "alg": "EdDSA"}]}
