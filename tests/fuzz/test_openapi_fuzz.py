"""Schemathesis over every service's OpenAPI document, against the real processes.

Identity, learning and ledger run as real processes on the real PostgreSQL (the APIs need
no broker; identity's projector runs so that searches find what was registered). Each
generated request is sent with no token and with a token of every role (an operation
without security only without one), and each answer must be: no 5xx, a status code and a
content type the document declares for that operation, and the headers it declares.

The documents are constrained here, in the test, so that the success paths are reached
too: ids, regions and years that exist in the seeded registry are offered next to random
ones (``anyOf``), the CSV bodies start with their header row. ``FUZZ_EXAMPLES`` sets the
examples per operation (CI's default keeps the whole run within about three minutes on
two cores; raise it locally for a longer hunt).
"""

from __future__ import annotations

import base64
import copy
import os
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from psycopg import sql
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    status_code_conformance,
)

from hourbank_common.auth import Principal, Role
from tests.support.auth import KEYS, SIGNER, province_admin, title_client
from tests.support.processes import ServiceProcess, free_port
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.fuzz, pytest.mark.timeout(600)]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
# The same examples on every CI run; FUZZ_RANDOM=1 draws new ones (a local hunt).
DERANDOMIZE = os.environ.get("FUZZ_RANDOM") != "1"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
]
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

ZIBO_EMPLOYER_CODE = "91370303MA3C7XKQ63"
AGENCY_CODE = "52370300MJE0000013"  # check character computed in _seed (GB 32100)
ORGANISATIONS_CSV = (
    "kind,name,region_code,credit_code,industry_authority\n"
    "hr_authority,淄博市人力资源和社会保障局,370300,,\n"
    "hr_authority,淄川区人力资源和社会保障局,370302,,\n"
    "industry_authority,淄博市卫生健康委员会,370300,,\n"
    f"employer,淄博市第一医院,370303,{ZIBO_EMPLOYER_CODE},淄博市卫生健康委员会\n"
)
YEARS_WITH_POLICIES = [2020, 2024]
REGIONS = ["370000", "370300", "370302", "370303", "370400"]


@dataclass
class System:
    urls: dict[str, str]
    processes: list[ServiceProcess]
    callers: dict[str, dict[str, str]] = field(default_factory=dict)
    """Authorization headers by role name ("anonymous": none)."""
    known: dict[str, list[Any]] = field(default_factory=dict)
    """Values that exist, by field name, offered next to generated ones."""
    examples: dict[str, dict[str, Any]] = field(default_factory=dict)
    """A request that succeeds, by operation ("POST /v1/persons"): its ``body`` and
    ``path`` parameters, given to schemathesis as the document's examples."""
    answers: dict[str, Counter[int]] = field(default_factory=dict)
    """Status codes answered, by operation ("identity POST /v1/persons")."""


def _credit_code(first17: str) -> str:
    from stdnum.cn import uscc

    return first17 + uscc.calc_check_digit(first17)


def _national_id(first17: str) -> str:
    from stdnum.iso7064 import mod_11_2

    return first17 + mod_11_2.calc_check_digit(first17)


def _bearer(principal: Principal) -> dict[str, str]:
    return {"Authorization": f"Bearer {SIGNER.access_token(principal)}"}


def _organisation_token(role: Role, organisation_id: str, region: str, *chain: str) -> Principal:
    return Principal(
        subject=f"account-{uuid.uuid4()}",
        role=role,
        region_code=region,
        organisation_id=organisation_id,
        organisation_ids=frozenset({organisation_id, *chain}),
    )


def _search(url: str, headers: dict[str, str], q: str, kind: str) -> str | None:
    answer = httpx.get(
        f"{url}/v1/organisations", params={"q": q, "kind": kind}, headers=headers, timeout=10
    )
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    return str(items[0]["organisation_id"]) if items else None


