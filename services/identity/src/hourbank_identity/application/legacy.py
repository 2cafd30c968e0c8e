"""Migration from the old platform: people with their hours per past year, from the city's
spreadsheet. Idempotent: a row imported twice changes nothing; a bad row is reported (row
number and field, never its values) and the rest go on."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from uuid import UUID

from hourbank_common.access import Principal
from hourbank_common.errors import Conflict, Forbidden, InvalidInput
from hourbank_contracts.vocabulary import Subject
from hourbank_identity.application.parsing import (
    parse_credit_code,
    parse_hours,
    parse_name,
    parse_national_id,
    parse_year,
)
from hourbank_identity.application.persons import Persons
from hourbank_identity.application.results import Activation, ImportReport, RowError
from hourbank_identity.application.store import IdentityApplication
from hourbank_identity.domain.authority import is_registry_clerk, may_manage
from hourbank_identity.domain.organisation import OrganisationKind, organisation_id
from hourbank_identity.domain.person import LegacyHoursConflict, Registration
from hourbank_identity.domain.regions import RegionCode

LEGACY_COLUMNS = (
    "name",
    "id_number",
    "employer_credit_code",
    "study_year",
    "public_hours",
    "professional_hours",
)
"""The columns of a migration spreadsheet, all required."""


class LegacyImport:
    def __init__(
        self, app: IdentityApplication, *, persons: Persons, clock: Callable[[], datetime]
    ) -> None:
        self._app = app
        self._persons = persons
        self._clock = clock

    def import_rows(
        self, actor: Principal, rows: Iterable[Mapping[str, str]], import_batch_id: str
    ) -> ImportReport:
        """Register each row's person (with an account when new) and record their hours."""
        if not is_registry_clerk(actor):
            raise Forbidden("only HR authorities and province administrators migrate people")
        report = ImportReport()
        this_year = self._clock().year
        for number, row in enumerate(rows, start=1):
            report.rows += 1
            try:
                recorded, activation = self._import_row(actor, row, import_batch_id, this_year)
            except (InvalidInput, Conflict, Forbidden) as error:
                report.errors.append(RowError(number, error.field or "row", error.message))
                continue
            report.hours_recorded += recorded
            if activation is not None:
                report.created += 1
                report.activations.append(
                    {
                        "row": number,
                        "person_id": str(activation[0]),
                        "activation_code": activation[1].activation_code,
                        "expires_at": activation[1].expires_at.isoformat(),
                    }
                )
            elif recorded == 0:
                report.unchanged += 1
        return report

    def _import_row(
        self, actor: Principal, row: Mapping[str, str], batch_id: str, this_year: int
    ) -> tuple[int, tuple[UUID, Activation] | None]:
        national_id = parse_national_id(row.get("id_number", ""), self._clock())
        name = parse_name(row.get("name", ""))
        code = parse_credit_code(row.get("employer_credit_code", ""), "employer_credit_code")
        employer = self._app.organisation(organisation_id(OrganisationKind.EMPLOYER, code.value))
        if employer is None or not employer.active:
            raise InvalidInput("no active employer with this credit code", "employer_credit_code")
        if not may_manage(actor, employer):
            raise Forbidden("the employer is outside the caller's region")
        study_year = parse_year(row.get("study_year", ""), this_year)
        hours = {
            Subject.PUBLIC: parse_hours(row.get("public_hours", ""), "public_hours"),
            Subject.PROFESSIONAL: parse_hours(
                row.get("professional_hours", ""), "professional_hours"
            ),
        }
        if not any(hours.values()):
            raise InvalidInput("a row must carry some hours", field="public_hours")
        person, created, activation = self._persons.enrol(
            national_id, name, employer, Registration.LEGACY_IMPORT
        )
        # The old platform was the city's: its records belong to the city's ledger.
        legacy_region = RegionCode(employer.region_code).city().value
        recorded = 0
        for subject, value in hours.items():
            if value == 0:
                continue
            try:
                if person.record_legacy_hours(
                    study_year=study_year,
                    subject=subject,
                    hours=value,
                    region_code=legacy_region,
                    import_batch_id=batch_id,
                ):
                    recorded += 1
            except LegacyHoursConflict as error:
                raise Conflict(str(error), field=f"{subject.value}_hours") from error
        if recorded:
            self._app.commit(person)
        return recorded, (person.id, activation) if created and activation else None
