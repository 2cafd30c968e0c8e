"""Recording and reading course completions.

Errors are the application's and the domain's own (``InvalidCompletionError``,
``ConflictingCompletionError``, ``UnknownCompletion``, ``Forbidden``): each is a subclass of
a ``hourbank_common.errors`` family, answered by that family's one problem handler.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response, status

from hourbank_common.auth import (
    CurrentPrincipal,
    ResourceScope,
    Role,
    authorize_read,
    authorize_write,
    require_role,
)
from hourbank_common.http import add_log_context, problem_responses
from hourbank_learning.application.service import RecordCompletion
from hourbank_learning.entrypoints.http.dependencies import Learning
from hourbank_learning.entrypoints.http.models import CompletionIn, CompletionOut

router = APIRouter(prefix="/v1/completions")

# Who may record a completion: the person themself, or the province's administrators (e.g.
# correcting a platform's omission). Never the read-only title-evaluation system, and not an
# employer or a city: a completion is the professional's own statement.
_RECORDERS = (Role.PROFESSIONAL, Role.PROVINCE_ADMIN)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {
            "description": "Already recorded with the same facts (idempotent retry).",
            "model": CompletionOut,
        },
        **problem_responses(409),
    },
)
def record_completion(
    body: CompletionIn,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    learning: Learning,
) -> CompletionOut:
    add_log_context(request, person_id=str(body.person_id))
    require_role(principal, _RECORDERS)
    # A professional only for their own person id; the province admin for anyone.
    authorize_write(principal, ResourceScope(person_id=body.person_id))
    recorded_by_the_person = principal.role is Role.PROFESSIONAL
    result = learning.record_completion(
        RecordCompletion(
            person_id=body.person_id,
            course_id=body.course_id,
            study_year=body.study_year,
            subject=body.subject,
            hours=body.hours,
            region_code=body.region_code,
            completed_at=body.completed_at,
            correlation_id=getattr(request.state, "correlation_id", None),
            organisation_ids=(
                principal.organisation_ids if recorded_by_the_person else frozenset()
            ),
            registration_region_code=(principal.region_code if recorded_by_the_person else None),
        )
    )
    response.headers["Location"] = f"/v1/completions/{result.completion_id}"
    if not result.created:
        response.status_code = status.HTTP_200_OK
    return CompletionOut.of(result.completion)


@router.get("/{completion_id}")
def get_completion(
    completion_id: UUID, request: Request, principal: CurrentPrincipal, learning: Learning
) -> CompletionOut:
    completion = learning.get_completion(completion_id)
    add_log_context(request, person_id=str(completion.person_id))
    # Recorded by an administrator (or before recorders were kept): no region and no
    # organisation, so only the person and the province-wide roles may read it.
    authorize_read(
        principal,
        ResourceScope(
            person_id=completion.person_id,
            region_code=completion.registration_region_code,
            organisation_ids=frozenset(completion.organisation_ids),
        ),
    )
    return CompletionOut.of(completion)
