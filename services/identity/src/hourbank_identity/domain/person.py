"""A registered professional: where they belong, and hours migrated from the old platform.

The person's id is random (uuid4), never derived from the ID number: the ID number lives
only in the PII vault, encrypted under the person's own key, so destroying that key erases
it while the person and their hours stay.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from hourbank_contracts.vocabulary import Subject


class Registration(StrEnum):
    EMPLOYER = "employer"
    AGENCY = "agency"
    LEGACY_IMPORT = "legacy_import"


class LegacyHoursConflict(ValueError):
    """A migration row gives different hours for a person-year-subject already migrated."""

    def __init__(self, study_year: int, subject: Subject) -> None:
        super().__init__(
            f"{subject.value} hours of {study_year} were already migrated with another value"
        )
        self.study_year = study_year
        self.subject = subject


MAX_LEGACY_HOURS = Decimal(1000)


class Person(Aggregate):
    class Registered(Aggregate.Created):
        name: str
        region_code: str
        organisation_ids: list[UUID]
        registration: str

    @event(Registered)
    def __init__(
        self,
        id: UUID,  # eventsourcing takes the aggregate id from this parameter
        name: str,
        region_code: str,
        organisation_ids: list[UUID],
        registration: str,
    ) -> None:
        self.name = name
        self.region_code = region_code
        self.organisation_ids = list(organisation_ids)
        self.registration = Registration(registration)
        self.legacy_hours: dict[tuple[int, Subject], Decimal] = {}
        self.id_number_erased = False

    @classmethod
    def register(
        cls,
        person_id: UUID,
        *,
        name: str,
        region_code: str,
        organisation_ids: list[UUID],
        registration: Registration,
    ) -> Person:
        return cls(
            id=person_id,
            name=" ".join(name.split()),
            region_code=region_code,
            organisation_ids=organisation_ids,
            registration=registration.value,
        )

    class LegacyHoursRecorded(Aggregate.Event):
        study_year: int
        subject: str
        hours: Decimal
        region_code: str
        import_batch_id: str

    @event(LegacyHoursRecorded)
    def _legacy_hours_recorded(
        self, study_year: int, subject: str, hours: Decimal, region_code: str, import_batch_id: str
    ) -> None:
        self.legacy_hours[(study_year, Subject(subject))] = hours

    def record_legacy_hours(
        self,
        *,
        study_year: int,
        subject: Subject,
        hours: Decimal,
        region_code: str,
        import_batch_id: str,
    ) -> bool:
        """Record a past year's hours once; False when the same figure is already there.

        The old platform held one figure per person, year and subject, so a second import
        of the same file changes nothing, and a different figure is a conflict to resolve
        by hand rather than a silent change of what the ledger credits.
        """
        if not Decimal(0) < hours <= MAX_LEGACY_HOURS:
            raise ValueError(f"hours must be greater than 0 and at most {MAX_LEGACY_HOURS}")
        existing = self.legacy_hours.get((study_year, subject))
        if existing is not None:
            if existing == hours:
                return False
            raise LegacyHoursConflict(study_year, subject)
        self._legacy_hours_recorded(
            study_year=study_year,
            subject=subject.value,
            hours=hours,
            region_code=region_code,
            import_batch_id=import_batch_id,
        )
        return True

    @event("IdNumberErased")
    def _id_number_erased(self) -> None:
        self.id_number_erased = True

    def record_id_number_erased(self) -> bool:
        """Remember that the ID number's key was destroyed (the event holds no personal data)."""
        if self.id_number_erased:
            return False
        self._id_number_erased()
        return True
