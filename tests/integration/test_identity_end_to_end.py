"""Identity end to end, every service a real process on real Kafka and PostgreSQL.

A newcomer bootstraps the province administrator, pre-loads two cities' HR authorities and
employers over the API, creates employer administrators, registers and activates a
professional, migrates their past hours, and reads them from the ledger with the token
identity issued — and every other role sees only what it may. Finally no ID number
appears in any log line of any process or in any record on the identity topic.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from stdnum.cn import uscc
from stdnum.iso7064 import mod_11_2

from tests.support import system
from tests.support.kafka_io import create_env_topics, read_all
from tests.support.processes import ROOT
from tests.support.waiting import wait_until

PASSWORD = "amber-lantern-quarry-82"


def _national_id(first17: str) -> str:
    return first17 + mod_11_2.calc_check_digit(first17)


def _credit_code(first17: str) -> str:
    return first17 + uscc.calc_check_digit(first17)


ID_NUMBER = _national_id("37030319800704217")
MIGRATED_ID_NUMBER = _national_id("37030219751111032")
ZIBO_EMPLOYER = _credit_code("91370303MA3C7XKQ6")
ZAOZHUANG_EMPLOYER = _credit_code("91370402MA3D8YLR2")
ORGANISATIONS = (
    "kind,name,region_code,credit_code,industry_authority\n"
    "hr_authority,淄博市人力资源和社会保障局,370300,,\n"
    "hr_authority,枣庄市人力资源和社会保障局,370400,,\n"
    "industry_authority,淄博市卫生健康委员会,370300,,\n"
    "industry_authority,枣庄市卫生健康委员会,370400,,\n"
    f"employer,淄博市第一医院,370303,{ZIBO_EMPLOYER},淄博市卫生健康委员会\n"
    f"employer,枣庄市立医院,370402,{ZAOZHUANG_EMPLOYER},枣庄市卫生健康委员会\n"
)


@pytest.fixture
def identity_env(ledger_env: dict[str, str], run_id: str) -> dict[str, str]:
    return system.identity_env(ledger_env, run_id)


@pytest.fixture
def services(identity_env: dict[str, str], kafka_bootstrap: str) -> Iterator[dict[str, Any]]:
    asyncio.run(create_env_topics(kafka_bootstrap, identity_env))
    kinds = [kind for kind in system.PROCESS_MODULES if not kind.startswith("learning-")]
    processes = system.System(identity_env, kinds)
    try:
        processes.start()
        yield {
            "identity": processes.urls["identity-api"],
            "ledger": processes.urls["ledger-api"],
            "processes": processes.processes,
        }
    finally:
        processes.stop()


def _bootstrap_province_admin(env: dict[str, str]) -> str:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hourbank_identity.entrypoints.admin",
            "create-province-admin",
            "--login",
            "province-admin",
        ],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    code: str = json.loads(done.stdout.strip().splitlines()[-1])["activation_code"]
    return code


class Client:
    def __init__(self, identity: str, ledger: str) -> None:
        self.identity = identity
        self.ledger = ledger

    def activate(self, login: str, code: str) -> None:
        answer = httpx.post(
            f"{self.identity}/v1/accounts/activate",
            json={"login": login, "activation_code": code, "password": PASSWORD},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text

    def login(self, login: str) -> dict[str, str]:
        answer = httpx.post(
            f"{self.identity}/v1/auth/login",
            json={"login": login, "password": PASSWORD},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def find(self, token: dict[str, str], query: str, kind: str) -> str | None:
        answer = httpx.get(
            f"{self.identity}/v1/organisations",
            params={"q": query, "kind": kind},
            headers=token,
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        items = answer.json()["items"]
        return str(items[0]["organisation_id"]) if items else None

    def admin_for(self, token: dict[str, str], organisation_id: str, login: str) -> dict[str, str]:
        created = httpx.post(
            f"{self.identity}/v1/organisations/{organisation_id}/accounts",
            json={"login": login},
            headers=token,
            timeout=10,
        )
        assert created.status_code == 201, created.text
        self.activate(login, created.json()["activation_code"])
        return self.login(login)


def test_newcomer_flow_reads_only_what_each_role_allows(
    services: dict[str, Any], identity_env: dict[str, str], kafka_bootstrap: str
) -> None:
    client = Client(services["identity"], services["ledger"])
    client.activate("province-admin", _bootstrap_province_admin(identity_env))
    province = client.login("province-admin")

    loaded = httpx.post(
        f"{client.identity}/v1/organisations/import",
        content=ORGANISATIONS.encode(),
        headers={**province, "Content-Type": "text/csv"},
        timeout=30,
    )
    assert loaded.status_code == 200, loaded.text
    assert (loaded.json()["created"], loaded.json()["errors"]) == (6, [])

    # The search read model is a projection: wait for it, with a deadline.
    zibo_employer = wait_until(
        lambda: client.find(province, "淄博第一医院", "employer"),
        timeout=30,
        what="the Zibo employer to be searchable",
    )
    zaozhuang_employer = wait_until(
        lambda: client.find(province, ZAOZHUANG_EMPLOYER, "employer"),
        timeout=30,
        what="the Zaozhuang employer to be searchable",
    )
    zibo_hr = client.find(province, "淄博市人力资源", "hr_authority")
    zaozhuang_hr = client.find(province, "枣庄市人力资源", "hr_authority")
    assert zibo_hr
    assert zaozhuang_hr

    zibo_admin = client.admin_for(province, zibo_employer, "zibo-first-hospital")
    zaozhuang_admin = client.admin_for(province, zaozhuang_employer, "zaozhuang-hospital")
    zibo_city = client.admin_for(province, zibo_hr, "zibo-hr")
    zaozhuang_city = client.admin_for(province, zaozhuang_hr, "zaozhuang-hr")

    registered = httpx.post(
        f"{client.identity}/v1/persons",
        json={"name": "张三", "id_number": ID_NUMBER, "organisation_id": zibo_employer},
        headers=zibo_admin,
        timeout=10,
    )
    assert registered.status_code == 201, registered.text
    person_id = registered.json()["person_id"]
    client.activate(ID_NUMBER, registered.json()["activation"]["activation_code"])
    professional = client.login(ID_NUMBER)

    migrated = httpx.post(
        f"{client.identity}/v1/legacy-imports",
        params={"batch_id": "zibo-2020-07"},
        content=(
            "name,id_number,employer_credit_code,study_year,public_hours,professional_hours\n"
            f"张三,{ID_NUMBER},{ZIBO_EMPLOYER},2019,30,60\n"
            f"李四,{MIGRATED_ID_NUMBER},{ZIBO_EMPLOYER},2019,30,40\n"
        ).encode(),
        headers={**zibo_city, "Content-Type": "text/csv"},
        timeout=30,
    )
    assert migrated.status_code == 200, migrated.text
    assert (migrated.json()["created"], migrated.json()["hours_recorded"]) == (1, 4)

    hours = f"{client.ledger}/v1/persons/{person_id}/years/2019/hours"

    def migrated_hours_visible() -> dict[str, Any] | None:
        answer = httpx.get(hours, params={"region": "370300"}, headers=professional, timeout=10)
        if answer.status_code != 200:
            return None
        body: dict[str, Any] = answer.json()
        return body if len(body["entries"]) == 2 else None

    own = wait_until(migrated_hours_visible, timeout=60, what="the migrated hours in the ledger")
    assert {entry["raw_hours"] for entry in own["entries"]} == {"30", "60"}
    assert {entry["kind"] for entry in own["entries"]} == {"legacy_import"}
    assert {entry["status"] for entry in own["entries"]} == {"credited"}  # already credited once

    def status(token: dict[str, str]) -> int:
        return httpx.get(hours, params={"region": "370300"}, headers=token, timeout=10).status_code

    # The directory entry comes from identity's PersonRegisteredV1 via Kafka.
    wait_until(lambda: status(zibo_admin) == 200, timeout=60, what="the employer's read")
    assert status(zibo_city) == 200
    assert status(province) == 200
    assert status(zaozhuang_admin) == 403
    assert status(zaozhuang_city) == 403
    assert status({}) == 401
    other = httpx.get(
        f"{client.identity}/v1/persons/{person_id}", headers=zaozhuang_admin, timeout=10
    )
    assert other.status_code == 404

    # No ID number anywhere: not in any process's log, not in any record on the topic.
    records = asyncio.run(read_all(kafka_bootstrap, identity_env["IDENTITY_TOPIC"], 12, 20))
    assert len(records) >= 12  # 6 organisations, 2 persons, 4 migrated hour records
    for number in (ID_NUMBER, MIGRATED_ID_NUMBER):
        for record in records:
            blob = (record.key or b"") + (record.value or b"")
            blob += b"".join(value for _, value in record.headers)
            assert number.encode() not in blob
            assert number[:17].encode() not in blob
        for name, process in services["processes"].items():
            log = process.full_log()
            assert log, name
            assert number not in log, name
            assert number[:17] not in log, name
