"""Shared sample events for the contract tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from hourbank_contracts import (
    ClaimApprovedV1,
    ClaimCategory,
    ContractEvent,
    CourseCompletedV1,
    ExamMode,
    ExamPassedV1,
    MakeupPaidV1,
    Subject,
)

PERSON_ID = UUID("6f1c2b7e-3d4a-4e5f-8a9b-0c1d2e3f4a5b")
OCCURRED_AT = datetime(2024, 5, 1, 8, 30, tzinfo=UTC)


def _base(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "person_id": PERSON_ID,
        "region_code": "370300",
        "study_year": 2024,
        "source_ref": "ref-1",
        "occurred_at": OCCURRED_AT,
    }
    fields.update(overrides)
    return fields


def _make_course(**overrides: Any) -> CourseCompletedV1:
    fields = _base(subject=Subject.PROFESSIONAL, hours=Decimal("8.5"), course_id="course-42")
    fields.update(overrides)
    return CourseCompletedV1(**fields)


def _make_exam(**overrides: Any) -> ExamPassedV1:
    fields = _base(
        subject=Subject.PUBLIC, hours=Decimal("30"), exam_id="exam-7", exam_mode=ExamMode.ONLINE
    )
    fields.update(overrides)
    return ExamPassedV1(**fields)


def _make_makeup(**overrides: Any) -> MakeupPaidV1:
    fields = _base(study_year=2016, payment_id="pay-9", amount=Decimal("20.00"))
    fields.update(overrides)
    return MakeupPaidV1(**fields)


def _make_claim(**overrides: Any) -> ClaimApprovedV1:
    fields = _base(
        region_code="370400",
        subject=Subject.PROFESSIONAL,
        hours=Decimal("10"),
        claim_id="claim-3",
        category=ClaimCategory.PAPER,
        items=1,
        cn="CN 37-1234/R",
        issn="1234-5678",
        achievement_key="paper:doi:10.1000/xyz",
    )
    fields.update(overrides)
    return ClaimApprovedV1(**fields)


MAKERS: dict[str, Callable[..., ContractEvent]] = {
    CourseCompletedV1.event_type: _make_course,
    ExamPassedV1.event_type: _make_exam,
    MakeupPaidV1.event_type: _make_makeup,
    ClaimApprovedV1.event_type: _make_claim,
}


@pytest.fixture
def makers() -> dict[str, Callable[..., ContractEvent]]:
    """One factory of a valid sample event per registered event type."""
    return MAKERS


@pytest.fixture
def make_course() -> Callable[..., CourseCompletedV1]:
    """Factory of a valid CourseCompletedV1; keyword arguments override fields."""
    return _make_course


@pytest.fixture
def make_exam() -> Callable[..., ExamPassedV1]:
    """Factory of a valid ExamPassedV1; keyword arguments override fields."""
    return _make_exam


@pytest.fixture
def make_makeup() -> Callable[..., MakeupPaidV1]:
    """Factory of a valid MakeupPaidV1; keyword arguments override fields."""
    return _make_makeup


@pytest.fixture
def make_claim() -> Callable[..., ClaimApprovedV1]:
    """Factory of a valid ClaimApprovedV1; keyword arguments override fields."""
    return _make_claim


@pytest.fixture
def person_id() -> UUID:
    """The person id the samples use."""
    return PERSON_ID
