"""The identity application: registry of organisations and people, accounts and tokens.

Verbs load aggregates, check who is acting (a ``Principal``) against the registry's scope
rules, call the domain and save. Errors are translated into the few kinds the HTTP layer
maps onto status codes; every message names the offending field and never echoes an ID
number.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from pydantic import TypeAdapter, ValidationError

from hourbank_common.auth import (
    InvalidToken,
    Principal,
    Role,
    TokenSigner,
    TokenVerifier,
)
from hourbank_common.regions import region_covers
from hourbank_contracts.fields import DECIMAL_STRING_PATTERN, NameText
from hourbank_identity.application.event_log import IdentityEventLog
from hourbank_identity.application.login_throttle import LoginThrottle
from hourbank_identity.application.pii_vault import PiiVault
from hourbank_identity.domain.account import (
    Account,
    AccountRefusal,
    AccountRefused,
    Scope,
    account_id_for_login,
    account_id_for_person,
)
from hourbank_identity.domain.credit_code import CreditCode, InvalidCreditCode
from hourbank_identity.domain.national_id import InvalidNationalId, NationalId
from hourbank_identity.domain.organisation import (
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    RegistrationRefused,
    organisation_id,
)
from hourbank_identity.domain.passwords import (
    PasswordHasher,
    WeakPassword,
    activation_code_digest,
    check_password_strength,
    new_activation_code,
)
from hourbank_identity.domain.person import (
    LegacyHoursConflict,
    Person,
    Registration,
    Subject,
)
from hourbank_identity.domain.regions import InvalidRegionCode, RegionCode

# --- errors the HTTP layer maps -----------------------------------------------------------


class IdentityError(Exception):
    """Base of the application's errors; ``field`` names what the client should fix."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(IdentityError):
    """422: a value breaks a rule (bad check character, weak password, wrong tier...)."""


class NotFound(IdentityError):
    """404: no such organisation, person or account (or not visible to the caller)."""


class Conflict(IdentityError):
    """409: it exists already with other facts, or a concurrent change won."""


class Forbidden(IdentityError):
    """403: the caller's role or scope does not reach this."""


class InvalidCredentials(IdentityError):
    """401: unknown login, wrong password, inactive account or bad refresh token (one message,
    so that a caller cannot tell which)."""


