"""Identity's services on in-memory persistence: registry, accounts, tokens, erasure."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from hourbank_common.access import Principal, Role
from hourbank_common.errors import (
    Conflict,
    Forbidden,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    Throttled,
)
from hourbank_identity.adapters.contracts import to_public_event
from hourbank_identity.application.identity import IdentityServices
from hourbank_identity.application.pii_vault import InMemoryPiiVault, PiiCipher
from hourbank_identity.application.store import IdentityApplication
from hourbank_identity.domain.national_id import NationalId
from hourbank_identity.domain.organisation import OrganisationKind
from hourbank_identity.domain.passwords import PasswordHasher

from ..support import (
    CLIENT,
    PROVINCE,
    STRONG_PASSWORD,
    TOKENS,
    ZIBO_EMPLOYER_CODE,
    Clock,
    employer_admin,
    hr_admin,
    new_identity,
    preload_registry,
)
from ..synthetic import credit_code_text, national_id_text

ID_NUMBER = national_id_text("370303", sequence="123")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def identity(clock: Clock) -> IdentityServices:
    return new_identity(clock)


def test_preloading_twice_creates_nothing_new(identity: IdentityServices) -> None:
    preload_registry(identity)
    again = identity.organisations.preload(
        PROVINCE,
        [{"kind": "hr_authority", "name": "淄博市人力资源和社会保障局", "region_code": "370300"}],
    )
    assert (again.created, again.unchanged, again.errors) == (0, 1, [])


def test_preload_reports_bad_rows_by_number_and_field_and_keeps_the_rest(
    identity: IdentityServices,
) -> None:
    report = identity.organisations.preload(
        PROVINCE,
        [
            {"kind": "hr_authority", "name": "淄博市人社局", "region_code": "370300"},
            {
                "kind": "employer",
                "name": "无主管单位",
                "region_code": "370303",
                "credit_code": ZIBO_EMPLOYER_CODE,
                "industry_authority": "不存在的主管部门",
            },
            {
                "kind": "employer",
                "name": "坏代码",
                "region_code": "370303",
                "credit_code": ZIBO_EMPLOYER_CODE[:-1] + "0",
            },
            {"kind": "industry_authority", "name": "枣庄行业", "region_code": "370400"},
            {"kind": "club", "name": "x", "region_code": "370300"},
            {"kind": "industry_authority", "name": "淄博市教育局", "region_code": "370300"},
        ],
    )
    assert report.created == 2
    assert [(e.row, e.field) for e in report.errors] == [
        (2, "industry_authority"),
        (3, "credit_code"),
        (4, "region_code"),
        (5, "kind"),
    ]


def test_a_self_registered_employer_is_pending_until_its_hr_authority_approves(
    identity: IdentityServices,
) -> None:
    registry = preload_registry(identity)
    employer, created = identity.organisations.register(
        None,
        kind=OrganisationKind.EMPLOYER,
        name="淄博新材料有限公司",
        region_code="370303",
        credit_code=credit_code_text("91370303MA3NEWC71"),
        industry_authority_id=registry.industry,
    )
    assert created
    assert employer.status.value == "pending"
    with pytest.raises(InvalidInput, match="pending"):
        identity.organisations.provision_admin(hr_admin(registry), employer.id, "newco-admin")
    with pytest.raises(Forbidden):
        identity.organisations.approve_employer(hr_admin(registry, "370400"), employer.id)
    approved = identity.organisations.approve_employer(hr_admin(registry), employer.id)
    assert approved.status.value == "active"
    assert identity.organisations.provision_admin(
        hr_admin(registry), employer.id, "newco-admin"
    ).activation_code


def test_registration_runs_top_down(identity: IdentityServices) -> None:
    with pytest.raises(InvalidInput) as refused:
        identity.organisations.register(
            PROVINCE, kind=OrganisationKind.INDUSTRY_AUTHORITY, name="卫健委", region_code="370300"
        )
    assert refused.value.field == "region_code"


def test_an_hr_authority_registers_only_within_its_region(identity: IdentityServices) -> None:
    registry = preload_registry(identity)
    with pytest.raises(Forbidden):
        identity.organisations.register(
            hr_admin(registry, "370400"),
            kind=OrganisationKind.INDUSTRY_AUTHORITY,
            name="淄博市交通运输局",
            region_code="370300",
        )


def test_professional_registration_activation_and_login(
    identity: IdentityServices,
) -> None:
    registry = preload_registry(identity)
    registered = identity.persons.register_professional(
        employer_admin(registry.employer),
        name="张三",
        id_number=ID_NUMBER,
        organisation=registry.employer,
    )
    assert registered.created
    assert registered.activation is not None
    assert registered.masked_id_number == ID_NUMBER[:4] + "*" * 10 + ID_NUMBER[-4:]
    # No password works before activation: there is no default password.
    with pytest.raises(InvalidCredentials):
        identity.accounts.login(ID_NUMBER, ID_NUMBER[-6:], client_address=CLIENT)
    identity.accounts.activate(
        ID_NUMBER, registered.activation.activation_code, STRONG_PASSWORD, client_address=CLIENT
    )
    tokens = identity.accounts.login(ID_NUMBER, STRONG_PASSWORD, client_address=CLIENT)
    principal = TOKENS.verifier.verify_access(tokens.access_token)
    assert principal.role is Role.PROFESSIONAL
    assert principal.person_id == registered.person_id
    assert principal.region_code == "370303"
    assert principal.organisation_ids == {str(registry.employer), str(registry.industry)}


def test_registering_the_same_person_again_is_an_idempotent_retry(
    identity: IdentityServices,
) -> None:
    registry = preload_registry(identity)
    admin = employer_admin(registry.employer)
    first = identity.persons.register_professional(
        admin, name="张三", id_number=ID_NUMBER, organisation=registry.employer
    )
    again = identity.persons.register_professional(
        admin, name="张三", id_number=ID_NUMBER.lower(), organisation=registry.employer
    )
    assert (again.person_id, again.created, again.activation) == (first.person_id, False, None)
    with pytest.raises(Conflict):
        identity.persons.register_professional(
            PROVINCE, name="张三", id_number=ID_NUMBER, organisation=registry.other_employer
        )


def test_an_employer_registers_only_its_own_staff(identity: IdentityServices) -> None:
    registry = preload_registry(identity)
    with pytest.raises(Forbidden):
        identity.persons.register_professional(
            employer_admin(registry.employer),
            name="李四",
            id_number=ID_NUMBER,
            organisation=registry.other_employer,
        )


@pytest.mark.parametrize(
    "password",
    [
        "short1!",
        "password123",
        "12345678",
        "qwertyuiop",
        ID_NUMBER[-6:] + "ab",
        "zhangsan" + ID_NUMBER[-6:],
    ],
)
def test_weak_passwords_and_passwords_derived_from_the_id_number_are_refused(
    identity: IdentityServices, password: str
) -> None:
    registry = preload_registry(identity)
    registered = identity.persons.register_professional(
        employer_admin(registry.employer),
        name="zhangsan",
        id_number=ID_NUMBER,
        organisation=registry.employer,
    )
    assert registered.activation is not None
    with pytest.raises(InvalidInput) as refused:
        identity.accounts.activate(
            ID_NUMBER, registered.activation.activation_code, password, client_address=CLIENT
        )
    assert refused.value.field == "password"


def test_failed_logins_back_off_briefly_instead_of_locking(
    identity: IdentityServices, clock: Clock
) -> None:
    registry = preload_registry(identity)
    activation = identity.organisations.provision_admin(
        hr_admin(registry), registry.employer, "zibo-first"
    )
    identity.accounts.activate(
        "zibo-first", activation.activation_code, STRONG_PASSWORD, client_address=CLIENT
    )
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            identity.accounts.login("zibo-first", "wrong-password-here", client_address=CLIENT)
    with pytest.raises(Throttled) as throttled:
        # Even the right password waits while the short window lasts...
        identity.accounts.login("zibo-first", STRONG_PASSWORD, client_address=CLIENT)
    assert throttled.value.retry_after_seconds == 15
    clock.advance(timedelta(seconds=16))
    # ...and no longer: not 15 minutes.
    assert identity.accounts.login(
        "zibo-first", STRONG_PASSWORD, client_address=CLIENT
    ).access_token


def test_each_further_failure_doubles_the_wait_up_to_its_cap(
    identity: IdentityServices, clock: Clock
) -> None:
    waits = []
    for _ in range(9):
        for _ in range(5 if not waits else 1):
            with pytest.raises(InvalidCredentials):
                identity.accounts.login(
                    "zibo-guessed", "wrong-password-here", client_address=CLIENT
                )
        with pytest.raises(Throttled) as throttled:
            identity.accounts.login("zibo-guessed", "wrong-password-here", client_address=CLIENT)
        waits.append(throttled.value.retry_after_seconds)
        clock.advance(timedelta(seconds=throttled.value.retry_after_seconds))
    assert waits == [15, 30, 60, 120, 240, 480, 900, 900, 900]


def test_wrong_activation_codes_count_towards_the_throttle(
    identity: IdentityServices,
) -> None:
    registry = preload_registry(identity)
    identity.organisations.provision_admin(hr_admin(registry), registry.employer, "zibo-second")
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            identity.accounts.activate(
                "zibo-second", "AAAA-BBBB-CCCC-DDDD-EEEE", STRONG_PASSWORD, client_address=CLIENT
            )
    with pytest.raises(Throttled):
        identity.accounts.activate(
            "zibo-second", "AAAA-BBBB-CCCC-DDDD-EEEE", STRONG_PASSWORD, client_address=CLIENT
        )


def test_an_unknown_login_looks_like_a_wrong_password(identity: IdentityServices) -> None:
    with pytest.raises(InvalidCredentials, match="unknown login or wrong password"):
        identity.accounts.login("nobody-here", STRONG_PASSWORD, client_address=CLIENT)
    with pytest.raises(InvalidCredentials, match="unknown login or wrong password"):
        identity.accounts.login(ID_NUMBER, STRONG_PASSWORD, client_address=CLIENT)


def test_unknown_logins_are_throttled_exactly_like_known_ones(
    identity: IdentityServices,
) -> None:
    """Regression (issue 10): five wrong passwords gave a registered ID number 429 and an
    unregistered one 401 for ever, which told anyone who is registered."""
    registry = preload_registry(identity)
    registered = identity.persons.register_professional(
        employer_admin(registry.employer),
        name="张三",
        id_number=ID_NUMBER,
        organisation=registry.employer,
    )
    assert registered.activation is not None
    identity.accounts.activate(
        ID_NUMBER, registered.activation.activation_code, STRONG_PASSWORD, client_address=CLIENT
    )
    unknown = national_id_text("370303", sequence="777")

    def answers(login: str) -> list[tuple[str, str, int | None]]:
        seen: list[tuple[str, str, int | None]] = []
        for _ in range(7):
            try:
                identity.accounts.login(login, "wrong-password-here", client_address=CLIENT)
            except (InvalidCredentials, Throttled) as error:
                retry = error.retry_after_seconds if isinstance(error, Throttled) else None
                seen.append((type(error).__name__, error.message, retry))
        return seen

    known_answers, unknown_answers = answers(ID_NUMBER), answers(unknown)
    assert known_answers == unknown_answers
    assert [kind for kind, _, _ in known_answers] == ["InvalidCredentials"] * 5 + ["Throttled"] * 2


def test_the_owner_logs_in_from_elsewhere_while_a_stranger_is_throttled(
    identity: IdentityServices,
) -> None:
    """Regression (issue 10): anyone who knew an ID number could lock its owner out for
    15 minutes with five wrong passwords."""
    registry = preload_registry(identity)
    registered = identity.persons.register_professional(
        employer_admin(registry.employer),
        name="张三",
        id_number=ID_NUMBER,
        organisation=registry.employer,
    )
    assert registered.activation is not None
    identity.accounts.activate(
        ID_NUMBER, registered.activation.activation_code, STRONG_PASSWORD, client_address=CLIENT
    )
    stranger = "203.0.113.66"
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            identity.accounts.login(ID_NUMBER, "guess-guess-guess", client_address=stranger)
    for _ in range(10):
        with pytest.raises(Throttled):
            identity.accounts.login(ID_NUMBER, "guess-guess-guess", client_address=stranger)
    assert identity.accounts.login(ID_NUMBER, STRONG_PASSWORD, client_address=CLIENT).access_token


def test_one_address_trying_many_logins_is_throttled(
    identity: IdentityServices,
) -> None:
    prober = "198.51.100.7"
    for sequence in range(100, 150):  # 50 different ID numbers, one try each
        with pytest.raises(InvalidCredentials):
            identity.accounts.login(
                national_id_text("370303", sequence=str(sequence)),
                STRONG_PASSWORD,
                client_address=prober,
            )
    with pytest.raises(Throttled):
        identity.accounts.login("anyone-else", STRONG_PASSWORD, client_address=prober)
    with pytest.raises(InvalidCredentials):  # another address is not affected
        identity.accounts.login("anyone-else", STRONG_PASSWORD, client_address=CLIENT)


def test_activation_does_not_tell_an_active_or_expired_account_from_an_unknown_one(
    identity: IdentityServices, clock: Clock
) -> None:
    """Regression (issue 10): an active account answered 409 and an expired code 422 to any
    code, an unknown login 401."""
    registry = preload_registry(identity)
    active = identity.organisations.provision_admin(
        hr_admin(registry), registry.employer, "zibo-active"
    )
    identity.accounts.activate(
        "zibo-active", active.activation_code, STRONG_PASSWORD, client_address=CLIENT
    )
    identity.organisations.provision_admin(hr_admin(registry), registry.employer, "zibo-expiring")
    clock.advance(timedelta(days=31))
    wrong = "AAAA-BBBB-CCCC-DDDD-EEEE"
    for login in ("zibo-active", "zibo-expiring", "zibo-nobody"):
        with pytest.raises(InvalidCredentials, match="unknown login or wrong activation code"):
            identity.accounts.activate(login, wrong, STRONG_PASSWORD, client_address=CLIENT)
        with pytest.raises(InvalidCredentials, match="unknown login or wrong activation code"):
            identity.accounts.activate(login, wrong, "password1", client_address="192.0.2.99")


def test_the_holder_of_an_expired_code_is_told_it_expired(
    identity: IdentityServices, clock: Clock
) -> None:
    registry = preload_registry(identity)
    expiring = identity.organisations.provision_admin(
        hr_admin(registry), registry.employer, "zibo-late"
    )
    clock.advance(timedelta(days=31))
    with pytest.raises(InvalidInput, match="expired"):
        identity.accounts.activate(
            "zibo-late", expiring.activation_code, STRONG_PASSWORD, client_address=CLIENT
        )


class CountingHasher(PasswordHasher):
    """The test hasher, counting the Argon2 work each call does."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verifications = 0
        self.hashes = 0

    def verify(self, hash: str, password: str) -> bool:
        self.verifications += 1
        return super().verify(hash, password)

    def hash(self, password: str) -> str:
        self.hashes += 1
        return super().hash(password)


