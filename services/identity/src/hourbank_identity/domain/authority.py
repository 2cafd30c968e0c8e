"""Who may change the registry: pure rules on the caller (a ``Principal``).

The province's administrators may do anything; an HR authority acts within its region; an
employer's or agency's administrator acts for its own organisation only. The application
services ask these rules before they change anything and turn a refusal into ``Forbidden``
(or, for reads, into ``NotFound``, so that ids cannot be probed).
"""

from __future__ import annotations

from typing import Final
from uuid import UUID

from hourbank_common.access import Principal, ResourceScope, Role, may_read, region_covers
from hourbank_identity.domain.account import Scope
from hourbank_identity.domain.organisation import Organisation, OrganisationKind
from hourbank_identity.domain.person import Person

REGISTRY_CLERKS: Final = frozenset({Role.PROVINCE_ADMIN, Role.HR_AUTHORITY})
"""The roles that pre-load organisations and migrate people from the old platform."""

PROVINCE_REGION: Final = "370000"

ADMIN_ROLE_FOR_KIND: Final = {
    OrganisationKind.HR_AUTHORITY: Role.HR_AUTHORITY,
    OrganisationKind.INDUSTRY_AUTHORITY: Role.INDUSTRY_AUTHORITY,
    OrganisationKind.EMPLOYER: Role.EMPLOYER_ADMIN,
    OrganisationKind.AGENCY: Role.AGENCY,
}


def registration_refusal(
    actor: Principal | None, kind: OrganisationKind, region_code: str
) -> str | None:
    """Why ``actor`` may not register an organisation of ``kind`` in ``region_code``; None
    when it may. No actor is an employer registering itself (it then waits for approval);
    province administrators register anything; an HR authority registers what lies in its
    region below it (district HR authorities only under a city's), never itself."""
    if actor is None:
        return None if kind is OrganisationKind.EMPLOYER else "only employers register themselves"
    if actor.role is Role.PROVINCE_ADMIN:
        return None
    if actor.role is Role.HR_AUTHORITY and region_covers(actor.region_code, region_code):
        if kind is OrganisationKind.HR_AUTHORITY and actor.region_code == region_code:
            return "an HR authority cannot register itself"
        return None
    return "only HR authorities of the region and province administrators register"


def may_manage(actor: Principal, organisation: Organisation) -> bool:
    """Whether ``actor`` may create accounts and register people for ``organisation``."""
    if actor.role is Role.PROVINCE_ADMIN:
        return True
    if actor.role is Role.HR_AUTHORITY:
        return region_covers(actor.region_code, organisation.region_code)
    if actor.role in (Role.EMPLOYER_ADMIN, Role.AGENCY):
        return actor.organisation_id == str(organisation.id)
    return False


def may_approve(actor: Principal, employer: Organisation) -> bool:
    """Only the employer's HR authority (or the province) approves a self-registration."""
    return actor.role in (Role.HR_AUTHORITY, Role.PROVINCE_ADMIN) and region_covers(
        actor.region_code, employer.region_code
    )


def may_create_province_admin(actor: Principal | None) -> bool:
    """No actor is the operator's one-off command: the first province administrator cannot
    be authorised by anyone."""
    return actor is None or actor.role is Role.PROVINCE_ADMIN


def is_registry_clerk(actor: Principal) -> bool:
    return actor.role in REGISTRY_CLERKS


def may_erase_id_number(actor: Principal) -> bool:
    return actor.role is Role.PROVINCE_ADMIN


def person_scope(person: Person) -> ResourceScope:
    """Whose data a person's profile is, for ``may_read``."""
    return ResourceScope(
        person_id=person.id,
        region_code=person.region_code,
        organisation_ids=frozenset(str(o) for o in person.organisation_ids),
    )


def may_read_person(actor: Principal, person: Person) -> bool:
    return may_read(actor, person_scope(person))


# --- what an account may do once it exists ------------------------------------------------


def province_admin_scope() -> Scope:
    return Scope(Role.PROVINCE_ADMIN, PROVINCE_REGION, None, (), None)


def admin_scope(organisation: Organisation) -> Scope:
    """An organisation administrator's account: its organisation and the one above it."""
    chain = (organisation.id,) + ((organisation.parent_id,) if organisation.parent_id else ())
    return Scope(
        ADMIN_ROLE_FOR_KIND[organisation.kind],
        organisation.region_code,
        organisation.id,
        chain,
        None,
    )


def affiliation_chain(organisation: Organisation) -> list[UUID]:
    """The organisations a professional registered with ``organisation`` belongs to: an
    employer and its industry authority, or an agency alone."""
    if organisation.parent_id and organisation.kind is OrganisationKind.EMPLOYER:
        return [organisation.id, organisation.parent_id]
    return [organisation.id]


def professional_scope(organisation: Organisation, person_id: UUID) -> Scope:
    return Scope(
        Role.PROFESSIONAL,
        organisation.region_code,
        organisation.id,
        tuple(affiliation_chain(organisation)),
        person_id,
    )
