"""Identity's services on in-memory persistence, with a controllable clock."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID

from hourbank_common.auth import (
    Principal,
    Role,
    TokenSigner,
    TokenVerifier,
    generate_signing_keypair,
)
from hourbank_identity.adapters.tokens import JwtTokens
from hourbank_identity.application.identity import IdentityServices
from hourbank_identity.application.login_throttle import InMemoryThrottleStore, LoginThrottle
from hourbank_identity.application.pii_vault import InMemoryPiiVault, PiiCipher, PiiVault
from hourbank_identity.application.store import IdentityApplication
from hourbank_identity.domain.passwords import PasswordHasher

from .synthetic import credit_code_text

KEYS = generate_signing_keypair()
TOKENS = JwtTokens(TokenSigner(KEYS.private_pem), TokenVerifier(KEYS.public_pem))
STRONG_PASSWORD = "violet-harbour-tractor-51"
CLIENT = "192.0.2.10"  # the caller's address (TEST-NET-1) where a test needs one


@dataclass
class Clock:
    # Real time by default: tokens are checked against the real clock by PyJWT.
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def new_identity(
    clock: Clock | None = None,
    hasher: PasswordHasher | None = None,
    vault: PiiVault | None = None,
) -> IdentityServices:
    cipher = PiiCipher(os.urandom(32), os.urandom(32))
    return IdentityServices.assemble(
        IdentityApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}),
        vault=vault or InMemoryPiiVault(cipher),
        hasher=hasher or PasswordHasher.fast_for_tests(),
        throttle=LoginThrottle(InMemoryThrottleStore(), cipher.derived_key("login-throttle")),
        tokens=TOKENS,
        clock=clock or Clock(),
    )


PROVINCE = Principal(subject="province", role=Role.PROVINCE_ADMIN, region_code="370000")
ZIBO_EMPLOYER_CODE = credit_code_text("91370303MA3C7XKQ6")
OTHER_EMPLOYER_CODE = credit_code_text("91370402MA3D8YLR2")


@dataclass(frozen=True)
class Registry:
    zibo_hr: UUID
    zaozhuang_hr: UUID
    industry: UUID
    employer: UUID
    other_employer: UUID
    agency: UUID


def preload_registry(identity: IdentityServices) -> Registry:
    """Two cities, an industry authority and an employer in each, an agency in Zibo."""
    report = identity.organisations.preload(
        PROVINCE,
        [
            {"kind": "hr_authority", "name": "淄博市人力资源和社会保障局", "region_code": "370300"},
            {"kind": "hr_authority", "name": "枣庄市人力资源和社会保障局", "region_code": "370400"},
            {"kind": "industry_authority", "name": "淄博市卫生健康委员会", "region_code": "370300"},
            {"kind": "industry_authority", "name": "枣庄市卫生健康委员会", "region_code": "370400"},
            {
                "kind": "employer",
                "name": "淄博市第一医院",
                "region_code": "370303",
                "credit_code": ZIBO_EMPLOYER_CODE,
                "industry_authority": "淄博市卫生健康委员会",
            },
            {
                "kind": "employer",
                "name": "枣庄市立医院",
                "region_code": "370402",
                "credit_code": OTHER_EMPLOYER_CODE,
                "industry_authority": "枣庄市卫生健康委员会",
            },
            {
                "kind": "agency",
                "name": "淄博市人才服务中心",
                "region_code": "370300",
                "credit_code": credit_code_text("12370300MB2850111"),
            },
        ],
    )
    assert report.errors == [], report.errors
    ids = {org.name: org.id for org in _all_organisations(identity)}
    return Registry(
        zibo_hr=ids["淄博市人力资源和社会保障局"],
        zaozhuang_hr=ids["枣庄市人力资源和社会保障局"],
        industry=ids["淄博市卫生健康委员会"],
        employer=ids["淄博市第一医院"],
        other_employer=ids["枣庄市立医院"],
        agency=ids["淄博市人才服务中心"],
    )


def _all_organisations(identity: IdentityServices) -> list[object]:
    from hourbank_identity.domain.organisation import Organisation

    found = []
    for notification in identity.app.recorder.select_notifications(start=1, limit=1000):
        event = identity.app.mapper.to_domain_event(notification)
        if isinstance(event, Organisation.Registered):
            organisation = identity.app.organisation(event.originator_id)
            assert organisation is not None
            found.append(organisation)
    return found


def hr_admin(registry: Registry, region: str = "370300") -> Principal:
    org = registry.zibo_hr if region == "370300" else registry.zaozhuang_hr
    return Principal(
        subject="hr", role=Role.HR_AUTHORITY, region_code=region, organisation_id=str(org)
    )


def employer_admin(organisation: UUID, region: str = "370303") -> Principal:
    return Principal(
        subject="employer",
        role=Role.EMPLOYER_ADMIN,
        region_code=region,
        organisation_id=str(organisation),
        organisation_ids=frozenset({str(organisation)}),
    )
