"""The learning application: records course completions in its event store.

Its notification log is the outbox the relay publishes from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError

from hourbank_common.errors import Conflict, NotFound
from hourbank_contracts.vocabulary import Subject
from hourbank_learning.domain.completion import CourseCompletion


class ConflictingCompletionError(Conflict):
    """The same person, course and year were recorded before with different facts."""

    problem_title = "Conflicting completion"
    problem_type = "about:blank"


class UnknownCompletion(NotFound):
    """No completion has this id."""

    problem_type = "about:blank"


@dataclass(frozen=True)
class RecordCompletion:
    person_id: UUID
    course_id: str
    study_year: int
    subject: Subject
    hours: Decimal
    region_code: str
    completed_at: datetime
    correlation_id: str | None = None
    organisation_ids: frozenset[str] = frozenset()
    """The recording professional's organisations (from their token)."""
    registration_region_code: str | None = None
    """The recording professional's registration region (from their token)."""


@dataclass(frozen=True)
class RecordedCompletion:
    completion_id: UUID
    created: bool
    completion: CourseCompletion


class LearningApplication(Application[UUID]):
    name = "learning"

    def record_completion(self, command: RecordCompletion) -> RecordedCompletion:
        completion_id = CourseCompletion.create_id(
            command.person_id, command.course_id, command.study_year
        )
        existing = self._find(completion_id)
        if existing is not None:
            return self._as_retry(existing, command)
        completion = CourseCompletion.record(
            person_id=command.person_id,
            course_id=command.course_id,
            study_year=command.study_year,
            subject=command.subject,
            hours=command.hours,
            region_code=command.region_code,
            completed_at=command.completed_at,
            correlation_id=command.correlation_id,
            organisation_ids=command.organisation_ids,
            registration_region_code=command.registration_region_code,
        )
        try:
            self.save(completion)
        except IntegrityError:
            # A concurrent request recorded it first; answer as for a retry.
            stored: CourseCompletion = self.repository.get(completion_id)
            return self._as_retry(stored, command)
        return RecordedCompletion(completion.id, created=True, completion=completion)

    def get_completion(self, completion_id: UUID) -> CourseCompletion:
        """The completion with this id; raises ``UnknownCompletion`` when there is none."""
        found = self._find(completion_id)
        if found is None:
            raise UnknownCompletion(f"no completion {completion_id}")
        return found

    def _find(self, completion_id: UUID) -> CourseCompletion | None:
        try:
            completion: CourseCompletion = self.repository.get(completion_id)
        except AggregateNotFoundError:
            return None
        return completion

    @staticmethod
    def _as_retry(existing: CourseCompletion, command: RecordCompletion) -> RecordedCompletion:
        if not existing.same_facts_as(
            subject=command.subject, hours=command.hours, region_code=command.region_code
        ):
            msg = (
                f"course {command.course_id} in {command.study_year} was already recorded "
                "for this person with different subject, hours or region"
            )
            raise ConflictingCompletionError(msg)
        return RecordedCompletion(existing.id, created=False, completion=existing)
