"""What identity accepts can be written to every table and published in every event.

A NUL character in an employer's name was answered 201, and the projector then failed on
every start (PostgreSQL ``text`` cannot hold NUL); the same through the CSV import. CSV
uploads with a lone CR as line ending, a NUL byte or a field beyond the csv module's limit
were 500s, as were ``q=a%00b`` and an offset beyond bigint.
"""

from __future__ import annotations

import pytest

from hourbank_identity.entrypoints.http import MAX_CSV_BYTES

from ..synthetic import credit_code_text, national_id_text
from .test_http import ORGANISATIONS_CSV, Api, bootstrap_province

HEADER = "kind,name,region_code,credit_code,industry_authority"
LEGACY_HEADER = "name,id_number,employer_credit_code,study_year,public_hours,professional_hours"
EMPLOYER_CODE = credit_code_text("91370303MA3C7XKQ6")
OTHER_CODE = credit_code_text("91370303MA3C7XKQ7")


@pytest.fixture
def api() -> Api:
    return Api()


@pytest.fixture
def province(api: Api) -> dict[str, str]:
    token = bootstrap_province(api)
    loaded = api.client.post(
        "/v1/organisations/import",
        content=ORGANISATIONS_CSV.encode(),
        headers={**token, "Content-Type": "text/csv"},
    )
    assert loaded.json()["errors"] == [], loaded.text
    api.project()
    return token


def _industry_id(api: Api, province: dict[str, str]) -> str:
    found = api.client.get(
        "/v1/organisations",
        params={"q": "淄博市卫生健康委员会", "kind": "industry_authority"},
        headers=province,
    )
    return str(found.json()["items"][0]["organisation_id"])


@pytest.mark.parametrize("name", ["医院\x00", "医\x1b[31m院", "医\u2028院", "\x7f"])
def test_a_name_with_a_control_character_is_a_422_naming_it(
    api: Api, province: dict[str, str], name: str
) -> None:
    industry = _industry_id(api, province)
    for path, body, headers in [
        (
            "/v1/employers",
            {
                "name": name,
                "region_code": "370303",
                "credit_code": OTHER_CODE,
                "industry_authority_id": industry,
            },
            {},
        ),
        (
            "/v1/organisations",
            {
                "kind": "employer",
                "name": name,
                "region_code": "370303",
                "credit_code": OTHER_CODE,
                "industry_authority_id": industry,
            },
            province,
        ),
    ]:
        answer = api.client.post(path, json=body, headers=headers)
        assert answer.status_code == 422, (path, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert [error["field"] for error in answer.json()["errors"]] == ["name"]


def test_a_lone_surrogate_in_a_name_is_a_422(api: Api, province: dict[str, str]) -> None:
    # JSON may escape one ("\ud800"); no UTF-8 store can hold it.
    industry = _industry_id(api, province)
    body = (
        '{"name": "a\\ud800b", "region_code": "370303", '
        f'"credit_code": "{OTHER_CODE}", "industry_authority_id": "{industry}"}}'
    )
    answer = api.client.post(
        "/v1/employers", content=body.encode(), headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 422, answer.text
    assert [error["field"] for error in answer.json()["errors"]] == ["name"]


def test_a_csv_row_with_a_control_character_in_a_name_is_a_row_error(
    api: Api, province: dict[str, str]
) -> None:
    rows = (
        f"{HEADER}\n"
        f"employer,医院\x00,370303,{OTHER_CODE},淄博市卫生健康委员会\n"
        "industry_authority,淄博市\x07教育局,370300,,\n"
        "industry_authority,淄博市教育局,370300,,\n"
    )
    answer = api.client.post(
        "/v1/organisations/import",
        content=rows.encode(),
        headers={**province, "Content-Type": "text/csv"},
    )
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(1, "name"), (2, "name")]
    assert report["created"] == 1


def test_a_legacy_row_with_a_control_character_or_unicode_digits_is_a_row_error(
    api: Api, province: dict[str, str]
) -> None:
    rows = (
        f"{LEGACY_HEADER}\n"
        f"张\x00三,{national_id_text('370303', sequence='111')},{EMPLOYER_CODE},2019,30,60\n"
        f"李四,{national_id_text('370303', sequence='112')},{EMPLOYER_CODE},２０１９,30,60\n"
        f"王五,{national_id_text('370303', sequence='113')},{EMPLOYER_CODE},2019,３0,60\n"
        f"赵六,{national_id_text('370303', sequence='114')},{EMPLOYER_CODE},2019,1e2,60\n"
        f"钱七,{national_id_text('370303', sequence='115')},{EMPLOYER_CODE},2019,30,60\n"
    )
    answer = api.client.post(
        "/v1/legacy-imports",
        params={"batch_id": "b1"},
        content=rows.encode(),
        headers={**province, "Content-Type": "text/csv"},
    )
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert [(e["row"], e["field"]) for e in report["errors"]] == [
        (1, "name"),
        (2, "study_year"),
        (3, "public_hours"),
        (4, "public_hours"),
    ]
    assert report["created"] == 1


@pytest.mark.parametrize("line_ending", ["\r", "\r\n", "\n"], ids=["cr-only", "crlf", "lf"])
def test_csv_imports_read_any_line_ending(
    api: Api, province: dict[str, str], line_ending: str
) -> None:
    rows = [
        HEADER,
        "industry_authority,淄博市教育局,370300,,",
        "industry_authority,淄博市文旅局,370300,,",
    ]
    answer = api.client.post(
        "/v1/organisations/import",
        content=("\ufeff" + line_ending.join(rows) + line_ending).encode(),
        headers={**province, "Content-Type": "text/csv"},
    )
    assert answer.status_code == 200, answer.text
    assert (answer.json()["created"], answer.json()["errors"]) == (2, [])
    legacy = api.client.post(
        "/v1/legacy-imports",
        params={"batch_id": "b2"},
        content=line_ending.join(
            [
                LEGACY_HEADER,
                f"钱七,{national_id_text('370303', sequence='115')},{EMPLOYER_CODE},2019,30,60",
            ]
        ).encode(),
        headers={**province, "Content-Type": "text/csv"},
    )
    assert legacy.status_code == 200, legacy.text
    assert (legacy.json()["created"], legacy.json()["errors"]) == (1, [])


def test_mixed_line_endings_and_ragged_rows_are_read_row_by_row(
    api: Api, province: dict[str, str]
) -> None:
    content = (
        f"{HEADER}\r\n"
        "industry_authority,淄博市教育局,370300,,,extra,fields\r"
        "industry_authority,淄博市文旅局,370300\n"
        "industry_authority\n"
    )
    answer = api.client.post(
        "/v1/organisations/import",
        content=content.encode(),
        headers={**province, "Content-Type": "text/csv"},
    )
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["created"] == 2
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(3, "region_code")]