def _seed(system: System) -> None:
    """A registry to act in: two HR authorities, an industry authority, an employer, an
    agency, a professional with a completion; and a token for every role."""
    identity = system.urls["identity"]
    province = _bearer(province_admin())
    agency_code = _credit_code(AGENCY_CODE[:17])
    csv_text = ORGANISATIONS_CSV + f"agency,淄博市人才服务中心,370300,{agency_code},\n"
    loaded = httpx.post(
        f"{identity}/v1/organisations/import",
        content=csv_text.encode(),
        headers={**province, "Content-Type": "text/csv"},
        timeout=30,
    )
    assert loaded.status_code == 200, loaded.text
    assert loaded.json()["errors"] == [], loaded.text
    employer = wait_until(
        lambda: _search(identity, province, ZIBO_EMPLOYER_CODE, "employer"),
        timeout=30,
        what="the employer to be searchable",
    )
    hr = _search(identity, province, "淄博市人力资源和社会保障局", "hr_authority")
    industry = _search(identity, province, "淄博市卫生健康委员会", "industry_authority")
    agency = wait_until(
        lambda: _search(identity, province, agency_code, "agency"),
        timeout=30,
        what="the agency to be searchable",
    )
    assert hr
    assert industry
    employer_admin = _organisation_token(Role.EMPLOYER_ADMIN, employer, "370303", industry)
    registered = httpx.post(
        f"{identity}/v1/persons",
        json={
            "name": "张三",
            "id_number": _national_id("37030319800704217"),
            "organisation_id": employer,
        },
        headers=_bearer(employer_admin),
        timeout=10,
    )
    assert registered.status_code == 201, registered.text
    person_id = registered.json()["person_id"]
    professional = Principal(
        subject=f"account-{uuid.uuid4()}",
        role=Role.PROFESSIONAL,
        region_code="370303",
        organisation_id=employer,
        organisation_ids=frozenset({employer, industry}),
        person_id=uuid.UUID(person_id),
    )
    completion = httpx.post(
        f"{system.urls['learning']}/v1/completions",
        json={
            "person_id": person_id,
            "course_id": "GX-2024-001",
            "study_year": 2024,
            "subject": "public",
            "hours": "2.5",
            "region_code": "370300",
            "completed_at": "2024-09-10T10:00:00+08:00",
        },
        headers=_bearer(professional),
        timeout=10,
    )
    assert completion.status_code == 201, completion.text
    system.callers = {
        "anonymous": {},
        Role.PROFESSIONAL.value: _bearer(professional),
        Role.EMPLOYER_ADMIN.value: _bearer(employer_admin),
        Role.AGENCY.value: _bearer(_organisation_token(Role.AGENCY, agency, "370300")),
        Role.INDUSTRY_AUTHORITY.value: _bearer(
            _organisation_token(Role.INDUSTRY_AUTHORITY, industry, "370300")
        ),
        Role.HR_AUTHORITY.value: _bearer(
            Principal(
                subject=f"account-{uuid.uuid4()}",
                role=Role.HR_AUTHORITY,
                region_code="370300",
                organisation_id=hr,
                organisation_ids=frozenset({hr}),
            )
        ),
        Role.PROVINCE_ADMIN.value: province,
        Role.TITLE_CLIENT.value: _bearer(title_client()),
    }
    system.known = {
        "person_id": [person_id],
        "person_ids": [[person_id]],
        "organisation_id": [employer, agency],
        "industry_authority_id": [industry],
        "completion_id": [completion.json()["completion_id"]],
        "region_code": REGIONS,
        "region": REGIONS,
        "study_year": YEARS_WITH_POLICIES,
        "credit_code": [_credit_code("91370303MA3C7XKQ7")],
        "id_number": [_national_id("37030319851122001")],
    }
    # Bodies that a generator could hit only by luck (a new credit code with its check
    # character under an existing industry authority, a valid ID number...).
    system.examples = {
        "POST /v1/organisations": {
            "body": {
                "kind": "employer",
                "name": "淄博市第二医院",
                "region_code": "370303",
                "credit_code": _credit_code("91370303MA3C7XKQ8"),
                "industry_authority_id": industry,
            }
        },
        "POST /v1/employers": {
            "body": {
                "name": "淄博市第三医院",
                "region_code": "370303",
                "credit_code": _credit_code("91370303MA3C7XKQ9"),
                "industry_authority_id": industry,
            }
        },
        "POST /v1/persons": {
            "body": {
                "name": "李四",
                "id_number": _national_id("37030319851122001"),
                "organisation_id": employer,
            }
        },
        "POST /v1/organisations/{organisation_id}/accounts": {
            "body": {"login": "fuzz-employer-admin"},
            "path": {"organisation_id": employer},
        },
        "POST /v1/hours/batch": {"body": {"study_year": 2020, "person_ids": [person_id]}},
    }