def test_unknown_and_known_logins_cost_the_same_password_hash_work(clock: Clock) -> None:
    hasher = CountingHasher()
    identity = new_identity(clock, hasher=hasher)
    registry = preload_registry(identity)
    registered = identity.persons.register_professional(
        employer_admin(registry.employer),
        name="张三",
        id_number=ID_NUMBER,
        organisation=registry.employer,
    )
    assert registered.activation is not None
    identity.organisations.provision_admin(hr_admin(registry), registry.employer, "zibo-pending")
    identity.accounts.activate(
        ID_NUMBER, registered.activation.activation_code, STRONG_PASSWORD, client_address=CLIENT
    )

    def work(attempt: Callable[[], object]) -> tuple[int, int]:
        before = (hasher.verifications, hasher.hashes)
        with pytest.raises(InvalidCredentials):
            attempt()
        return hasher.verifications - before[0], hasher.hashes - before[1]

    def login(login: str, address: str) -> Callable[[], object]:
        return lambda: identity.accounts.login(login, "wrong-password-here", client_address=address)

    def activate(login: str, address: str) -> Callable[[], object]:
        return lambda: identity.accounts.activate(
            login, "AAAA-BBBB-CCCC-DDDD-EEEE", STRONG_PASSWORD, client_address=address
        )

    unknown_id = national_id_text("370303", sequence="777")
    # One Argon2 verification each: registered, unregistered, not yet activated, by name.
    assert work(login(ID_NUMBER, "192.0.2.1")) == (1, 0)
    assert work(login(unknown_id, "192.0.2.2")) == (1, 0)
    assert work(login("zibo-pending", "192.0.2.3")) == (1, 0)
    assert work(login("zibo-nobody", "192.0.2.4")) == (1, 0)
    # A wrong activation code costs no hashing, whether the login exists or not.
    assert work(activate("zibo-pending", "192.0.2.5")) == (0, 0)
    assert work(activate("zibo-nobody", "192.0.2.6")) == (0, 0)
    assert work(activate(ID_NUMBER, "192.0.2.7")) == (0, 0)


