"""Who may read and record what: the access rules, as pure functions (no web, no tokens).

Domain and application code decide with ``may_read`` / ``may_write``; the HTTP layer
(``hourbank_common.auth``) turns a token into a :class:`Principal` and a refusal into a 403
problem. Keeping the rules here means a rule is tested once, used by every service, and an
application never has to catch an HTTP error to learn what the rules said.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final
from uuid import UUID

from hourbank_common.regions import region_covers

__all__ = [
    "ORGANISATION_ROLES",
    "PROVINCE_WIDE_ROLES",
    "Principal",
    "ResourceScope",
    "Role",
    "has_role",
    "may_read",
    "may_write",
    "region_covers",
]


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


ORGANISATION_ROLES: Final = frozenset({Role.EMPLOYER_ADMIN, Role.AGENCY, Role.INDUSTRY_AUTHORITY})
"""Roles that act for one organisation and reach the persons whose organisations include it."""
PROVINCE_WIDE_ROLES: Final = frozenset({Role.PROVINCE_ADMIN, Role.TITLE_CLIENT})
READ_ONLY_ROLES: Final = frozenset({Role.TITLE_CLIENT})


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


def may_read(principal: Principal, scope: ResourceScope) -> bool:
    """Professional → self; organisation roles → persons of their organisation within their
    region; HR authority → everyone registered in a region it covers (a city covers its
    districts); province-wide roles → all. An unknown region never matches (fail closed)."""
    role = principal.role
    if role in PROVINCE_WIDE_ROLES:
        return True
    if role is Role.PROFESSIONAL:
        return principal.person_id is not None and principal.person_id == scope.person_id
    if scope.region_code is None or not region_covers(principal.region_code, scope.region_code):
        return False
    if role is Role.HR_AUTHORITY:
        return True
    if role in ORGANISATION_ROLES:
        return (
            principal.organisation_id is not None
            and principal.organisation_id in scope.organisation_ids
        )
    return False


def may_write(principal: Principal, scope: ResourceScope) -> bool:
    """Everyone may record where they may read, except the read-only title client."""
    return principal.role not in READ_ONLY_ROLES and may_read(principal, scope)


def has_role(principal: Principal, roles: Iterable[Role]) -> bool:
    return principal.role in frozenset(roles)