class Throttled(IdentityError):
    """429: too many failed attempts; ``retry_after_seconds`` says when to try again. The
    same for known and unknown logins (the login is not looked up while throttled)."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__("too many failed attempts; try again later")
        self.retry_after_seconds = retry_after_seconds


# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Activation:
    account_id: UUID
    login: str | None
    activation_code: str
    """Shown once, to be handed over out of band; only its digest is stored."""
    expires_at: datetime


@dataclass(frozen=True)
class ProfessionalRegistration:
    person_id: UUID
    created: bool
    masked_id_number: str
    activation: Activation | None
    """None when the person was already registered (a retry): codes are never shown twice."""


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


@dataclass(frozen=True)
class PersonProfile:
    person_id: UUID
    name: str
    region_code: str
    organisation_ids: list[UUID]
    registration: str
    masked_id_number: str | None
    """First 4 and last 4 characters; None once the ID number was erased."""
    id_number_erased: bool
    legacy_hours: dict[str, dict[str, Decimal]]


@dataclass(frozen=True)
class RowError:
    row: int
    """1-based data row number (the header is row 0)."""
    field: str
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    activations: list[dict[str, Any]] = field(default_factory=list)
    hours_recorded: int = 0


_ADMIN_ROLE_FOR_KIND = {
    OrganisationKind.HR_AUTHORITY: Role.HR_AUTHORITY,
    OrganisationKind.INDUSTRY_AUTHORITY: Role.INDUSTRY_AUTHORITY,
    OrganisationKind.EMPLOYER: Role.EMPLOYER_ADMIN,
    OrganisationKind.AGENCY: Role.AGENCY,
}
_LOGIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-@")


def _now() -> datetime:
    return datetime.now(UTC)


class IdentityApplication(IdentityEventLog):
    # eventsourcing names each subclass after itself unless told: the writer must use the
    # same tables as the relay and the projector that read through IdentityEventLog.
    name = "identity"

    def __init__(
        self,
        *,
        vault: PiiVault,
        hasher: PasswordHasher,
        signer: TokenSigner,
        verifier: TokenVerifier,
        throttle: LoginThrottle,
        clock: Callable[[], datetime] = _now,
        env: dict[str, str] | None = None,
    ) -> None:
        super().__init__(env=env)
        self.vault = vault
        self.hasher = hasher
        self.signer = signer
        self.verifier = verifier
        self.throttle = throttle
        self.clock = clock

    # --- loading --------------------------------------------------------------------------

    def _get(self, aggregate_id: UUID) -> Any | None:
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def organisation(self, org_id: UUID) -> Organisation | None:
        found = self._get(org_id)
        return found if isinstance(found, Organisation) else None

    def _person(self, person_id: UUID) -> Person | None:
        found = self._get(person_id)
        return found if isinstance(found, Person) else None

    def _account(self, account_id: UUID) -> Account | None:
        found = self._get(account_id)
        return found if isinstance(found, Account) else None

    def _save(self, *aggregates: Any) -> None:
        try:
            self.save(*aggregates)
        except IntegrityError as error:
            # Optimistic concurrency: someone else changed the same aggregate first.
            raise Conflict("changed concurrently; retry the request") from error

    # --- organisations ----------------------------------------------------------------------

    def register_organisation(
        self,
        actor: Principal | None,
        *,
        kind: OrganisationKind,
        name: str,
        region_code: str,
        credit_code: str | None = None,
        industry_authority_id: UUID | None = None,
        industry_authority_name: str | None = None,
    ) -> tuple[Organisation, bool]:
        """Register one organisation; ``actor`` None means a self-registering employer,
        which stays pending until its HR authority approves it."""
        region = _parse_region(region_code)
        name = _parse_name(name)
        code = _parse_credit_code(credit_code) if credit_code else None
        if actor is None and kind is not OrganisationKind.EMPLOYER:
            raise Forbidden("only employers register themselves")
        if actor is not None:
            _require_registrar(actor, kind, region.value)
        parent = self._parent_for(kind, region, industry_authority_id, industry_authority_name)
        natural_key = self._natural_key(kind, region, name, parent, code)
        status = OrganisationStatus.PENDING if actor is None else OrganisationStatus.ACTIVE
        existing = self.organisation(organisation_id(kind, natural_key))
        if existing is not None:
            if existing.same_registration_as(
                kind=kind,
                name=name,
                region_code=region.value,
                parent_id=parent.id if parent else None,
            ):
                return existing, False
            raise Conflict(
                f"this {kind.value} is already registered with other details",
                field="credit_code" if code else "name",
            )
        try:
            organisation = Organisation.register(
                kind=kind,
                name=name,
                region_code=region.value,
                parent=parent,
                credit_code=code.value if code else None,
                status=status,
                natural_key=natural_key,
            )
        except RegistrationRefused as error:
            raise InvalidInput(error.message, field=error.field) from error
        self._save(organisation)
        return organisation, True

    def _hr_authority_for(self, region: RegionCode) -> Organisation | None:
        """The HR authority of the region itself, else of its city."""
        for candidate in (region, region.city()):
            found = self.organisation(
                organisation_id(OrganisationKind.HR_AUTHORITY, candidate.value)
            )
            if found is not None:
                return found
        return None

    def _parent_for(
        self,
        kind: OrganisationKind,
        region: RegionCode,
        industry_authority_id: UUID | None,
        industry_authority_name: str | None,
    ) -> Organisation | None:
        if kind is OrganisationKind.HR_AUTHORITY:
            if region.level == "district":
                return self.organisation(
                    organisation_id(OrganisationKind.HR_AUTHORITY, region.city().value)
                )
            return None
        hr_authority = self._hr_authority_for(region)
        if hr_authority is None:
            raise InvalidInput(
                "register the region's HR authority first (registration runs top-down)",
                field="region_code",
            )
        if kind is not OrganisationKind.EMPLOYER:
            return hr_authority
        if industry_authority_id is None and industry_authority_name:
            industry_authority_id = organisation_id(
                OrganisationKind.INDUSTRY_AUTHORITY,
                f"{hr_authority.region_code}/{' '.join(industry_authority_name.split())}",
            )
        if industry_authority_id is None:
            raise InvalidInput(
                "an employer is registered under its industry authority",
                field="industry_authority",
            )
        industry = self.organisation(industry_authority_id)
        if industry is None or industry.kind is not OrganisationKind.INDUSTRY_AUTHORITY:
            raise InvalidInput("no such industry authority", field="industry_authority")
        return industry

    @staticmethod
    def _natural_key(
        kind: OrganisationKind,
        region: RegionCode,
        name: str,
        parent: Organisation | None,
        code: CreditCode | None,
    ) -> str:
        if kind is OrganisationKind.HR_AUTHORITY:
            return region.value
        if kind is OrganisationKind.INDUSTRY_AUTHORITY:
            assert parent is not None
            return f"{parent.region_code}/{' '.join(name.split())}"
        if code is None:
            raise InvalidInput(f"an {kind.value} needs its credit code", field="credit_code")
        return code.value

    def approve_employer(self, actor: Principal, employer_id: UUID) -> Organisation:
        employer = self.organisation(employer_id)
        if employer is None or employer.kind is not OrganisationKind.EMPLOYER:
            raise NotFound("no such employer")
        if actor.role not in (Role.HR_AUTHORITY, Role.PROVINCE_ADMIN) or not region_covers(
            actor.region_code, employer.region_code
        ):
            raise Forbidden("only the employer's HR authority approves it")
        approver = UUID(actor.organisation_id) if actor.organisation_id else UUID(int=0)
        if employer.approve(approver):
            self._save(employer)
        return employer

    def preload_organisations(
        self, actor: Principal, rows: Iterable[dict[str, str]]
    ) -> ImportReport:
        """Pre-load rows (kind, name, region_code, credit_code, industry_authority) in order;
        a bad row is reported and skipped, the others are registered."""
        report = ImportReport()
        for number, row in enumerate(rows, start=1):
            report.rows += 1
            try:
                kind = _parse_kind(row.get("kind", ""))
                _, created = self.register_organisation(
                    actor,
                    kind=kind,
                    name=row.get("name", ""),
                    region_code=row.get("region_code", ""),
                    credit_code=row.get("credit_code") or None,
                    industry_authority_name=row.get("industry_authority") or None,
                )
            except (InvalidInput, Conflict, Forbidden) as error:
                report.errors.append(RowError(number, error.field or "row", error.message))
                continue
            if created:
                report.created += 1
            else:
                report.unchanged += 1
        return report

    # --- accounts -----------------------------------------------------------------------------

    def provision_admin(
        self, actor: Principal | None, organisation: UUID | None, login: str
    ) -> Activation:
        """An administrator account for an organisation (or, with ``organisation`` None and
        no actor, the bootstrap province administrator), activated by a one-time code."""
        login = _parse_login(login)
        if organisation is None:
            if actor is not None and actor.role is not Role.PROVINCE_ADMIN:
                raise Forbidden("only province administrators create province administrators")
            scope = Scope(Role.PROVINCE_ADMIN, "370000", None, (), None)
        else:
            org = self.organisation(organisation)
            if org is None:
                raise NotFound("no such organisation")
            if not org.active:
                raise InvalidInput("the organisation is pending approval", field="organisation")
            if actor is None or not _may_manage(actor, org):
                raise Forbidden("this organisation is outside the caller's scope")
            chain = (org.id,) + ((org.parent_id,) if org.parent_id else ())
            scope = Scope(_ADMIN_ROLE_FOR_KIND[org.kind], org.region_code, org.id, chain, None)
        account_id = account_id_for_login(login)
        if self._account(account_id) is not None:
            raise Conflict("this login is taken", field="login")
        return self._provision(account_id, login, scope)

    def _provision(self, account_id: UUID, login: str | None, scope: Scope) -> Activation:
        code = new_activation_code()
        now = self.clock()
        account = Account.provision(
            account_id,
            login=login,
            scope=scope,
            activation_digest=activation_code_digest(code),
            now=now,
        )
        self._save(account)
        return Activation(account_id, login, code, account.activation_expires_at)

    def _resolve_login(self, login: str) -> Account | None:
        """A professional logs in with their ID number, an administrator with a login name."""
        national_id = _try_national_id(login, self.clock())
        if national_id is not None:
            person_id = self.vault.find(national_id)
            return self._account(account_id_for_person(person_id)) if person_id else None
        return self._account(account_id_for_login(login.strip()))

    def _throttle_key(self, login: str) -> str:
        """One key per account whatever the spelling (ID number case, login case), and the
        same kind of key for logins that do not exist."""
        national_id = _try_national_id(login, self.clock())
        if national_id is not None:
            return f"id:{national_id.value}"
        return f"name:{login.strip().casefold()}"

    def _refuse_if_throttled(self, throttle_key: str, client_address: str, now: datetime) -> None:
        wait = self.throttle.retry_after(throttle_key, client_address, now)
        if wait is not None:
            raise Throttled(max(1, math.ceil(wait.total_seconds())))

    def activate(
        self, login: str, activation_code: str, password: str, *, client_address: str
    ) -> UUID:
        """Set the first password. Until the code is proven right, every refusal is the
        same ``InvalidCredentials`` (unknown login, active account, wrong code alike) and
        costs the same work; throttled like logins, under the same counts."""
        now = self.clock()
        throttle_key = self._throttle_key(login)
        self._refuse_if_throttled(throttle_key, client_address, now)
        account = self._resolve_login(login)
        code_digest = activation_code_digest(activation_code)
        if account is None or not account.accepts_activation_code(code_digest):
            self.throttle.failed(throttle_key, client_address, now)
            raise InvalidCredentials("unknown login or wrong activation code")
        # The caller holds the account's one-time code: from here answers may be specific.
        if account.activation_expired(now):
            raise InvalidInput("the activation code has expired", field="activation_code")
        try:
            check_password_strength(password, user_inputs=self._personal_words(account, login))
        except WeakPassword as error:
            raise InvalidInput(error.reason, field="password") from error
        try:
            account.activate(
                code_digest=code_digest, password_hash=self.hasher.hash(password), now=now
            )
        except AccountRefused as refused:
            raise _refusal(refused) from refused
        self._save(account)
        self.throttle.succeeded(throttle_key, client_address)
        return account.id

    def _personal_words(self, account: Account, login: str) -> list[str]:
        words = [login]
        if account.login:
            words.append(account.login)
        if account.person_id is not None:
            person = self._person(account.person_id)
            if person is not None:
                words.append(person.name)
            revealed = self.vault.reveal(account.person_id)
            if revealed is not None:
                words.append(revealed.value)
        return words

    def login(self, login: str, password: str, *, client_address: str) -> TokenPair:
        """Tokens for the right password. Unknown logins, inactive accounts and wrong
        passwords get the same answer after the same work (one Argon2 verification) and
        are throttled under the same counts (``domain/throttling.py``); ``client_address``
        is the caller's address as the HTTP layer determined it."""
        now = self.clock()
        throttle_key = self._throttle_key(login)
        self._refuse_if_throttled(throttle_key, client_address, now)
        account = self._resolve_login(login)
        if account is None or account.password_hash is None:
            self.hasher.verify_dummy(password)
            self.throttle.failed(throttle_key, client_address, now)
            raise InvalidCredentials("unknown login or wrong password")
        if not self.hasher.verify(account.password_hash, password):
            self.throttle.failed(throttle_key, client_address, now)
            raise InvalidCredentials("unknown login or wrong password")
        self.throttle.succeeded(throttle_key, client_address)
        if self.hasher.needs_rehash(account.password_hash):
            account.rehash_password(password_hash=self.hasher.hash(password))
        generation = account.rotate_refresh()
        self._save(account)
        return self._tokens(account, generation, now)

    def refresh(self, refresh_token: str) -> TokenPair:
        try:
            claims = self.verifier.verify_refresh(refresh_token)
            account_id = UUID(claims.account_id)
        except (InvalidToken, ValueError) as error:
            raise InvalidCredentials("invalid refresh token") from error
        account = self._account(account_id)
        if account is None or not account.active:
            raise InvalidCredentials("invalid refresh token")
        if claims.generation != account.refresh_generation:
            # A refresh token used twice: whoever holds the newer one is cut off too.
            account.rotate_refresh()
            self._save(account)
            raise InvalidCredentials("refresh token was already used; log in again")
        generation = account.rotate_refresh()
        self._save(account)
        return self._tokens(account, generation, self.clock())

    def _tokens(self, account: Account, generation: int, now: datetime) -> TokenPair:
        return TokenPair(
            access_token=self.signer.access_token(account.principal(), now=now),
            refresh_token=self.signer.refresh_token(str(account.id), generation, now=now),
            expires_in=int(self.signer.access_ttl.total_seconds()),
        )

    # --- people -------------------------------------------------------------------------------

    def register_professional(
        self, actor: Principal, *, name: str, id_number: str, organisation: UUID
    ) -> ProfessionalRegistration:
        """Register a professional under their employer (or a free-lancer under an agency);
        the account is activated by the person with the one-time code."""
        org = self._affiliation_organisation(actor, organisation)
        national_id = _parse_national_id(id_number, self.clock())
        name = _parse_name(name)
        registration = (
            Registration.AGENCY if org.kind is OrganisationKind.AGENCY else Registration.EMPLOYER
        )
        person, created, activation = self._person_for(national_id, name, org, registration)
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

    def _affiliation_organisation(self, actor: Principal, organisation: UUID) -> Organisation:
        org = self.organisation(organisation)
        if org is None or org.kind not in (OrganisationKind.EMPLOYER, OrganisationKind.AGENCY):
            raise InvalidInput("no such employer or agency", field="organisation_id")
        if not org.active:
            raise InvalidInput("the employer is pending approval", field="organisation_id")
        if not _may_manage(actor, org):
            raise Forbidden("this organisation is outside the caller's scope")
        return org

    def _person_for(
        self,
        national_id: NationalId,
        name: str,
        org: Organisation,
        registration: Registration,
    ) -> tuple[Person, bool, Activation | None]:
        person_id, _ = self.vault.claim(national_id, uuid4())
        existing = self._person(person_id)
        if existing is not None:
            return existing, False, None
        # The vault claim and the aggregate are two stores: a crash between them leaves a
        # claimed ID number without a person, which the next attempt completes here.
        chain = [org.id] + (
            [org.parent_id] if org.parent_id and org.kind is OrganisationKind.EMPLOYER else []
        )
        person = Person.register(
            person_id,
            name=name,
            region_code=org.region_code,
            organisation_ids=chain,
            registration=registration,
        )
        scope = Scope(Role.PROFESSIONAL, org.region_code, org.id, tuple(chain), person_id)
        code = new_activation_code()
        account = Account.provision(
            account_id_for_person(person_id),
            login=None,
            scope=scope,
            activation_digest=activation_code_digest(code),
            now=self.clock(),
        )
        self._save(person, account)
        return person, True, Activation(account.id, None, code, account.activation_expires_at)

    def import_legacy(
        self, actor: Principal, rows: Sequence[dict[str, str]], import_batch_id: str
    ) -> ImportReport:
        """Migrate people from the old platform with their hours per past year.

        Columns: name, id_number, employer_credit_code, study_year, public_hours,
        professional_hours. Idempotent: a row imported twice changes nothing; a bad row is
        reported (row number and field, never its values) and the rest go on.
        """
        if actor.role not in (Role.PROVINCE_ADMIN, Role.HR_AUTHORITY):
            raise Forbidden("only HR authorities and province administrators migrate people")
        report = ImportReport()
        this_year = self.clock().year
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
        self, actor: Principal, row: dict[str, str], batch_id: str, this_year: int
    ) -> tuple[int, tuple[UUID, Activation] | None]:
        national_id = _parse_national_id(row.get("id_number", ""), self.clock())
        name = _parse_name(row.get("name", ""))
        code = _parse_credit_code(row.get("employer_credit_code", ""), "employer_credit_code")
        employer = self.organisation(organisation_id(OrganisationKind.EMPLOYER, code.value))
        if employer is None or not employer.active:
            raise InvalidInput("no active employer with this credit code", "employer_credit_code")
        if not _may_manage(actor, employer):
            raise Forbidden("the employer is outside the caller's region")
        study_year = _parse_year(row.get("study_year", ""), this_year)
        hours = {
            Subject.PUBLIC: _parse_hours(row.get("public_hours", ""), "public_hours"),
            Subject.PROFESSIONAL: _parse_hours(
                row.get("professional_hours", ""), "professional_hours"
            ),
        }
        if not any(hours.values()):
            raise InvalidInput("a row must carry some hours", field="public_hours")
        person, created, activation = self._person_for(
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
            self._save(person)
        return recorded, (person.id, activation) if created and activation else None

    def profile(self, actor: Principal, person_id: UUID) -> PersonProfile:
        person = self._person(person_id)
        if person is None or not _may_read_person(actor, person):
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
            masked_id_number=self.vault.masked(person.id),
            id_number_erased=person.id_number_erased,
            legacy_hours=legacy,
        )

    def erase_id_number(self, actor: Principal, person_id: UUID) -> bool:
        """Destroy the person's key: the encrypted ID number becomes unreadable for good.

        The person, their account and their hours stay; logging in by ID number stops
        working (an administrator re-registers the person if they return)."""
        if actor.role is not Role.PROVINCE_ADMIN:
            raise Forbidden("only province administrators erase ID numbers")
        person = self._person(person_id)
        if person is None:
            raise NotFound("no such person")
        erased = self.vault.erase(person_id)
        if person.record_id_number_erased():
            self._save(person)
        return erased


