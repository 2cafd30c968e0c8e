"""A person-year's hours and verdict, for one person or a batch, and the check of a title
application's deadline.

The rules raise ``NoRulesApply`` (no policy for the region and year, no region named in
provincial mode, a date the official calendar does not cover) and authorization raises
``Forbidden``: subclasses of ``hourbank_common.errors`` families, each answered by its
family's one problem handler, so the endpoints catch nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from pydantic_core import to_json

from hourbank_common.auth import CurrentPrincipal
from hourbank_common.pages import PageInfo
from hourbank_contracts.fields import CalendarDate, PageOffset
from hourbank_ledger.entrypoints.http.authorization import authorize_batch, authorize_person
from hourbank_ledger.entrypoints.http.dependencies import Directory, Queries
from hourbank_ledger.entrypoints.http.models import (
    ApplicationCheckOut,
    AsOf,
    BatchIn,
    BatchOut,
    EntryOut,
    Region,
    StudyYear,
    VerdictOut,
    YearHoursOut,
    verdict_document,
)

router = APIRouter()


@router.get("/v1/persons/{person_id}/years/{study_year}/hours")
def year_hours(
    request: Request,
    principal: CurrentPrincipal,
    person_id: UUID,
    study_year: StudyYear,
    queries: Queries,
    directory: Directory,
    region: Region = None,
    as_of: AsOf = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: PageOffset = 0,
) -> YearHoursOut:
    authorize_person(directory, principal, person_id, request)
    evaluation = queries.evaluate(
        person_id, study_year, region=region, as_of=as_of or datetime.now(UTC)
    )
    return YearHoursOut(
        **VerdictOut.of(person_id, evaluation).model_dump(),
        entries=[EntryOut.of(entry) for entry in evaluation.entries[offset : offset + limit]],
        page=PageInfo.of(offset=offset, limit=limit, total=len(evaluation.entries)),
    )


@router.post("/v1/hours/batch", response_model=BatchOut)
def batch(
    body: BatchIn, principal: CurrentPrincipal, queries: Queries, directory: Directory
) -> Response:
    person_ids = list(dict.fromkeys(body.person_ids))  # each person once, in request order
    authorize_batch(directory, principal, person_ids)
    evaluations = queries.evaluate_many(
        person_ids,
        body.study_year,
        region=body.region,
        as_of=body.as_of or datetime.now(UTC),
    )
    # Serialised straight from plain data (see verdict_document); the declared
    # response_model still documents the shape.
    document = {"results": [verdict_document(pid, evaluations[pid]) for pid in person_ids]}
    return Response(to_json(document), media_type="application/json")


@router.get("/v1/persons/{person_id}/years/{study_year}/application-check")
def application_check(
    request: Request,
    principal: CurrentPrincipal,
    person_id: UUID,
    study_year: StudyYear,
    application_date: Annotated[
        CalendarDate, Query(description="Date the application is submitted.")
    ],
    queries: Queries,
    directory: Directory,
    region: Region = None,
) -> ApplicationCheckOut:
    authorize_person(directory, principal, person_id, request)
    check = queries.application_check(
        person_id, study_year, region=region, application_date=application_date
    )
    return ApplicationCheckOut(
        person_id=person_id,
        study_year=study_year,
        application_date=check.application_date,
        working_days_before=check.working_days_before,
        complete_by=check.complete_by,
        complete_in_time=check.complete_in_time,
        reasons=list(check.evaluation.reasons),
    )
