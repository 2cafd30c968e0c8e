"""Parameters the ledger's queries cannot take are 422 problems naming them, never 500s.

``application-check?application_date=0001-01-01`` raised OverflowError (counting working
days back from the first day of the calendar), an ``offset`` beyond bigint and an
``as_of`` whose conversion leaves the calendar likewise.
"""

from __future__ import annotations

from uuid import uuid4

import pytest

from .test_http import Bank, client_for


@pytest.fixture
def bank() -> Bank:
    return Bank()


PERSON = uuid4()
YEAR = f"/v1/persons/{PERSON}/years/2024"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"{YEAR}/application-check?application_date=0001-01-01", "application_date"),
        (f"{YEAR}/application-check?application_date=9999-12-31", "application_date"),
        (f"{YEAR}/hours?offset=9999999999999999999", "offset"),
        (f"{YEAR}/hours?offset=1000001", "offset"),
        (f"{YEAR}/hours?as_of=0001-01-01T00:00:00%2B08:00", "as_of"),
        (f"{YEAR}/hours?as_of=9999-12-31T23:59:59-08:00", "as_of"),
        (f"/v1/persons/{PERSON}/years/２０２４/hours", "study_year"),
        (f"{YEAR}/hours?region=37０４００", "region"),
    ],
)
def test_values_beyond_the_calendar_or_the_database_are_422_naming_the_field(
    bank: Bank, path: str, field: str
) -> None:
    answer = client_for(bank).get(path)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in answer.json()["errors"]] == [field]


def test_a_batch_as_of_beyond_the_calendar_is_422(bank: Bank) -> None:
    answer = client_for(bank).post(
        "/v1/hours/batch",
        json={"study_year": 2024, "person_ids": [str(PERSON)], "as_of": "0001-01-01T00:00:00Z"},
    )
    assert answer.status_code == 422, answer.text
    assert [error["field"] for error in answer.json()["errors"]] == ["as_of"]


def test_the_largest_offset_is_still_answered(bank: Bank) -> None:
    answer = client_for(bank).get(f"{YEAR}/hours?offset=1000000")
    assert answer.status_code == 200, answer.text
    assert answer.json()["entries"] == []