@pytest.mark.parametrize(
    ("content", "status"),
    [
        (f"{HEADER}\nhr_authority,\xff\xfe,370300,,\n".encode("latin-1", "replace"), 415),
        (HEADER.encode() + b"\n\xc3\x28,x,370300,,\n", 415),
        (f"{HEADER}\nhr_authority,{'x' * 200_000},370300,,\n".encode(), 422),
        (f"{HEADER}\nhr_authority,\x00,370300,,\n".encode(), 200),
        (b"\x00\x00\x00", 422),
        (b"", 422),
        (b"x" * (MAX_CSV_BYTES + 1), 413),
    ],
    ids=["latin-1", "bad-utf-8", "huge-field", "nul-byte", "only-nul", "empty", "too-large"],
)
def test_what_is_not_csv_is_a_4xx_problem(
    api: Api, province: dict[str, str], content: bytes, status: int
) -> None:
    for path in ("/v1/organisations/import", "/v1/legacy-imports?batch_id=b3"):
        answer = api.client.post(
            path, content=content, headers={**province, "Content-Type": "text/csv"}
        )
        expected = status
        if status == 200 and path.startswith("/v1/legacy"):
            expected = 422  # the organisation header lacks the legacy columns
        assert answer.status_code == expected, (path, answer.text[:300])
        if expected >= 400:
            assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "a\x00b"}, "q"),
        ({"q": "a\x1bb"}, "q"),
        ({"offset": "9999999999999999999"}, "offset"),
        ({"offset": "1000001"}, "offset"),
        ({"region_code": "37０３００"}, "region_code"),
    ],
)
def test_search_parameters_that_the_database_cannot_take_are_422(
    api: Api, province: dict[str, str], params: dict[str, str], field: str
) -> None:
    answer = api.client.get("/v1/organisations", params=params, headers=province)
    assert answer.status_code == 422, answer.text
    assert [error["field"] for error in answer.json()["errors"]] == [field]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/auth/login", "login"),
        ("/v1/auth/login", "password"),
        ("/v1/accounts/activate", "password"),
        ("/v1/auth/refresh", "refresh_token"),
    ],
)
def test_a_lone_surrogate_in_credentials_is_a_422_not_a_500(
    api: Api, path: str, field: str
) -> None:
    # uuid5 and the password hash encode their input as UTF-8, which a lone surrogate has
    # not: these were 500s.
    values = {
        "login": '"province-admin"',
        "password": '"violet-harbour"',
        "activation_code": '"ABCD-EFGH"',
        "refresh_token": '"x.y.z"',
    }
    fields = {
        "/v1/auth/login": ["login", "password"],
        "/v1/accounts/activate": ["login", "activation_code", "password"],
        "/v1/auth/refresh": ["refresh_token"],
    }[path]
    body = ", ".join(
        f'"{name}": ' + ('"a\\ud800b"' if name == field else values[name]) for name in fields
    )
    answer = api.client.post(
        path, content=("{" + body + "}").encode(), headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 422, answer.text
    assert [error["field"] for error in answer.json()["errors"]] == [field]
