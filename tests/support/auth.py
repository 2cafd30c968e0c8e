"""Access tokens for tests: one Ed25519 key pair per test session, tokens for any role.

Unit tests pass ``VERIFIER`` to the apps they build; integration tests give the api
processes ``PUBLIC_KEY_ENV`` and send ``bearer(...)`` headers.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID, uuid4

from hourbank_common.auth import (
    Principal,
    Role,
    TokenSigner,
    TokenVerifier,
    generate_signing_keypair,
)

PROVINCE = "370000"
# Generating a key pair takes microseconds, but every test sharing one keeps tokens minted
# in a fixture valid for every app built in the session.
KEYS = generate_signing_keypair()
SIGNER = TokenSigner(KEYS.private_pem)
VERIFIER = TokenVerifier(KEYS.public_pem)
PUBLIC_KEY_ENV = {"AUTH_JWT_PUBLIC_KEY": KEYS.public_pem}


def token(principal: Principal) -> str:
    return SIGNER.access_token(principal)


def bearer(principal: Principal) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(principal)}"}


def professional(
    person_id: UUID, region_code: str, organisation_ids: Sequence[str] = ()
) -> Principal:
    """A professional's token: their own person id, registration region and organisations
    (nearest first: the employer or agency, then its industry authority)."""
    return Principal(
        subject=f"account-{uuid4()}",
        role=Role.PROFESSIONAL,
        region_code=region_code,
        organisation_id=organisation_ids[0] if organisation_ids else None,
        organisation_ids=frozenset(organisation_ids),
        person_id=person_id,
    )


def organisation_admin(role: Role, organisation_id: str, region_code: str) -> Principal:
    """An employer admin, agency or industry authority acting for one organisation."""
    return Principal(
        subject=f"account-{uuid4()}",
        role=role,
        region_code=region_code,
        organisation_id=organisation_id,
        organisation_ids=frozenset({organisation_id}),
    )


def authority(region_code: str) -> Principal:
    """A city or district HR authority."""
    return Principal(subject=f"account-{uuid4()}", role=Role.HR_AUTHORITY, region_code=region_code)


def province_admin() -> Principal:
    return Principal(subject=f"account-{uuid4()}", role=Role.PROVINCE_ADMIN, region_code=PROVINCE)


def title_client() -> Principal:
    return Principal(subject=f"account-{uuid4()}", role=Role.TITLE_CLIENT, region_code=PROVINCE)
