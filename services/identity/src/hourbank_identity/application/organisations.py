"""Organisations: registering the four tiers top-down, pre-loading them from a spreadsheet,
employers registering themselves and being approved, and their administrators' accounts.

Who may do which is decided in ``domain/authority.py``; the tier rules are the
``Organisation`` aggregate's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from uuid import UUID

from hourbank_common.access import Principal
from hourbank_common.errors import Conflict, Forbidden, InvalidInput, NotFound
from hourbank_identity.application.parsing import (
    parse_credit_code,
    parse_kind,
    parse_login,
    parse_name,
    parse_region,
)
from hourbank_identity.application.results import Activation, ImportReport, RowError
from hourbank_identity.application.store import IdentityApplication
from hourbank_identity.domain.account import Scope, account_id_for_login
from hourbank_identity.domain.authority import (
    admin_scope,
    is_registry_clerk,
    may_approve,
    may_create_province_admin,
    may_manage,
    province_admin_scope,
    registration_refusal,
)
from hourbank_identity.domain.credit_code import CreditCode
from hourbank_identity.domain.organisation import (
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    RegistrationRefused,
    organisation_id,
)
from hourbank_identity.domain.regions import RegionCode

ORGANISATION_COLUMNS = ("kind", "name", "region_code", "credit_code", "industry_authority")
"""The columns of a pre-load spreadsheet; the first three are required."""
REQUIRED_ORGANISATION_COLUMNS = ORGANISATION_COLUMNS[:3]


class Organisations:
    def __init__(self, app: IdentityApplication, *, clock: Callable[[], datetime]) -> None:
        self._app = app
        self._clock = clock

    def get(self, org_id: UUID) -> Organisation:
        found = self._app.organisation(org_id)
        if found is None:
            raise NotFound("no such organisation")
        return found

    def register(
        self,
        actor: Principal | None,
        *,
        kind: OrganisationKind,
        name: str,
        region_code: str,
        credit_code: str | None = None,
        industry_authority_id: UUID | None = None,
        industry_authority_name: str | None = None,
    ) -> tuple[Organisation, bool]:
        """Register one organisation; ``actor`` None means a self-registering employer,
        which stays pending until its HR authority approves it. False with the existing
        organisation when the same registration was made before (a retry)."""
        region = parse_region(region_code)
        name = parse_name(name)
        code = parse_credit_code(credit_code) if credit_code else None
        refusal = registration_refusal(actor, kind, region.value)
        if refusal is not None:
            raise Forbidden(refusal)
        parent = self._parent_for(kind, region, industry_authority_id, industry_authority_name)
        natural_key = _natural_key(kind, region, name, parent, code)
        status = OrganisationStatus.PENDING if actor is None else OrganisationStatus.ACTIVE
        existing = self._app.organisation(organisation_id(kind, natural_key))
        if existing is not None:
            if existing.same_registration_as(
                kind=kind,
                name=name,
                region_code=region.value,
                parent_id=parent.id if parent else None,
            ):
                return existing, False
            raise Conflict(
                f"this {kind.value} is already registered with other details",
                field="credit_code" if code else "name",
            )
        try:
            organisation = Organisation.register(
                kind=kind,
                name=name,
                region_code=region.value,
                parent=parent,
                credit_code=code.value if code else None,
                status=status,
                natural_key=natural_key,
            )
        except RegistrationRefused as error:
            raise InvalidInput(error.message, field=error.field) from error
        self._app.commit(organisation)
        return organisation, True

    def preload(self, actor: Principal, rows: Iterable[Mapping[str, str]]) -> ImportReport:
        """Pre-load rows (``ORGANISATION_COLUMNS``) in order; a bad row is reported and
        skipped, the others are registered."""
        if not is_registry_clerk(actor):
            raise Forbidden("only HR authorities and province administrators pre-load")
        report = ImportReport()
        for number, row in enumerate(rows, start=1):
            report.rows += 1
            try:
                _, created = self.register(
                    actor,
                    kind=parse_kind(row.get("kind", "")),
                    name=row.get("name", ""),
                    region_code=row.get("region_code", ""),
                    credit_code=row.get("credit_code") or None,
                    industry_authority_name=row.get("industry_authority") or None,
                )
            except (InvalidInput, Conflict, Forbidden) as error:
                report.errors.append(RowError(number, error.field or "row", error.message))
                continue
            if created:
                report.created += 1
            else:
                report.unchanged += 1
        return report

    def approve_employer(self, actor: Principal, employer_id: UUID) -> Organisation:
        employer = self._app.organisation(employer_id)
        if employer is None or employer.kind is not OrganisationKind.EMPLOYER:
            raise NotFound("no such employer")
        if not may_approve(actor, employer):
            raise Forbidden("only the employer's HR authority approves it")
        approver = UUID(actor.organisation_id) if actor.organisation_id else UUID(int=0)
        if employer.approve(approver):
            self._app.commit(employer)
        return employer

    def provision_admin(
        self, actor: Principal | None, organisation: UUID | None, login: str
    ) -> Activation:
        """An administrator account for an organisation (or, with ``organisation`` None and
        no actor, the bootstrap province administrator), activated by a one-time code."""
        login = parse_login(login)
        scope: Scope
        if organisation is None:
            if not may_create_province_admin(actor):
                raise Forbidden("only province administrators create province administrators")
            scope = province_admin_scope()
        else:
            org = self._app.organisation(organisation)
            if org is None:
                raise NotFound("no such organisation")
            if not org.active:
                raise InvalidInput("the organisation is pending approval", field="organisation")
            if actor is None or not may_manage(actor, org):
                raise Forbidden("this organisation is outside the caller's scope")
            scope = admin_scope(org)
        account_id = account_id_for_login(login)
        if self._app.account(account_id) is not None:
            raise Conflict("this login is taken", field="login")
        return self._app.provision_account(account_id, login=login, scope=scope, now=self._clock())

    # --- where an organisation hangs ----------------------------------------------------

    def _hr_authority_for(self, region: RegionCode) -> Organisation | None:
        """The HR authority of the region itself, else of its city."""
        for candidate in (region, region.city()):
            found = self._app.organisation(
                organisation_id(OrganisationKind.HR_AUTHORITY, candidate.value)
            )
            if found is not None:
                return found
        return None

    def _parent_for(
        self,
        kind: OrganisationKind,
        region: RegionCode,
        industry_authority_id: UUID | None,
        industry_authority_name: str | None,
    ) -> Organisation | None:
        if kind is OrganisationKind.HR_AUTHORITY:
            if region.level == "district":
                return self._app.organisation(
                    organisation_id(OrganisationKind.HR_AUTHORITY, region.city().value)
                )
            return None
        hr_authority = self._hr_authority_for(region)
        if hr_authority is None:
            raise InvalidInput(
                "register the region's HR authority first (registration runs top-down)",
                field="region_code",
            )
        if kind is not OrganisationKind.EMPLOYER:
            return hr_authority
        if industry_authority_id is None and industry_authority_name:
            industry_authority_id = organisation_id(
                OrganisationKind.INDUSTRY_AUTHORITY,
                f"{hr_authority.region_code}/{' '.join(industry_authority_name.split())}",
            )
        if industry_authority_id is None:
            raise InvalidInput(
                "an employer is registered under its industry authority",
                field="industry_authority",
            )
        industry = self._app.organisation(industry_authority_id)
        if industry is None or industry.kind is not OrganisationKind.INDUSTRY_AUTHORITY:
            raise InvalidInput("no such industry authority", field="industry_authority")
        return industry


def _natural_key(
    kind: OrganisationKind,
    region: RegionCode,
    name: str,
    parent: Organisation | None,
    code: CreditCode | None,
) -> str:
    if kind is OrganisationKind.HR_AUTHORITY:
        return region.value
    if kind is OrganisationKind.INDUSTRY_AUTHORITY:
        assert parent is not None
        return f"{parent.region_code}/{' '.join(name.split())}"
    if code is None:
        raise InvalidInput(f"an {kind.value} needs its credit code", field="credit_code")
    return code.value
