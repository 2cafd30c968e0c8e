"""The learning API's request bodies and answers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from hourbank_contracts.fields import Instant, ReferenceCode, ShandongRegionCode, StudyYearInput
from hourbank_contracts.vocabulary import Subject
from hourbank_learning.domain.completion import CourseCompletion

# Stricter than the contract's hours (0 < hours <= 1000, two decimals): a course carries at
# most 200 hours, in tenths. Within the contract's, so every accepted value publishes.
Hours = Annotated[Decimal, Field(gt=0, le=200, decimal_places=1, max_digits=4, allow_inf_nan=False)]


class CompletionIn(BaseModel):
    """A person completed a course on the platform."""

    model_config = ConfigDict(extra="forbid")

    person_id: UUID = Field(description="Opaque person id (never the national ID number).")
    # Every field is a shared type that lies within the contract's (CourseCompletedV1), so
    # whatever this accepts the relay can publish: a test checks that property.
    course_id: ReferenceCode
    study_year: StudyYearInput = Field(description="Year the hours count for.")
    subject: Subject = Field(description="public (公需科目) or professional (专业科目).")
    hours: Hours = Field(description='Hours as a decimal, preferably a string: "2.5".')
    region_code: ShandongRegionCode = Field(
        description="GB/T 2260 code of the Shandong city platform."
    )
    completed_at: Instant = Field(description="When the course was completed (RFC 3339).")


class CompletionOut(BaseModel):
    completion_id: UUID
    person_id: UUID
    course_id: str
    study_year: int
    subject: Subject
    hours: str
    region_code: str
    completed_at: datetime

    @classmethod
    def of(cls, completion: CourseCompletion) -> CompletionOut:
        return cls(
            completion_id=completion.id,
            person_id=completion.person_id,
            course_id=completion.course_id,
            study_year=completion.study_year,
            subject=completion.subject,
            hours=str(completion.hours),
            region_code=completion.region_code,
            completed_at=completion.completed_at,
        )
