"""Yearly statements as PDF, and the check of a statement's verification code.

Both need the ledger's signing key: without one they answer 503 (``StatementsDisabled``, an
``Unavailable``), after authorization.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from hourbank_common.auth import CurrentPrincipal
from hourbank_common.http import problem_responses
from hourbank_contracts.fields import Instant, StudyYearInput
from hourbank_ledger.adapters.statement_pdf import render_statement
from hourbank_ledger.entrypoints.http.authorization import authorize_person
from hourbank_ledger.entrypoints.http.dependencies import (
    Directory,
    MaybeStatements,
    StatementFont,
    require_statements,
)
from hourbank_ledger.entrypoints.http.models import AsOf, Region, StudyYear, VerificationOut

router = APIRouter()


@router.get(
    "/v1/persons/{person_id}/years/{study_year}/statement.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **problem_responses(503)},
)
def statement_pdf(
    request: Request,
    principal: CurrentPrincipal,
    person_id: UUID,
    study_year: StudyYear,
    directory: Directory,
    statements: MaybeStatements,
    font: StatementFont,
    region: Region = None,
    as_of: AsOf = None,
) -> Response:
    authorize_person(directory, principal, person_id, request)
    issuer = require_statements(statements)
    moment = (as_of or datetime.now(UTC)).replace(microsecond=0)
    statement = issuer.issue(person_id, study_year, region=region, as_of=moment)
    return Response(
        render_statement(statement, font=font),
        media_type="application/pdf",
        headers={
            "X-Verification-Code": statement.verification_code,
            "Content-Disposition": f'inline; filename="statement-{study_year}-{person_id}.pdf"',
        },
    )


@router.get("/v1/statements/verify", responses=problem_responses(503))
def verify_statement(
    request: Request,
    principal: CurrentPrincipal,
    code: Annotated[str, Query(min_length=16, max_length=32)],
    person_id: UUID,
    study_year: Annotated[StudyYearInput, Query()],
    as_of: Annotated[Instant, Query(description="The statement's as-of time.")],
    directory: Directory,
    statements: MaybeStatements,
    region: Region = None,
) -> VerificationOut:
    # Whether a statement is current says whether the person's hours were reduced since:
    # that is the person's data, so verifying needs the same right as reading it.
    authorize_person(directory, principal, person_id, request)
    issuer = require_statements(statements)
    result = issuer.verify(
        code, person_id, study_year, region=region, as_of=as_of, now=datetime.now(UTC)
    )
    return VerificationOut(authentic=result.authentic, current=result.current)