@pytest.fixture(scope="module")
def system(database_url: str) -> Iterator[System]:
    schema_name = f"fuzz_{uuid.uuid4().hex[:12]}"
    env = {
        "DATABASE_URL": database_url,
        "DATABASE_SCHEMA": schema_name,
        "IDENTITY_PII_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
        "IDENTITY_LOOKUP_KEY": base64.b64encode(os.urandom(32)).decode(),
        "AUTH_JWT_PRIVATE_KEY": KEYS.private_pem,
        "AUTH_JWT_PUBLIC_KEY": KEYS.public_pem,
        "LEDGER_REGION_CODE": "370300",
        "STATEMENT_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
        "LOG_LEVEL": "WARNING",
    }
    ports = {name: free_port() for name in ("identity", "learning", "ledger")}
    modules = {
        "identity": "hourbank_identity.entrypoints.http",
        "learning": "hourbank_learning.entrypoints.http",
        "ledger": "hourbank_ledger.entrypoints.http",
    }
    processes = [
        ServiceProcess(f"fuzz-{name}-api", module, {**env, "HTTP_PORT": str(ports[name])})
        for name, module in modules.items()
    ]
    # Identity's search is a projection: its projector runs so that searches find things.
    processes.append(
        ServiceProcess("fuzz-identity-projector", "hourbank_identity.entrypoints.projector", env)
    )
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    for process in processes:
        process.start()
    try:
        for process, url in zip(processes, urls.values(), strict=False):
            process.wait_healthy(url, timeout=60)
        system = System(urls=urls, processes=processes)
        _seed(system)
        yield system
    finally:
        for process in processes:
            process.stop()
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema_name))
            )


# --- constraining the documents ----------------------------------------------------------


def _offer(known: list[Any], original: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [{"enum": known}, original]}


def _constrain_schema(node: Any, known: dict[str, list[Any]]) -> None:
    """Offer known values for every object property named in ``known``."""
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            for name, subschema in list(properties.items()):
                if name in known:
                    properties[name] = _offer(known[name], subschema)
        for value in node.values():
            _constrain_schema(value, known)
    elif isinstance(node, list):
        for value in node:
            _constrain_schema(value, known)


CSV_HEADERS = {
    "/v1/organisations/import": "kind,name,region_code,credit_code,industry_authority",
    "/v1/legacy-imports": (
        "name,id_number,employer_credit_code,study_year,public_hours,professional_hours"
    ),
}