# --- rules about who may act ------------------------------------------------------------------


def _require_registrar(actor: Principal, kind: OrganisationKind, region_code: str) -> None:
    """Province administrators register anything; an HR authority registers what lies in
    its region below it (district HR authorities only under a city's)."""
    if actor.role is Role.PROVINCE_ADMIN:
        return
    if actor.role is Role.HR_AUTHORITY and region_covers(actor.region_code, region_code):
        if kind is OrganisationKind.HR_AUTHORITY and actor.region_code == region_code:
            raise Forbidden("an HR authority cannot register itself")
        return
    raise Forbidden("only HR authorities of the region and province administrators register")


def _may_manage(actor: Principal, org: Organisation) -> bool:
    if actor.role is Role.PROVINCE_ADMIN:
        return True
    if actor.role is Role.HR_AUTHORITY:
        return region_covers(actor.region_code, org.region_code)
    if actor.role in (Role.EMPLOYER_ADMIN, Role.AGENCY):
        return actor.organisation_id == str(org.id)
    return False


def _may_read_person(actor: Principal, person: Person) -> bool:
    if actor.role in (Role.PROVINCE_ADMIN, Role.TITLE_CLIENT):
        return True
    if actor.role is Role.PROFESSIONAL:
        return actor.person_id == person.id
    if not region_covers(actor.region_code, person.region_code):
        return False
    if actor.role is Role.HR_AUTHORITY:
        return True
    return actor.organisation_id in {str(o) for o in person.organisation_ids}


