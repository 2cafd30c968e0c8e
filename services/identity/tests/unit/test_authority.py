"""Who may change and read the registry: the pure rules of ``domain/authority.py``."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from hourbank_common.access import Principal, Role
from hourbank_identity.domain.authority import (
    may_approve,
    may_manage,
    may_read_person,
    registration_refusal,
)
from hourbank_identity.domain.organisation import (
    Organisation,
    OrganisationKind,
    OrganisationStatus,
)
from hourbank_identity.domain.person import Person, Registration

EMPLOYER = uuid4()
INDUSTRY = uuid4()
OTHER = uuid4()
PERSON = Person.register(
    uuid4(),
    name="张三",
    region_code="370303",
    organisation_ids=[EMPLOYER, INDUSTRY],
    registration=Registration.EMPLOYER,
)


def _principal(
    role: Role, region: str, organisation: UUID | None = None, person: UUID | None = None
) -> Principal:
    return Principal(
        subject="s",
        role=role,
        region_code=region,
        organisation_id=str(organisation) if organisation else None,
        person_id=person,
    )


@pytest.mark.parametrize(
    ("actor", "may"),
    [
        (_principal(Role.PROVINCE_ADMIN, "370000"), True),
        (_principal(Role.TITLE_CLIENT, "370000"), True),
        (_principal(Role.HR_AUTHORITY, "370300"), True),  # the city covers its district
        (_principal(Role.HR_AUTHORITY, "370303"), True),
        (_principal(Role.HR_AUTHORITY, "370400"), False),
        (_principal(Role.EMPLOYER_ADMIN, "370303", EMPLOYER), True),
        (_principal(Role.EMPLOYER_ADMIN, "370303", OTHER), False),
        (_principal(Role.EMPLOYER_ADMIN, "370303"), False),
        (_principal(Role.EMPLOYER_ADMIN, "370402", EMPLOYER), False),  # outside its region
        (_principal(Role.INDUSTRY_AUTHORITY, "370300", INDUSTRY), True),
        (_principal(Role.AGENCY, "370300", OTHER), False),
        (_principal(Role.PROFESSIONAL, "370303", EMPLOYER, PERSON.id), True),
        (_principal(Role.PROFESSIONAL, "370303", EMPLOYER, uuid4()), False),
        (_principal(Role.PROFESSIONAL, "370303", EMPLOYER), False),
    ],
)
def test_who_reads_a_persons_profile(actor: Principal, may: bool) -> None:
    assert may_read_person(actor, PERSON) is may


def _organisation(kind: OrganisationKind, region: str) -> Organisation:
    return Organisation(
        id=uuid4(),
        kind=kind.value,
        name="x",
        region_code=region,
        parent_id=None,
        credit_code=None,
        status=OrganisationStatus.PENDING.value,
    )


@pytest.mark.parametrize(
    ("actor", "kind", "region", "refused"),
    [
        (None, OrganisationKind.EMPLOYER, "370303", False),
        (None, OrganisationKind.AGENCY, "370303", True),
        (_principal(Role.PROVINCE_ADMIN, "370000"), OrganisationKind.HR_AUTHORITY, "370300", False),
        (_principal(Role.HR_AUTHORITY, "370300"), OrganisationKind.HR_AUTHORITY, "370303", False),
        (_principal(Role.HR_AUTHORITY, "370300"), OrganisationKind.HR_AUTHORITY, "370300", True),
        (_principal(Role.HR_AUTHORITY, "370300"), OrganisationKind.EMPLOYER, "370402", True),
        (_principal(Role.EMPLOYER_ADMIN, "370303"), OrganisationKind.EMPLOYER, "370303", True),
    ],
)
def test_who_registers_which_tier_where(
    actor: Principal | None, kind: OrganisationKind, region: str, refused: bool
) -> None:
    assert (registration_refusal(actor, kind, region) is not None) is refused


def test_an_employer_is_managed_by_its_admins_and_its_region_and_approved_by_its_region() -> None:
    employer = _organisation(OrganisationKind.EMPLOYER, "370303")
    assert may_manage(_principal(Role.EMPLOYER_ADMIN, "370303", employer.id), employer)
    assert not may_manage(_principal(Role.EMPLOYER_ADMIN, "370303", OTHER), employer)
    assert not may_manage(_principal(Role.INDUSTRY_AUTHORITY, "370300", employer.id), employer)
    assert may_manage(_principal(Role.HR_AUTHORITY, "370300"), employer)
    assert may_approve(_principal(Role.HR_AUTHORITY, "370300"), employer)
    assert not may_approve(_principal(Role.HR_AUTHORITY, "370400"), employer)
    assert not may_approve(_principal(Role.EMPLOYER_ADMIN, "370303", employer.id), employer)
