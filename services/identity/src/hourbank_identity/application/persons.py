"""Persons: professionals registered by their employer or agency, their profile, and the
erasure of their ID number (the person, their account and their hours stay)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from uuid import UUID, uuid4

from hourbank_common.access import Principal
from hourbank_common.errors import Conflict, Forbidden, InvalidInput, NotFound
from hourbank_identity.application.parsing import parse_name, parse_national_id
from hourbank_identity.application.pii_vault import PiiVault
from hourbank_identity.application.results import (
    Activation,
    PersonProfile,
    ProfessionalRegistration,
)
from hourbank_identity.application.store import IdentityApplication
from hourbank_identity.domain.account import account_id_for_person
from hourbank_identity.domain.authority import (
    affiliation_chain,
    may_erase_id_number,
    may_manage,
    may_read_person,
    professional_scope,
)
from hourbank_identity.domain.national_id import NationalId
from hourbank_identity.domain.organisation import Organisation, OrganisationKind
from hourbank_identity.domain.person import Person, Registration


class Persons:
    def __init__(
        self, app: IdentityApplication, *, vault: PiiVault, clock: Callable[[], datetime]
    ) -> None:
        self._app = app
        self._vault = vault
        self._clock = clock

    def register_professional(
        self, actor: Principal, *, name: str, id_number: str, organisation: UUID
    ) -> ProfessionalRegistration:
        """Register a professional under their employer (or a free-lancer under an agency);
        the account is activated by the person with the one-time code."""
        org = self._affiliation_organisation(actor, organisation)
        national_id = parse_national_id(id_number, self._clock())
        name = parse_name(name)
        registration = (
            Registration.AGENCY if org.kind is OrganisationKind.AGENCY else Registration.EMPLOYER
        )
        person, created, activation = self.enrol(national_id, name, org, registration)
        if not created and org.id not in person.organisation_ids:
            raise Conflict(
                "this person is already registered with another organisation",
                field="id_number",
            )
        return ProfessionalRegistration(
            person_id=person.id,
            created=created,
            masked_id_number=national_id.masked(),
            activation=activation,
        )

    def enrol(
        self,
        national_id: NationalId,
        name: str,
        org: Organisation,
        registration: Registration,
    ) -> tuple[Person, bool, Activation | None]:
        """The person with this ID number, registered with ``org`` and given an account
        when new; ``(person, False, None)`` when they were registered before."""
        person_id, _ = self._vault.claim(national_id, uuid4())
        existing = self._app.person(person_id)
        if existing is not None:
            return existing, False, None
        # The vault claim and the aggregate are two stores: a crash between them leaves a
        # claimed ID number without a person, which the next attempt completes here.
        person, activation = self._app.enrol_person(
            person_id,
            name=name,
            region_code=org.region_code,
            organisation_ids=affiliation_chain(org),
            registration=registration,
            account_id=account_id_for_person(person_id),
            scope=professional_scope(org, person_id),
            now=self._clock(),
        )
        return person, True, activation

    def profile(self, actor: Principal, person_id: UUID) -> PersonProfile:
        person = self._app.person(person_id)
        if person is None or not may_read_person(actor, person):
            # Not found and not allowed look the same: ids are not probed.
            raise NotFound("no such person")
        legacy: dict[str, dict[str, Decimal]] = {}
        for (year, subject), value in sorted(person.legacy_hours.items()):
            legacy.setdefault(str(year), {})[subject.value] = value
        return PersonProfile(
            person_id=person.id,
            name=person.name,
            region_code=person.region_code,
            organisation_ids=list(person.organisation_ids),
            registration=person.registration.value,
            masked_id_number=self._vault.masked(person.id),
            id_number_erased=person.id_number_erased,
            legacy_hours=legacy,
        )

    def erase_id_number(self, actor: Principal, person_id: UUID) -> bool:
        """Destroy the person's key: the encrypted ID number becomes unreadable for good.

        The person, their account and their hours stay; logging in by ID number stops
        working (an administrator re-registers the person if they return)."""
        if not may_erase_id_number(actor):
            raise Forbidden("only province administrators erase ID numbers")
        person = self._app.person(person_id)
        if person is None:
            raise NotFound("no such person")
        erased = self._vault.erase(person_id)
        if person.record_id_number_erased():
            self._app.commit(person)
        return erased

    def _affiliation_organisation(self, actor: Principal, organisation: UUID) -> Organisation:
        org = self._app.organisation(organisation)
        if org is None or org.kind not in (OrganisationKind.EMPLOYER, OrganisationKind.AGENCY):
            raise InvalidInput("no such employer or agency", field="organisation_id")
        if not org.active:
            raise InvalidInput("the employer is pending approval", field="organisation_id")
        if not may_manage(actor, org):
            raise Forbidden("this organisation is outside the caller's scope")
        return org