# --- parsing with field names ---------------------------------------------------------------


def _refusal(refused: AccountRefused) -> IdentityError:
    if refused.reason is AccountRefusal.ALREADY_ACTIVE:
        return Conflict("the account is already active; log in", field="activation_code")
    if refused.reason is AccountRefusal.CODE_EXPIRED:
        return InvalidInput("the activation code has expired", field="activation_code")
    return InvalidCredentials("unknown login or wrong activation code")


_NAME: TypeAdapter[str] = TypeAdapter(NameText)
_DECIMAL_STRING = re.compile(DECIMAL_STRING_PATTERN)
_YEAR = re.compile(r"[0-9]{4}")


def _parse_name(raw: str, field_name: str = "name") -> str:
    """A name as the HTTP models take it (the shared ``NameText``): CSV rows come here
    without a model, and a NUL in a name stopped the projector that writes it to a table."""
    if not raw.strip():
        raise InvalidInput("must not be blank", field=field_name)
    try:
        return _NAME.validate_python(raw.strip())
    except ValidationError as error:
        raise InvalidInput(error.errors()[0]["msg"], field=field_name) from error


def _parse_region(raw: str) -> RegionCode:
    try:
        return RegionCode.parse(raw)
    except InvalidRegionCode as error:
        raise InvalidInput(error.reason, field="region_code") from error


