"""Translation from identity's stored domain events to public contract events.

Only what other services need leaves identity: the registry of organisations, where each
person belongs (opaque ids, no name, no ID number) and the hours migrated from the old
platform. Accounts never leave it.
"""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate

from hourbank_contracts import (
    CHINA_STANDARD_TIME,
    ContractEvent,
    EmployerApprovedV1,
    Envelope,
    LegacyHoursImportedV1,
    OrganisationKind,
    OrganisationRegisteredV1,
    OrganisationStatus,
    PersonRegisteredV1,
    Subject,
    envelope_for,
    event_id_for,
)
from hourbank_identity.domain.organisation import Organisation
from hourbank_identity.domain.person import Person

SOURCE = "/hourbank/identity"
PUBLISHED_EVENTS = (
    OrganisationRegisteredV1,
    EmployerApprovedV1,
    PersonRegisteredV1,
    LegacyHoursImportedV1,
)


def _end_of_study_year(year: int) -> datetime:
    """Migrated hours carry no date of their own; they are dated to the last moment of the
    year they were earned in (China Standard Time), so they count for that year."""
    return datetime(year, 12, 31, 23, 59, 59, tzinfo=CHINA_STANDARD_TIME)


def to_public_event(domain_event: object) -> Envelope | None:
    """The public envelope for a stored domain event, or None when it stays internal; the
    id derives from (originator, version), so a re-publish carries the same ``ce_id``."""
    data: ContractEvent | None = None
    if isinstance(domain_event, Organisation.Registered):
        data = OrganisationRegisteredV1(
            organisation_id=domain_event.originator_id,
            kind=OrganisationKind(domain_event.kind),
            name=domain_event.name,
            region_code=domain_event.region_code,
            parent_organisation_id=domain_event.parent_id,
            credit_code=domain_event.credit_code,
            status=OrganisationStatus(domain_event.status),
            occurred_at=domain_event.timestamp,
        )
    elif isinstance(domain_event, Organisation.Approved):
        data = EmployerApprovedV1(
            organisation_id=domain_event.originator_id,
            region_code=domain_event.region_code,
            approved_by=domain_event.approved_by,
            occurred_at=domain_event.timestamp,
        )
    elif isinstance(domain_event, Person.Registered):
        data = PersonRegisteredV1(
            person_id=domain_event.originator_id,
            region_code=domain_event.region_code,
            organisation_ids=list(domain_event.organisation_ids),
            registration=domain_event.registration,
            occurred_at=domain_event.timestamp,
        )
    elif isinstance(domain_event, Person.LegacyHoursRecorded):
        data = LegacyHoursImportedV1(
            person_id=domain_event.originator_id,
            region_code=domain_event.region_code,
            study_year=domain_event.study_year,
            subject=Subject(domain_event.subject),
            hours=domain_event.hours,
            source_ref=f"legacy:{domain_event.originator_id}/{domain_event.study_year}/"
            f"{domain_event.subject}",
            occurred_at=_end_of_study_year(domain_event.study_year),
            import_batch_id=domain_event.import_batch_id,
            legacy_record_ref=f"{domain_event.study_year}/{domain_event.subject}",
        )
    if data is None or not isinstance(domain_event, Aggregate.Event):
        return None
    event_id = event_id_for(SOURCE, domain_event.originator_id, domain_event.originator_version)
    return envelope_for(data, source=SOURCE, event_id=event_id)
