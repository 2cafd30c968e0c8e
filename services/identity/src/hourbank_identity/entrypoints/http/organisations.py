"""Organisations: registration, pre-loading, employers' self-registration and approval,
search, and their administrators' accounts."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from hourbank_common.auth import CurrentPrincipal, require_role
from hourbank_common.http import problem_responses
from hourbank_contracts.fields import PageOffset, SearchText
from hourbank_identity.application.organisations import (
    ORGANISATION_COLUMNS,
    REQUIRED_ORGANISATION_COLUMNS,
)
from hourbank_identity.domain.authority import REGISTRY_CLERKS
from hourbank_identity.domain.organisation import OrganisationKind
from hourbank_identity.entrypoints.http.deps import OrganisationsDep, SearchDep
from hourbank_identity.entrypoints.http.models import (
    AccountIn,
    ActivationOut,
    EmployerSelfRegistrationIn,
    ImportReportOut,
    OrganisationIn,
    OrganisationOut,
    OrganisationPage,
)
from hourbank_identity.entrypoints.http.uploads import csv_body, read_csv

router = APIRouter()


@router.post(
    "/v1/organisations",
    status_code=201,
    responses={
        200: {"description": "Already registered with the same facts.", "model": OrganisationOut},
        **problem_responses(409),
    },
)
def register_organisation(
    body: OrganisationIn,
    principal: CurrentPrincipal,
    response: Response,
    organisations: OrganisationsDep,
) -> OrganisationOut:
    organisation, created = organisations.register(
        principal,
        kind=body.kind,
        name=body.name,
        region_code=body.region_code,
        credit_code=body.credit_code,
        industry_authority_id=body.industry_authority_id,
    )
    if not created:
        response.status_code = 200
    return OrganisationOut.of(organisation)


@router.post(
    "/v1/organisations/import",
    openapi_extra=csv_body(ORGANISATION_COLUMNS),
    responses=problem_responses(413, 415),
)
async def preload_organisations(
    request: Request, principal: CurrentPrincipal, organisations: OrganisationsDep
) -> ImportReportOut:
    # Before the body is read: a caller who may not upload learns nothing about it.
    require_role(principal, REGISTRY_CLERKS)
    rows = await read_csv(request, REQUIRED_ORGANISATION_COLUMNS)
    report = await run_in_threadpool(organisations.preload, principal, rows)
    return ImportReportOut.of(report)


@router.post("/v1/employers", status_code=201, responses=problem_responses(403, 409))
def self_register_employer(
    body: EmployerSelfRegistrationIn, organisations: OrganisationsDep
) -> OrganisationOut:
    """Anyone may ask to register an employer that was not pre-loaded; it stays pending
    until its HR authority approves it and creates its administrator account."""
    organisation, _ = organisations.register(
        None,
        kind=OrganisationKind.EMPLOYER,
        name=body.name,
        region_code=body.region_code,
        credit_code=body.credit_code,
        industry_authority_id=body.industry_authority_id,
    )
    return OrganisationOut.of(organisation)


@router.post("/v1/employers/{organisation_id}/approval", responses=problem_responses(409))
def approve_employer(
    organisation_id: UUID, principal: CurrentPrincipal, organisations: OrganisationsDep
) -> OrganisationOut:
    return OrganisationOut.of(organisations.approve_employer(principal, organisation_id))


@router.get("/v1/organisations")
def search_organisations(
    principal: CurrentPrincipal,
    search: SearchDep,
    q: Annotated[SearchText | None, Query(description="Name or credit code.")] = None,
    kind: Annotated[OrganisationKind | None, Query()] = OrganisationKind.EMPLOYER,
    region_code: Annotated[str | None, Query(pattern=r"^[1-8][0-9]{5}$")] = None,
    status: Annotated[str | None, Query(pattern=r"^(active|pending)$")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: PageOffset = 0,
) -> OrganisationPage:
    """Search by partial name or credit code, tolerant of typos; names and credit
    codes are public registry data, so every authenticated role may search."""
    page = search.search(
        q,
        kinds=[kind.value] if kind else [],
        region_code=region_code,
        status=status,
        limit=limit,
        offset=offset,
    )
    # The named subclass keeps the schema's name in the OpenAPI document.
    return OrganisationPage.of_items(
        [OrganisationOut.of_entry(entry) for entry in page.items],
        offset=offset,
        limit=limit,
        total=page.total,
    )


@router.get("/v1/organisations/{organisation_id}")
def get_organisation(
    organisation_id: UUID, principal: CurrentPrincipal, organisations: OrganisationsDep
) -> OrganisationOut:
    return OrganisationOut.of(organisations.get(organisation_id))


@router.post(
    "/v1/organisations/{organisation_id}/accounts",
    status_code=201,
    responses=problem_responses(409),
)
def create_admin_account(
    organisation_id: UUID,
    body: AccountIn,
    principal: CurrentPrincipal,
    organisations: OrganisationsDep,
) -> ActivationOut:
    return ActivationOut.of(organisations.provision_admin(principal, organisation_id, body.login))