def _parse_credit_code(raw: str, field_name: str = "credit_code") -> CreditCode:
    try:
        return CreditCode.parse(raw)
    except InvalidCreditCode as error:
        raise InvalidInput(error.reason, field=field_name) from error


def _parse_national_id(raw: str, now: datetime) -> NationalId:
    try:
        return NationalId.parse(raw, today=now.date())
    except InvalidNationalId as error:
        raise InvalidInput(error.reason, field="id_number") from error


def _try_national_id(raw: str, now: datetime) -> NationalId | None:
    try:
        return NationalId.parse(raw, today=now.date())
    except InvalidNationalId:
        return None


def _parse_kind(raw: str) -> OrganisationKind:
    try:
        return OrganisationKind(raw.strip())
    except ValueError as error:
        names = ", ".join(k.value for k in OrganisationKind)
        raise InvalidInput(f"must be one of: {names}", field="kind") from error


def _parse_login(raw: str) -> str:
    login = raw.strip().casefold()
    if not 3 <= len(login) <= 64 or not set(login) <= _LOGIN_CHARS:
        raise InvalidInput(
            "3 to 64 characters: lower-case letters, digits and . _ - @", field="login"
        )
    if login[0].isdigit():
        # Professionals log in with their ID number; a login name never looks like one.
        raise InvalidInput("must start with a letter", field="login")
    return login


