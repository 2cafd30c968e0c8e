"""Where a person belongs: the region they are registered in and the organisations above them.

The ledger keeps this so that its API can decide who may read a person's hours (an employer
its staff, a city its region). It is learnt from the identity service's ``PersonRegisteredV1``
events; a person may be registered more than once (a change of employer, a migration), and
the latest registration by its own time is the current one, whatever order they arrived in.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

# A fixed namespace for the ledger's derived ids (not NAMESPACE_URL: these are no URLs).
_NAMESPACE = UUID("0c8d6f3e-5b3a-4f57-9a52-2f6d1c7e9b41")


class PersonAffiliation(Aggregate):
    class Opened(Aggregate.Created):
        person_id: UUID

    class Registered(Aggregate.Event):
        """One registration of the person, from one public event (``registration_id`` = ce_id)."""

        person_id: UUID
        registration_id: str
        region_code: str
        organisation_ids: list[str]
        registration: str
        occurred_at: datetime

    @staticmethod
    def create_id(person_id: UUID) -> UUID:
        return uuid5(_NAMESPACE, f"affiliation/{person_id}")

    @event(Opened)
    def __init__(self, person_id: UUID) -> None:
        self.person_id = person_id
        self.registration_ids: set[str] = set()
        self.region_code: str | None = None
        self.organisation_ids: tuple[str, ...] = ()
        self.registration: str | None = None
        self.registered_at: datetime | None = None
        self._current_key: tuple[datetime, str] | None = None

    def has_recorded(self, registration_id: str) -> bool:
        return registration_id in self.registration_ids

    def record(
        self,
        *,
        registration_id: str,
        region_code: str,
        organisation_ids: list[str],
        registration: str,
        occurred_at: datetime,
    ) -> bool:
        """Record a registration; False (and no new event) when its event was recorded before."""
        if self.has_recorded(registration_id):
            return False
        self._register(
            person_id=self.person_id,
            registration_id=registration_id,
            region_code=region_code,
            organisation_ids=list(organisation_ids),
            registration=registration,
            occurred_at=occurred_at,
        )
        return True

    @event(Registered)
    def _register(
        self,
        person_id: UUID,
        registration_id: str,
        region_code: str,
        organisation_ids: list[str],
        registration: str,
        occurred_at: datetime,
    ) -> None:
        self.registration_ids.add(registration_id)
        # The latest registration is current; the event id breaks a tie in time, so the
        # result does not depend on the order in which the registrations arrived.
        key = (occurred_at, registration_id)
        if self._current_key is None or key > self._current_key:
            self._current_key = key
            self.region_code = region_code
            self.organisation_ids = tuple(organisation_ids)
            self.registration = registration
            self.registered_at = occurred_at
