"""The shared authorization dependency: tokens, scopes and the problems it answers with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hourbank_common.access import may_read, may_write
from hourbank_common.auth import (
    CurrentPrincipal,
    InvalidToken,
    Principal,
    ResourceScope,
    Role,
    TokenSigner,
    TokenVerifier,
    authorize_read,
    authorize_write,
    generate_signing_keypair,
    install_authentication,
    region_covers,
    require_role,
)
from hourbank_common.errors import Forbidden
from hourbank_common.http import install_http_plumbing, problem_for

KEYS = generate_signing_keypair()
SIGNER = TokenSigner(KEYS.private_pem)
VERIFIER = TokenVerifier(KEYS.public_pem)

EMPLOYER = str(uuid4())
OTHER_EMPLOYER = str(uuid4())
INDUSTRY = str(uuid4())
PERSON = uuid4()
ZIBO_PERSON = ResourceScope(
    person_id=PERSON, region_code="370303", organisation_ids=frozenset({EMPLOYER, INDUSTRY})
)


def principal(role: Role, region: str = "370300", **kwargs: Any) -> Principal:
    return Principal(subject=str(uuid4()), role=role, region_code=region, **kwargs)


@pytest.mark.parametrize(
    ("outer", "inner", "covered"),
    [
        ("370000", "370303", True),
        ("370000", "110101", False),
        ("370300", "370303", True),
        ("370300", "370300", True),
        ("370300", "370403", False),
        ("370303", "370303", True),
        ("370303", "370300", False),
        ("370303", "370304", False),
        ("3703", "370303", False),
    ],
)
def test_region_coverage_follows_gb_t_2260_levels(outer: str, inner: str, covered: bool) -> None:
    assert region_covers(outer, inner) is covered


def test_a_token_round_trips_into_the_same_principal() -> None:
    original = principal(
        Role.PROFESSIONAL,
        organisation_id=EMPLOYER,
        organisation_ids=frozenset({EMPLOYER, INDUSTRY}),
        person_id=PERSON,
    )
    assert VERIFIER.verify_access(SIGNER.access_token(original)) == original


def test_expired_foreign_and_wrong_kind_tokens_are_refused() -> None:
    someone = principal(Role.PROVINCE_ADMIN, "370000")
    expired = SIGNER.access_token(someone, now=datetime.now(UTC) - timedelta(hours=1))
    with pytest.raises(InvalidToken, match="expired"):
        VERIFIER.verify_access(expired)
    forged = TokenSigner(generate_signing_keypair().private_pem).access_token(someone)
    with pytest.raises(InvalidToken, match="Signature"):
        VERIFIER.verify_access(forged)
    refresh = SIGNER.refresh_token("account-1", 3)
    with pytest.raises(InvalidToken, match="access"):
        VERIFIER.verify_access(refresh)
    assert VERIFIER.verify_refresh(refresh).generation == 3
    other_audience = TokenSigner(KEYS.private_pem, audience="elsewhere").access_token(someone)
    with pytest.raises(InvalidToken, match=r"(?i)audience"):
        VERIFIER.verify_access(other_audience)


def test_an_unsigned_token_is_refused() -> None:
    unsigned = jwt.encode(
        {"sub": "x", "role": "province_admin", "region": "370000", "typ": "access"},
        key=None,
        algorithm="none",
    )
    with pytest.raises(InvalidToken):
        VERIFIER.verify_access(unsigned)


@pytest.mark.parametrize(
    ("caller", "allowed"),
    [
        (principal(Role.PROFESSIONAL, person_id=PERSON), True),
        (principal(Role.PROFESSIONAL, person_id=uuid4()), False),
        (principal(Role.EMPLOYER_ADMIN, organisation_id=EMPLOYER), True),
        (principal(Role.EMPLOYER_ADMIN, organisation_id=OTHER_EMPLOYER), False),
        (principal(Role.EMPLOYER_ADMIN, "370400", organisation_id=EMPLOYER), False),
        (principal(Role.INDUSTRY_AUTHORITY, organisation_id=INDUSTRY), True),
        (principal(Role.AGENCY, organisation_id=OTHER_EMPLOYER), False),
        (principal(Role.HR_AUTHORITY, "370300"), True),
        (principal(Role.HR_AUTHORITY, "370303"), True),
        (principal(Role.HR_AUTHORITY, "370304"), False),
        (principal(Role.HR_AUTHORITY, "370400"), False),
        (principal(Role.PROVINCE_ADMIN, "370000"), True),
        (principal(Role.TITLE_CLIENT, "370000"), True),
    ],
    ids=lambda value: value.role.value if isinstance(value, Principal) else str(value),
)
def test_the_access_matrix_for_reading_a_person(caller: Principal, allowed: bool) -> None:
    assert may_read(caller, ZIBO_PERSON) is allowed
    if allowed:
        authorize_read(caller, ZIBO_PERSON)
    else:
        with pytest.raises(Forbidden) as refused:
            authorize_read(caller, ZIBO_PERSON)
        assert problem_for(refused.value).status == 403


def test_an_unknown_region_is_refused_to_regional_roles() -> None:
    unplaced = ResourceScope(person_id=PERSON, organisation_ids=frozenset({EMPLOYER}))
    assert not may_read(principal(Role.EMPLOYER_ADMIN, organisation_id=EMPLOYER), unplaced)
    with pytest.raises(Forbidden):
        authorize_read(principal(Role.EMPLOYER_ADMIN, organisation_id=EMPLOYER), unplaced)
    with pytest.raises(Forbidden):
        authorize_read(principal(Role.HR_AUTHORITY), unplaced)
    authorize_read(principal(Role.PROVINCE_ADMIN, "370000"), unplaced)


def test_the_title_client_reads_but_never_writes() -> None:
    client = principal(Role.TITLE_CLIENT, "370000")
    authorize_read(client, ZIBO_PERSON)
    assert may_read(client, ZIBO_PERSON)
    assert not may_write(client, ZIBO_PERSON)
    with pytest.raises(Forbidden, match="read-only"):
        authorize_write(client, ZIBO_PERSON)
    authorize_write(principal(Role.PROFESSIONAL, person_id=PERSON), ZIBO_PERSON)


def test_require_role_names_the_roles_it_accepts() -> None:
    with pytest.raises(Forbidden, match="hr_authority, province_admin"):
        require_role(principal(Role.EMPLOYER_ADMIN), [Role.PROVINCE_ADMIN, Role.HR_AUTHORITY])
    require_role(principal(Role.HR_AUTHORITY), [Role.HR_AUTHORITY])


def _app() -> TestClient:
    app = FastAPI()
    install_http_plumbing(app)
    install_authentication(app, VERIFIER)

    @app.get("/whoami")
    def whoami(caller: CurrentPrincipal) -> dict[str, str | None]:
        return {"role": caller.role.value, "person_id": str(caller.person_id)}

    return TestClient(app)


def test_the_dependency_answers_401_problems_without_a_valid_token() -> None:
    client = _app()
    missing = client.get("/whoami")
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert "Bearer" in missing.json()["detail"]
    garbage = client.get("/whoami", headers={"Authorization": "Bearer not-a-token"})
    assert garbage.status_code == 401
    assert garbage.json()["detail"].startswith("invalid access token")


def test_the_dependency_gives_endpoints_the_principal() -> None:
    person = UUID(int=7)
    token = SIGNER.access_token(principal(Role.PROFESSIONAL, person_id=person))
    answer = _app().get("/whoami", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert answer.json() == {"role": "professional", "person_id": str(person)}
