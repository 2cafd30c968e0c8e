"""Organisations of the four registration tiers, registered top-down.

HR authority (city or district) → industry authority → employer; a personnel agency or
community HR office hangs directly under an HR authority and takes free-lancers in. Ids are
derived from natural keys (region code, credit code, authority + name), so pre-loading the
same spreadsheet twice finds the organisations it already created.
"""

from __future__ import annotations

from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from hourbank_common.regions import region_covers


class OrganisationKind(StrEnum):
    HR_AUTHORITY = "hr_authority"
    INDUSTRY_AUTHORITY = "industry_authority"
    EMPLOYER = "employer"
    AGENCY = "agency"


class OrganisationStatus(StrEnum):
    ACTIVE = "active"
    PENDING = "pending"


class RegistrationRefused(ValueError):
    """A registration breaks a rule of the registry; names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def organisation_id(kind: OrganisationKind, natural_key: str) -> UUID:
    """The id of an organisation, from what identifies it outside this system.

    HR authority: its region code; industry authority: ``<hr region>/<name>``; employer
    and agency: the unified social credit code.
    """
    return uuid5(NAMESPACE_URL, f"/hourbank/identity/organisations/{kind.value}/{natural_key}")


class Organisation(Aggregate):
    class Registered(Aggregate.Created):
        kind: str
        name: str
        region_code: str
        parent_id: UUID | None
        credit_code: str | None
        status: str

    @event(Registered)
    def __init__(
        self,
        id: UUID,  # eventsourcing takes the aggregate id from this parameter
        kind: str,
        name: str,
        region_code: str,
        parent_id: UUID | None,
        credit_code: str | None,
        status: str,
    ) -> None:
        self.kind = OrganisationKind(kind)
        self.name = name
        self.region_code = region_code
        self.parent_id = parent_id
        self.credit_code = credit_code
        self.status = OrganisationStatus(status)
        self.approved_by: UUID | None = None

    @classmethod
    def register(
        cls,
        *,
        kind: OrganisationKind,
        name: str,
        region_code: str,
        parent: Organisation | None,
        credit_code: str | None,
        status: OrganisationStatus,
        natural_key: str,
    ) -> Organisation:
        """Check the tier rules against the parent, then raise Registered."""
        _check_parent(kind, region_code, parent)
        if kind in (OrganisationKind.EMPLOYER, OrganisationKind.AGENCY) and not credit_code:
            raise RegistrationRefused("credit_code", f"an {kind.value} needs its credit code")
        name = " ".join(name.split())
        if not name:
            raise RegistrationRefused("name", "must not be blank")
        return cls(
            id=organisation_id(kind, natural_key),
            kind=kind.value,
            name=name,
            region_code=region_code,
            parent_id=parent.id if parent else None,
            credit_code=credit_code,
            status=status.value,
        )

    class Approved(Aggregate.Event):
        approved_by: UUID
        region_code: str

    @event(Approved)
    def _approved(self, approved_by: UUID, region_code: str) -> None:
        self.status = OrganisationStatus.ACTIVE
        self.approved_by = approved_by

    def approve(self, approved_by: UUID) -> bool:
        """Approve a pending employer; False when it was already active (a retry)."""
        if self.status is OrganisationStatus.ACTIVE:
            return False
        self._approved(approved_by=approved_by, region_code=self.region_code)
        return True

    def same_registration_as(
        self, *, kind: OrganisationKind, name: str, region_code: str, parent_id: UUID | None
    ) -> bool:
        """Whether a repeated registration describes this organisation (an idempotent retry)."""
        return (self.kind, self.name, self.region_code, self.parent_id) == (
            kind,
            " ".join(name.split()),
            region_code,
            parent_id,
        )

    @property
    def active(self) -> bool:
        return self.status is OrganisationStatus.ACTIVE


_PARENT_KIND = {
    OrganisationKind.INDUSTRY_AUTHORITY: OrganisationKind.HR_AUTHORITY,
    OrganisationKind.AGENCY: OrganisationKind.HR_AUTHORITY,
    OrganisationKind.EMPLOYER: OrganisationKind.INDUSTRY_AUTHORITY,
}


def _check_parent(kind: OrganisationKind, region_code: str, parent: Organisation | None) -> None:
    """Registration runs top-down: each tier hangs under an active organisation above it,
    in a region that organisation covers (a district HR authority may sit under its city)."""
    if kind is OrganisationKind.HR_AUTHORITY:
        if parent is None:
            return
        if parent.kind is not OrganisationKind.HR_AUTHORITY or not region_covers(
            parent.region_code, region_code
        ):
            raise RegistrationRefused("region_code", "a district sits under its city's authority")
        return
    expected = _PARENT_KIND[kind]
    if parent is None or parent.kind is not expected:
        field = "industry_authority" if kind is OrganisationKind.EMPLOYER else "region_code"
        raise RegistrationRefused(
            field, f"an {kind.value} is registered under an existing {expected.value}"
        )
    if not parent.active:
        raise RegistrationRefused("region_code", f"its {expected.value} is not active")
    if not region_covers(parent.region_code, region_code):
        raise RegistrationRefused(
            "region_code", f"must lie within the region of its {expected.value}"
        )
