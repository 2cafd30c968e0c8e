"""Identity settings, from the environment only. Keys have no defaults: a process without
them refuses to start and names the variable."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, IPvAnyNetwork, SecretStr

from hourbank_common.auth import DEFAULT_AUDIENCE, DEFAULT_ISSUER
from hourbank_common.settings import ApiSettings, OutboxRelaySettings
from hourbank_contracts import IDENTITY_TOPIC


class IdentityApiSettings(ApiSettings):
    http_port: int = Field(default=8003, description="Port the API listens on.")
    identity_pii_master_key: SecretStr = Field(
        description="Base64 of 32 random bytes wrapping every person's data key (a KEK)."
    )
    identity_lookup_key: SecretStr = Field(
        description="Base64 of 32 random bytes keying the ID-number lookup hash (HMAC)."
    )
    auth_jwt_private_key: SecretStr = Field(
        description="PEM of the Ed25519 key that signs tokens; its public half goes to services."
    )
    auth_jwt_issuer: str = Field(default=DEFAULT_ISSUER)
    auth_jwt_audience: str = Field(default=DEFAULT_AUDIENCE)
    http_trusted_proxies: list[IPvAnyNetwork] = Field(
        default=[],
        description=(
            "Addresses or networks (CIDR) of the reverse proxies in front of the API, as a"
            ' JSON list such as ["10.0.0.0/8"]. Only requests arriving from one of them have'
            " their client address taken from X-Forwarded-For (the nearest untrusted"
            " entry); empty: the TCP peer is the client. Login throttling counts per client"
            " address, so behind a proxy this must be set."
        ),
    )
    access_token_minutes: int = Field(default=15, ge=1, le=60)
    refresh_token_days: int = Field(default=7, ge=1, le=30)

    @property
    def access_ttl(self) -> timedelta:
        return timedelta(minutes=self.access_token_minutes)

    @property
    def refresh_ttl(self) -> timedelta:
        return timedelta(days=self.refresh_token_days)


class IdentityRelaySettings(OutboxRelaySettings):
    """The relay reads the event store only: it needs no key at all."""

    identity_topic: str = Field(
        default=IDENTITY_TOPIC, description="Topic the relay publishes identity's events to."
    )