def test_refresh_rotates_and_a_reused_refresh_token_cuts_the_chain(
    identity: IdentityServices,
) -> None:
    registry = preload_registry(identity)
    activation = identity.organisations.provision_admin(PROVINCE, registry.zibo_hr, "zibo-hr")
    identity.accounts.activate(
        "zibo-hr", activation.activation_code, STRONG_PASSWORD, client_address=CLIENT
    )
    first = identity.accounts.login("zibo-hr", STRONG_PASSWORD, client_address=CLIENT)
    second = identity.accounts.refresh(first.refresh_token)
    assert TOKENS.verifier.verify_access(second.access_token).role is Role.HR_AUTHORITY
    with pytest.raises(InvalidCredentials, match="already used"):
        identity.accounts.refresh(first.refresh_token)
    with pytest.raises(InvalidCredentials):
        identity.accounts.refresh(second.refresh_token)  # the thief's and the owner's both end
    with pytest.raises(InvalidCredentials):
        identity.accounts.refresh(second.access_token)


def test_legacy_import_is_idempotent_reports_row_errors_and_emits_hours(
    identity: IdentityServices, clock: Clock
) -> None:
    registry = preload_registry(identity)
    del registry
    rows = [
        {
            "name": "王五",
            "id_number": ID_NUMBER,
            "employer_credit_code": ZIBO_EMPLOYER_CODE,
            "study_year": "2018",
            "public_hours": "30",
            "professional_hours": "62.5",
        },
        {
            "name": "王五",
            "id_number": ID_NUMBER,
            "employer_credit_code": ZIBO_EMPLOYER_CODE,
            "study_year": "2019",
            "public_hours": "28",
            "professional_hours": "",
        },
        {
            "name": "坏号",
            "id_number": ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1"),
            "employer_credit_code": ZIBO_EMPLOYER_CODE,
            "study_year": "2018",
            "public_hours": "30",
            "professional_hours": "60",
        },
        {
            "name": "未来",
            "id_number": national_id_text(sequence="555"),
            "employer_credit_code": ZIBO_EMPLOYER_CODE,
            "study_year": str(clock.now.year),
            "public_hours": "30",
            "professional_hours": "60",
        },
        {
            "name": "小数",
            "id_number": national_id_text(sequence="556"),
            "employer_credit_code": ZIBO_EMPLOYER_CODE,
            "study_year": "2018",
            "public_hours": "1.234",
            "professional_hours": "60",
        },
    ]
    first = identity.legacy.import_rows(PROVINCE, rows, "zibo-2020-07")
    assert (first.rows, first.created, first.hours_recorded) == (5, 1, 3)
    assert [(e.row, e.field) for e in first.errors] == [
        (3, "id_number"),
        (4, "study_year"),
        (5, "public_hours"),
    ]
    assert all(ID_NUMBER not in e.message for e in first.errors)
    assert len(first.activations) == 1
    second = identity.legacy.import_rows(PROVINCE, rows[:2], "zibo-2020-07")
    assert (second.created, second.hours_recorded, second.unchanged) == (0, 0, 2)
    changed = dict(rows[0], public_hours="31")
    conflict = identity.legacy.import_rows(PROVINCE, [changed], "zibo-2020-08")
    assert [(e.row, e.field) for e in conflict.errors] == [(1, "public_hours")]

    envelopes = [
        envelope
        for notification in identity.app.recorder.select_notifications(start=1, limit=1000)
        if (envelope := to_public_event(identity.app.mapper.to_domain_event(notification)))
    ]
    legacy = [e for e in envelopes if e.type == "hourbank.identity.legacy-hours.imported.v1"]
    assert sorted((e.data.study_year, e.data.hours) for e in legacy) == [  # type: ignore[attr-defined]
        (2018, Decimal("30")),
        (2018, Decimal("62.5")),
        (2019, Decimal("28")),
    ]
    assert {e.data.region_code for e in legacy} == {"370300"}  # type: ignore[attr-defined]
    assert all(ID_NUMBER not in e.data.model_dump_json() for e in envelopes)