def _parse_year(raw: str, this_year: int) -> int:
    # int() reads any Unicode digit ("２０１９"); a year is four ASCII digits.
    if not _YEAR.fullmatch(raw.strip()):
        raise InvalidInput("must be a year such as 2019", field="study_year")
    year = int(raw.strip())
    if not 2000 <= year < this_year:
        raise InvalidInput(f"must be a past year from 2000 to {this_year - 1}", "study_year")
    return year


def _parse_hours(raw: str, field_name: str) -> Decimal:
    text = raw.strip() or "0"
    # The contracts' decimal form (ASCII digits, at most two decimals): Decimal() alone also
    # reads "１２", "1e3" and "NaN".
    if not _DECIMAL_STRING.fullmatch(text):
        raise InvalidInput("must be from 0 to 1000 with at most two decimals", field_name)
    value = Decimal(text)
    if value > 1000:
        raise InvalidInput("must be from 0 to 1000 with at most two decimals", field_name)
    return value


__all__ = [
    "Activation",
    "Conflict",
    "Forbidden",
    "IdentityApplication",
    "IdentityError",
    "ImportReport",
    "InvalidCredentials",
    "InvalidInput",
    "NotFound",
    "PersonProfile",
    "ProfessionalRegistration",
    "RowError",
    "Throttled",
    "TokenPair",
]
