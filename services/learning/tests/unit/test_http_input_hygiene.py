"""Nothing the completions API accepts can fail later, when the relay publishes it.

A completion with ``"region_code": "37０４００"`` (full-width digits) was accepted, and the
relay then failed to build ``CourseCompletedV1`` on every start. The HTTP model now uses
the shared field types, which lie within the contract's; the property test below sends
hostile and valid bodies alike and publishes whatever was accepted.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hourbank_learning.adapters.contracts import to_public_event
from hourbank_learning.application.service import LearningApplication
from hourbank_learning.entrypoints.http import create_app
from tests.support.auth import VERIFIER, bearer, province_admin


def _body(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "person_id": str(uuid4()),
        "course_id": "GX-2025-001",
        "study_year": 2025,
        "subject": "public",
        "hours": "2.5",
        "region_code": "370300",
        "completed_at": "2025-03-01T09:30:00+08:00",
    }
    values.update(overrides)
    return values


@pytest.fixture
def client() -> TestClient:
    app = create_app(LearningApplication(), verifier=VERIFIER)
    return TestClient(app, headers=bearer(province_admin()))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"region_code": "37０４００"}, "region_code"),  # full-width digits
        ({"region_code": "37٠٤٠٠"}, "region_code"),  # Arabic-Indic digits
        ({"region_code": "370400\n"}, "region_code"),
        ({"course_id": "GX\x00001"}, "course_id"),
        ({"study_year": "２０２５"}, "study_year"),
        ({"hours": "NaN"}, "hours"),
        ({"hours": "Infinity"}, "hours"),
        # Converting these to China Standard Time left the calendar (OverflowError, a 500).
        ({"completed_at": "0001-01-01T00:00:00+08:00"}, "completed_at"),
        ({"completed_at": "9999-12-31T23:59:59-08:00"}, "completed_at"),
    ],
)
def test_what_the_contract_would_refuse_is_a_422_naming_the_field(
    client: TestClient, overrides: dict[str, object], field: str
) -> None:
    answer = client.post("/v1/completions", json=_body(**overrides))
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in answer.json()["errors"]] == [field]


_DIGITS = "0123456789０１２３４５６７８９٠١٢٣٤٥٦٧٨٩"
_CHINA = timezone(timedelta(hours=8))
_offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
# Each field: what a well-behaved client sends, and what an attacker might.
_VALID: dict[str, st.SearchStrategy[Any]] = {
    "course_id": st.from_regex(r"[A-Za-z0-9._:-]{1,64}", fullmatch=True),
    "subject": st.sampled_from(["public", "professional"]),
    "hours": st.decimals(min_value="0.1", max_value=200, places=1).map(str),
    "region_code": st.from_regex(r"37[0-9]{4}", fullmatch=True),
    "completed_at": st.datetimes(
        min_value=datetime(2000, 1, 2), max_value=datetime(2100, 12, 30), timezones=_offsets
    ),
}
_HOSTILE: dict[str, st.SearchStrategy[Any]] = {
    "course_id": st.text(max_size=70),
    "subject": st.text(max_size=12),
    "hours": st.one_of(
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.floats(),
        st.text(alphabet=_DIGITS + ".-eE", max_size=6),
    ),
    "region_code": st.one_of(
        st.text(alphabet=_DIGITS, min_size=4, max_size=4).map(lambda tail: "37" + tail),
        st.text(max_size=8),
    ),
    "completed_at": st.datetimes(timezones=_offsets),
    "study_year": st.one_of(st.integers(), st.text(_DIGITS, max_size=4)),
}


@st.composite
def _bodies(draw: st.DrawFn) -> dict[str, Any]:
    """A valid completion with at most one field drawn from the hostile values."""
    hostile = draw(st.sampled_from([None, *_HOSTILE]))
    fields = {
        name: draw(_HOSTILE[name] if name == hostile else strategy)
        for name, strategy in _VALID.items()
    }
    completed_at = fields["completed_at"]
    try:
        study_year: Any = completed_at.astimezone(_CHINA).year
    except OverflowError:
        study_year = 2024
    if hostile == "study_year":
        study_year = draw(_HOSTILE["study_year"])
    return {
        **fields,
        "person_id": str(uuid4()),
        "study_year": study_year,
        "completed_at": completed_at.isoformat(),
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_bodies())
def test_every_completion_the_api_accepts_publishes_as_a_valid_contract_event(
    body: dict[str, Any],
) -> None:
    learning = LearningApplication()
    client = TestClient(create_app(learning, verifier=VERIFIER), headers=bearer(province_admin()))
    answer = client.post("/v1/completions", json=body)
    assert answer.status_code in (201, 422), answer.text
    if answer.status_code != 201:
        return
    notifications = learning.recorder.select_notifications(start=1, limit=10)
    assert notifications
    for notification in notifications:
        # Builds CourseCompletedV1 (pydantic validation) exactly as the relay does.
        envelope = to_public_event(learning.mapper.to_domain_event(notification))
        assert envelope is not None