def constrained(
    document: dict[str, Any], known: dict[str, list[Any]], examples: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    document = copy.deepcopy(document)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            example = examples.get(f"{method.upper()} {path}", {})
            for parameter in operation.get("parameters", []):
                if parameter["name"] in example.get("path", {}):
                    parameter["example"] = example["path"][parameter["name"]]
                if parameter["name"] in known:
                    parameter["schema"] = _offer(known[parameter["name"]], parameter["schema"])
            json_body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if json_body is not None and "body" in example:
                json_body["example"] = example["body"]
            csv_body = operation.get("requestBody", {}).get("content", {}).get("text/csv")
            if csv_body is not None and path in CSV_HEADERS:
                # Rows after the header, with any line ending and any character in them.
                csv_body["schema"] = {
                    "type": "string",
                    "pattern": f"^{CSV_HEADERS[path]}(\r\n|\n|\r)",
                }
    _constrain_schema(document.get("components", {}).get("schemas", {}), known)
    return document


def _load(system: System, service: str) -> Any:
    url = system.urls[service]
    document = httpx.get(f"{url}/openapi.json", timeout=10).json()
    loaded = schemathesis.openapi.from_dict(constrained(document, system.known, system.examples))
    loaded.config.update(base_url=url)
    return loaded


@pytest.fixture(scope="module")
def identity_api(system: System) -> Any:
    return _load(system, "identity")


@pytest.fixture(scope="module")
def learning_api(system: System) -> Any:
    return _load(system, "learning")


@pytest.fixture(scope="module")
def ledger_api(system: System) -> Any:
    return _load(system, "ledger")


def _callers(system: System, case: Any) -> list[dict[str, str]]:
    if not case.operation.definition.raw.get("security"):
        return [system.callers["anonymous"]]
    return list(system.callers.values())


def _exercise(system: System, service: str, case: Any) -> None:
    answers = system.answers.setdefault(f"{service} {case.operation.label}", Counter())
    for headers in _callers(system, case):
        response = case.call(headers=headers, timeout=30)
        answers[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=DERANDOMIZE,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@schemathesis.pytest.from_fixture("identity_api").parametrize()
@FUZZ_SETTINGS
def test_identity_api(case: Any, system: System) -> None:
    _exercise(system, "identity", case)


@schemathesis.pytest.from_fixture("learning_api").parametrize()
@FUZZ_SETTINGS
def test_learning_api(case: Any, system: System) -> None:
    _exercise(system, "learning", case)


@schemathesis.pytest.from_fixture("ledger_api").parametrize()
@FUZZ_SETTINGS
def test_ledger_api(case: Any, system: System) -> None:
    _exercise(system, "ledger", case)


@pytest.mark.parametrize("service", ["identity", "learning", "ledger"])
def test_an_undocumented_method_is_405_with_allow(system: System, service: str) -> None:
    """Every path answers a method it does not have with 405, a problem, and ``Allow``
    listing exactly the methods the document declares for it."""
    url = system.urls[service]
    document = httpx.get(f"{url}/openapi.json", timeout=10).json()
    for path, item in document["paths"].items():
        declared = {method.upper() for method in item if method in HTTP_METHODS}
        unused = next(m for m in ("PATCH", "PUT", "DELETE", "POST") if m not in declared)
        concrete = path.replace("{person_id}", str(uuid.uuid4())).replace(
            "{organisation_id}", str(uuid.uuid4())
        )
        concrete = concrete.replace("{completion_id}", str(uuid.uuid4()))
        concrete = concrete.replace("{study_year}", "2024")
        answer = httpx.request(unused, f"{url}{concrete}", timeout=10)
        assert answer.status_code == 405, (path, answer.status_code)
        assert answer.headers["content-type"] == "application/problem+json", path
        allowed = {m.strip() for m in answer.headers.get("allow", "").split(",") if m.strip()}
        assert allowed - {"HEAD"} == declared, (path, answer.headers.get("allow"))


# Operations whose success path needs what a generated request cannot have.
NO_SUCCESS_EXPECTED = {
    # A one-time code and a refresh token are secrets the run never hands out.
    "identity POST /v1/accounts/activate",
    "identity POST /v1/auth/login",
    "identity POST /v1/auth/refresh",
}


def test_every_operation_was_driven_and_reached_its_success_path(system: System) -> None:
    """Runs after the three fuzz tests (file order): each operation of each document was
    called, each one but the listed few answered 2xx at least once, and every process is
    still up (a crash of identity's projector is how a NUL in a name showed)."""
    documented = {
        f"{service} {method.upper()} {path}"
        for service, url in system.urls.items()
        for path, item in httpx.get(f"{url}/openapi.json", timeout=10).json()["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    unreached = {
        operation
        for operation, answers in system.answers.items()
        if not any(200 <= status < 300 for status in answers)
    }
    calls = sum(sum(answers.values()) for answers in system.answers.values())
    # The run's numbers, for the CI log (pytest -s or -rA).
    print(
        f"\nschemathesis: {len(documented)} operations, {calls} requests, "
        f"{EXAMPLES} examples per operation"
    )
    for operation, answers in sorted(system.answers.items()):
        print(f"  {operation}: {dict(sorted(answers.items()))}")
    assert set(system.answers) == documented
    assert unreached <= NO_SUCCESS_EXPECTED, unreached
    for process in system.processes:
        process.assert_running()
