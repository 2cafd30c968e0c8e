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
    ClaimRevokedV1,
    CompletionVoidedV1,
    ContractEvent,
    CourseCompletedV1,
    EmployerApprovedV1,
    ExamMode,
    ExamPassedV1,
    HoursTransferredInV1,
    LegacyHoursImportedV1,
    MakeupPaidV1,
    OrganisationKind,
    OrganisationRegisteredV1,
    OrganisationStatus,
    PaymentRefundedV1,
    PersonRegisteredV1,
    Subject,
    XuexiPointsRecordedV1,
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


def _make_legacy(**overrides: Any) -> LegacyHoursImportedV1:
    fields = _base(
        study_year=2018,
        subject=Subject.PUBLIC,
        hours=Decimal("30"),
        import_batch_id="batch-2020-07",
        legacy_record_ref="zb-old-000123",
    )
    fields.update(overrides)
    return LegacyHoursImportedV1(**fields)


def _make_transfer(**overrides: Any) -> HoursTransferredInV1:
    fields = _base(
        region_code="370400",
        subject=Subject.PROFESSIONAL,
        hours=Decimal("24.5"),
        from_region_code="320100",
        certificate_ref="nj-cert-77",
    )
    fields.update(overrides)
    return HoursTransferredInV1(**fields)


def _make_xuexi(**overrides: Any) -> XuexiPointsRecordedV1:
    fields = _base(points=2150)
    fields.update(overrides)
    return XuexiPointsRecordedV1(**fields)


def _make_revoked(**overrides: Any) -> ClaimRevokedV1:
    fields = _base(
        region_code="370400",
        reverses_event_id="0d6c1c3e-9f0b-5a57-8a43-1f7c2b7f2a10",
        reason="fraud found on verification",
        claim_id="claim-3",
    )
    fields.update(overrides)
    return ClaimRevokedV1(**fields)


def _make_voided(**overrides: Any) -> CompletionVoidedV1:
    fields = _base(
        reverses_event_id="5b1f2d9e-7c3a-5e41-9d2b-6a8e0f4c3b21",
        reason="recorded in error",
        course_id="course-42",
    )
    fields.update(overrides)
    return CompletionVoidedV1(**fields)


def _make_refunded(**overrides: Any) -> PaymentRefundedV1:
    fields = _base(
        study_year=2016,
        reverses_event_id="9e3a7b1c-2d4f-5a60-8b71-3c9d0e2f4a18",
        reason="refund requested before study",
        payment_id="pay-9",
        amount=Decimal("20.00"),
    )
    fields.update(overrides)
    return PaymentRefundedV1(**fields)


ORG_ID = UUID("6f1c1a52-0c0e-4e8e-9d7a-2f0a3f6f5b10")
HR_ID = UUID("0b7d9f0e-3c41-4d8a-8a53-1b7e6d2f4c21")
WHEN = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def _make_organisation(**overrides: Any) -> OrganisationRegisteredV1:
    fields: dict[str, Any] = {
        "organisation_id": ORG_ID,
        "kind": OrganisationKind.EMPLOYER,
        "name": "淄博示例化工有限公司",
        "region_code": "370303",
        "parent_organisation_id": HR_ID,
        "credit_code": "91370303MA3C7XKQ6B",
        "status": OrganisationStatus.PENDING,
        "occurred_at": WHEN,
    }
    fields.update(overrides)
    return OrganisationRegisteredV1(**fields)


def _make_approval(**overrides: Any) -> EmployerApprovedV1:
    fields: dict[str, Any] = {
        "organisation_id": ORG_ID,
        "region_code": "370303",
        "approved_by": HR_ID,
        "occurred_at": WHEN,
    }
    fields.update(overrides)
    return EmployerApprovedV1(**fields)


def _make_person(**overrides: Any) -> PersonRegisteredV1:
    fields: dict[str, Any] = {
        "person_id": UUID("9b2e3c4d-5f60-4a7b-8c9d-0e1f2a3b4c5d"),
        "region_code": "370303",
        "organisation_ids": [ORG_ID, HR_ID],
        "registration": "employer",
        "occurred_at": WHEN,
    }
    fields.update(overrides)
    return PersonRegisteredV1(**fields)


MAKERS: dict[str, Callable[..., ContractEvent]] = {
    OrganisationRegisteredV1.event_type: _make_organisation,
    EmployerApprovedV1.event_type: _make_approval,
    PersonRegisteredV1.event_type: _make_person,
    CourseCompletedV1.event_type: _make_course,
    ExamPassedV1.event_type: _make_exam,
    MakeupPaidV1.event_type: _make_makeup,
    ClaimApprovedV1.event_type: _make_claim,
    LegacyHoursImportedV1.event_type: _make_legacy,
    HoursTransferredInV1.event_type: _make_transfer,
    XuexiPointsRecordedV1.event_type: _make_xuexi,
    ClaimRevokedV1.event_type: _make_revoked,
    CompletionVoidedV1.event_type: _make_voided,
    PaymentRefundedV1.event_type: _make_refunded,
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
def make_legacy() -> Callable[..., LegacyHoursImportedV1]:
    """Factory of a valid LegacyHoursImportedV1; keyword arguments override fields."""
    return _make_legacy


@pytest.fixture
def make_transfer() -> Callable[..., HoursTransferredInV1]:
    """Factory of a valid HoursTransferredInV1; keyword arguments override fields."""
    return _make_transfer


@pytest.fixture
def make_xuexi() -> Callable[..., XuexiPointsRecordedV1]:
    """Factory of a valid XuexiPointsRecordedV1; keyword arguments override fields."""
    return _make_xuexi


@pytest.fixture
def make_revoked() -> Callable[..., ClaimRevokedV1]:
    """Factory of a valid ClaimRevokedV1; keyword arguments override fields."""
    return _make_revoked


@pytest.fixture
def make_voided() -> Callable[..., CompletionVoidedV1]:
    """Factory of a valid CompletionVoidedV1; keyword arguments override fields."""
    return _make_voided


@pytest.fixture
def make_refunded() -> Callable[..., PaymentRefundedV1]:
    """Factory of a valid PaymentRefundedV1; keyword arguments override fields."""
    return _make_refunded


@pytest.fixture
def person_id() -> UUID:
    """The person id the samples use."""
    return PERSON_ID
