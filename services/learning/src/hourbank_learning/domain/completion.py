"""A person's completion of a platform course in a study year.

One aggregate per (person, course, year): the id is derived from those three, so recording
the same completion twice finds the first one instead of counting the hours again.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from hourbank_common.errors import InvalidInput
from hourbank_contracts.vocabulary import CHINA_STANDARD_TIME, Subject

__all__ = ["MAX_HOURS_PER_COURSE", "CourseCompletion", "InvalidCompletionError", "Subject"]

MAX_HOURS_PER_COURSE = Decimal(200)


class InvalidCompletionError(InvalidInput):
    """The facts of a completion break a domain rule (answered 422, naming the field)."""

    problem_title = "Invalid completion"
    problem_type = "about:blank"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field)
        self.field: str = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class CourseCompletion(Aggregate):
    """The fact that a person completed a course, with the hours it carries."""

    class Recorded(Aggregate.Created):
        """The completion was recorded; carries every fact the public event needs.

        Version 2 adds whom the completion belongs to beyond the person, so it can be
        authorized on read: the organisations and registration region of the professional
        who recorded it (from their access token). Version 1 events, stored before, load
        with none (then only the person and the province-wide roles may read them).
        """

        class_version = 2

        person_id: UUID
        course_id: str
        study_year: int
        subject: str  # the Subject's value: stored events hold plain strings
        hours: Decimal
        region_code: str
        completed_at: datetime
        correlation_id: str | None
        organisation_ids: list[str]
        registration_region_code: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["organisation_ids"] = []
            state["registration_region_code"] = None

    @staticmethod
    def create_id(person_id: UUID, course_id: str, study_year: int) -> UUID:
        return uuid5(
            NAMESPACE_URL, f"/hourbank/learning/completions/{person_id}/{course_id}/{study_year}"
        )

    @event(Recorded)
    def __init__(
        self,
        person_id: UUID,
        course_id: str,
        study_year: int,
        subject: str,
        hours: Decimal,
        region_code: str,
        completed_at: datetime,
        correlation_id: str | None,
        organisation_ids: list[str] | None = None,
        registration_region_code: str | None = None,
    ) -> None:
        self.person_id = person_id
        self.course_id = course_id
        self.study_year = study_year
        self.subject = Subject(subject)
        self.hours = hours
        self.region_code = region_code
        self.completed_at = completed_at
        # Carried to the public event so one request can be followed across services.
        self.correlation_id = correlation_id
        # Whose staff the person was when they recorded it (employer or agency, and its
        # industry authority) and where they are registered: who else may read it.
        self.organisation_ids = tuple(organisation_ids or ())
        self.registration_region_code = registration_region_code

    @classmethod
    def record(
        cls,
        *,
        person_id: UUID,
        course_id: str,
        study_year: int,
        subject: Subject,
        hours: Decimal,
        region_code: str,
        completed_at: datetime,
        correlation_id: str | None = None,
        organisation_ids: frozenset[str] = frozenset(),
        registration_region_code: str | None = None,
    ) -> CourseCompletion:
        """Check the domain rules, then raise the Recorded event."""
        if completed_at.tzinfo is None:
            raise InvalidCompletionError("completed_at", "must carry a time zone")
        if completed_at.astimezone(CHINA_STANDARD_TIME).year != study_year:
            # Hours are valid for their own year only (both notices); the year closes on
            # December 31 in China, so the year is read in China Standard Time.
            raise InvalidCompletionError(
                "study_year", "must be the year in which the course was completed"
            )
        if not Decimal(0) < hours <= MAX_HOURS_PER_COURSE:
            raise InvalidCompletionError(
                "hours", f"must be greater than 0 and at most {MAX_HOURS_PER_COURSE}"
            )
        return cls(
            person_id=person_id,
            course_id=course_id,
            study_year=study_year,
            subject=subject.value,
            hours=hours,
            region_code=region_code,
            completed_at=completed_at,
            correlation_id=correlation_id,
            organisation_ids=sorted(organisation_ids),
            registration_region_code=registration_region_code,
        )

    def same_facts_as(self, *, subject: Subject, hours: Decimal, region_code: str) -> bool:
        """Whether a repeated request describes this completion (an idempotent retry)."""
        return (self.subject, self.hours, self.region_code) == (subject, hours, region_code)
