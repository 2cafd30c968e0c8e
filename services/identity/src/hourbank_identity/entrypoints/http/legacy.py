"""Migration of people and their past hours from the old platform (a CSV upload)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from hourbank_common.auth import CurrentPrincipal, require_role
from hourbank_common.http import problem_responses
from hourbank_identity.application.legacy import LEGACY_COLUMNS
from hourbank_identity.domain.authority import REGISTRY_CLERKS
from hourbank_identity.entrypoints.http.deps import LegacyImportDep
from hourbank_identity.entrypoints.http.models import ImportReportOut
from hourbank_identity.entrypoints.http.uploads import csv_body, read_csv

router = APIRouter()


@router.post(
    "/v1/legacy-imports",
    openapi_extra=csv_body(LEGACY_COLUMNS),
    responses=problem_responses(413, 415),
)
async def import_legacy(
    request: Request,
    principal: CurrentPrincipal,
    batch_id: Annotated[str, Query(min_length=1, max_length=64, pattern=r"^[\w.-]+$")],
    legacy: LegacyImportDep,
) -> ImportReportOut:
    # Before the body is read: a caller who may not upload learns nothing about it.
    require_role(principal, REGISTRY_CLERKS)
    rows = await read_csv(request, LEGACY_COLUMNS)
    report = await run_in_threadpool(legacy.import_rows, principal, rows, batch_id)
    return ImportReportOut.of(report)
