"""The ledger API's parameters, request bodies and answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field

from hourbank_common.pages import PageInfo
from hourbank_contracts.fields import REGION_CODE_PATTERN, Instant, StudyYearInput
from hourbank_ledger.domain.policy import EvaluatedEntry, Evaluation, HoursTotal, format_hours

MAX_BATCH = 1000

# --- parameters -----------------------------------------------------------------------------

Region = Annotated[
    str | None,
    Query(
        pattern=REGION_CODE_PATTERN,
        description="GB/T 2260 code whose rules apply; defaults to this ledger's city.",
    ),
]
StudyYear = Annotated[StudyYearInput, Path()]
AsOf = Annotated[Instant | None, Query(description="Default: now.")]

# --- answers --------------------------------------------------------------------------------


class TotalOut(BaseModel):
    raw: str = Field(description="Hours as submitted, before rules and caps.")
    credited: str = Field(description="Hours that count, after rules and caps.")


class RequirementOut(BaseModel):
    name: str
    required: str
    credited: str
    met: bool
    reason: str


class EntryOut(BaseModel):
    entry_id: str = Field(description="ce_id of the public event that established this fact.")
    kind: str
    source: str
    subject: str
    region_code: str = Field(description="GB/T 2260 code of the region of origin.")
    occurred_at: datetime
    raw_hours: str
    credited_hours: str
    status: str = Field(description="credited, capped, refused or reversed.")
    reason: str

    @classmethod
    def of(cls, entry: EvaluatedEntry) -> EntryOut:
        return cls(
            entry_id=entry.entry_id,
            kind=entry.kind.value,
            source=entry.source,
            subject=entry.subject.value,
            region_code=entry.region_code,
            occurred_at=entry.occurred_at,
            raw_hours=format_hours(entry.raw_hours),
            credited_hours=format_hours(entry.credited_hours),
            status=entry.status.value,
            reason=entry.reason,
        )


class VerdictOut(BaseModel):
    person_id: UUID
    study_year: int
    region_code: str = Field(description="Region whose policy was applied.")
    policy_version: str
    as_of: datetime
    compliant: bool
    reasons: list[str]
    requirements: list[RequirementOut]
    hours_by_subject: dict[str, TotalOut]
    hours_by_source: dict[str, TotalOut]

    @classmethod
    def of(cls, person_id: UUID, evaluation: Evaluation) -> VerdictOut:
        return cls.model_validate(verdict_document(person_id, evaluation))


def _total(total: HoursTotal) -> dict[str, str]:
    return {"raw": format_hours(total.raw), "credited": format_hours(total.credited)}


def verdict_document(person_id: UUID, evaluation: Evaluation) -> dict[str, Any]:
    """A ``VerdictOut`` as plain data. The batch endpoint serialises these directly, because
    building and validating a model per person is a large share of a large batch's time
    (docs/benchmarks.md). A test checks that every document validates as ``VerdictOut`` and
    serialises the same."""
    return {
        "person_id": person_id,
        "study_year": evaluation.evaluated_year,
        "region_code": evaluation.region_code,
        "policy_version": evaluation.policy_version,
        "as_of": evaluation.as_of,
        "compliant": evaluation.compliant,
        "reasons": list(evaluation.reasons),
        "requirements": [
            {
                "name": check.name,
                "required": format_hours(check.required),
                "credited": format_hours(check.credited),
                "met": check.met,
                "reason": check.reason,
            }
            for check in evaluation.requirements
        ],
        "hours_by_subject": {
            subject.value: _total(total) for subject, total in sorted(evaluation.by_subject.items())
        },
        "hours_by_source": {
            source: _total(total) for source, total in sorted(evaluation.by_source.items())
        },
    }


class YearHoursOut(VerdictOut):
    entries: list[EntryOut]
    page: PageInfo


class BatchOut(BaseModel):
    results: list[VerdictOut]


class ApplicationCheckOut(BaseModel):
    person_id: UUID
    study_year: int
    application_date: date
    working_days_before: int
    complete_by: date = Field(description="Hours must have been complete by the end of this day.")
    complete_in_time: bool
    reasons: list[str]


class VerificationOut(BaseModel):
    authentic: bool = Field(description="The code matches what the bank said at as_of.")
    current: bool = Field(description="What it said then still holds now.")


# --- bodies ---------------------------------------------------------------------------------


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    study_year: StudyYearInput
    person_ids: list[UUID] = Field(min_length=1, max_length=MAX_BATCH)
    region: str | None = Field(default=None, pattern=REGION_CODE_PATTERN)
    as_of: Instant | None = None