def test_profiles_are_masked_and_scoped(identity: IdentityServices) -> None:
    registry = preload_registry(identity)
    registered = identity.persons.register_professional(
        employer_admin(registry.employer),
        name="张三",
        id_number=ID_NUMBER,
        organisation=registry.employer,
    )
    profile = identity.persons.profile(employer_admin(registry.employer), registered.person_id)
    assert profile.masked_id_number == registered.masked_id_number
    for outsider in (
        employer_admin(registry.other_employer, "370402"),
        hr_admin(registry, "370400"),
        Principal(subject="p", role=Role.PROFESSIONAL, region_code="370303", person_id=uuid4()),
    ):
        with pytest.raises(NotFound):
            identity.persons.profile(outsider, registered.person_id)
    assert identity.persons.profile(hr_admin(registry), registered.person_id).name == "张三"


def test_erasing_the_key_makes_the_id_number_unreadable_and_keeps_the_person(
    clock: Clock,
) -> None:
    vault = InMemoryPiiVault(PiiCipher(os.urandom(32), os.urandom(32)))
    identity = new_identity(clock, vault=vault)
    registry = preload_registry(identity)
    registered = identity.persons.register_professional(
        employer_admin(registry.employer),
        name="张三",
        id_number=ID_NUMBER,
        organisation=registry.employer,
    )
    with pytest.raises(Forbidden):
        identity.persons.erase_id_number(hr_admin(registry), registered.person_id)
    assert identity.persons.erase_id_number(PROVINCE, registered.person_id) is True
    profile = identity.persons.profile(PROVINCE, registered.person_id)
    assert (profile.masked_id_number, profile.id_number_erased) == (None, True)
    assert vault.reveal(registered.person_id) is None
    assert vault.find(NationalId(ID_NUMBER)) is None
    assert identity.persons.erase_id_number(PROVINCE, registered.person_id) is False


def test_the_writer_and_the_readers_share_one_event_store() -> None:
    from hourbank_identity.application.event_log import IdentityEventLog

    assert IdentityApplication.name == IdentityEventLog.name == "identity"


def test_accounts_with_events_of_the_former_lock_still_load_and_log_in(
    identity: IdentityServices, clock: Clock
) -> None:
    """Stored accounts may carry AttemptFailed/FailuresCleared events of the old lock."""
    activation = identity.organisations.provision_admin(None, None, "veteran-admin")
    account = identity.app.repository.get(activation.account_id)
    for _ in range(6):
        account._attempt_failed(at=clock.now)  # what five failures stored before
    account._failures_cleared()
    account._attempt_failed(at=clock.now)
    identity.app.save(account)
    identity.accounts.activate(
        "veteran-admin", activation.activation_code, STRONG_PASSWORD, client_address=CLIENT
    )
    assert identity.accounts.login(
        "veteran-admin", STRONG_PASSWORD, client_address=CLIENT
    ).access_token
