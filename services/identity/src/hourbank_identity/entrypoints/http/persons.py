"""Persons: registering professionals, their profile and the erasure of their ID number.
ID numbers travel only in request bodies, never in a URL, a log line or a response."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response

from hourbank_common.auth import CurrentPrincipal
from hourbank_common.http import add_log_context, problem_responses
from hourbank_identity.entrypoints.http.deps import PersonsDep
from hourbank_identity.entrypoints.http.models import ProfessionalIn, ProfessionalOut, ProfileOut

router = APIRouter()


@router.post(
    "/v1/persons",
    status_code=201,
    responses={
        200: {"description": "Already registered (a retry).", "model": ProfessionalOut},
        **problem_responses(409),
    },
)
def register_professional(
    request: Request,
    body: ProfessionalIn,
    principal: CurrentPrincipal,
    response: Response,
    persons: PersonsDep,
) -> ProfessionalOut:
    result = persons.register_professional(
        principal, name=body.name, id_number=body.id_number, organisation=body.organisation_id
    )
    add_log_context(request, person_id=str(result.person_id))
    if not result.created:
        response.status_code = 200
    return ProfessionalOut.of(result)


@router.get("/v1/persons/{person_id}")
def get_person(
    request: Request, person_id: UUID, principal: CurrentPrincipal, persons: PersonsDep
) -> ProfileOut:
    add_log_context(request, person_id=str(person_id))
    return ProfileOut.of(persons.profile(principal, person_id))


@router.delete("/v1/persons/{person_id}/id-number", status_code=204)
def erase_id_number(
    request: Request, person_id: UUID, principal: CurrentPrincipal, persons: PersonsDep
) -> None:
    """Crypto-shredding: the person's key is destroyed; the encrypted ID number stays
    unreadable for good. Hours and account stay."""
    add_log_context(request, person_id=str(person_id))
    persons.erase_id_number(principal, person_id)
