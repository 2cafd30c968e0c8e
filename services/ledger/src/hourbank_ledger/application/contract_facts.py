"""Translation from public contract events to the ledger's facts.

The fact's id is the event's ``ce_id``: a compensating event names the ``ce_id`` it undoes.
"""

from __future__ import annotations

from decimal import Decimal

from hourbank_contracts import (
    ClaimApprovedV1,
    ClaimRevokedV1,
    CompletionVoidedV1,
    CourseCompletedV1,
    Envelope,
    ExamPassedV1,
    HourBearingEvent,
    HoursTransferredInV1,
    LegacyHoursImportedV1,
    MakeupPaidV1,
    PaymentRefundedV1,
    ReversalEvent,
    XuexiPointsRecordedV1,
)
from hourbank_ledger.domain.policy import (
    ClaimCategory,
    Credit,
    CreditKind,
    Fact,
    MakeupPayment,
    Reversal,
    ReversalKind,
    Subject,
)

_CREDIT_KINDS: dict[type[HourBearingEvent], CreditKind] = {
    CourseCompletedV1: CreditKind.PLATFORM_COURSE,
    ExamPassedV1: CreditKind.EXAM_PASS,
    ClaimApprovedV1: CreditKind.CLAIM,
    LegacyHoursImportedV1: CreditKind.LEGACY_IMPORT,
    HoursTransferredInV1: CreditKind.TRANSFER_IN,
}
_REVERSAL_KINDS: dict[type[ReversalEvent], ReversalKind] = {
    ClaimRevokedV1: ReversalKind.CLAIM_REVOKED,
    CompletionVoidedV1: ReversalKind.COMPLETION_VOIDED,
    PaymentRefundedV1: ReversalKind.PAYMENT_REFUNDED,
}


def fact_from(envelope: Envelope) -> Fact | None:
    """The fact an event establishes, or None for a type the ledger does not keep."""
    data = envelope.data
    if isinstance(data, HourBearingEvent) and type(data) in _CREDIT_KINDS:
        claim = data if isinstance(data, ClaimApprovedV1) else None
        return Credit(
            entry_id=envelope.id,
            kind=_CREDIT_KINDS[type(data)],
            subject=data.subject,
            hours=data.hours,
            region_code=data.region_code,
            study_year=data.study_year,
            occurred_at=data.occurred_at,
            category=ClaimCategory(claim.category.value) if claim else None,
            days=claim.days if claim else None,
            items=claim.items if claim else None,
            months=claim.months if claim else None,
            has_employer_archive=claim.has_employer_archive if claim else None,
            isbn=claim.isbn if claim else None,
            cn=claim.cn if claim else None,
            issn=claim.issn if claim else None,
            achievement_key=claim.achievement_key if claim else None,
            award_level=claim.award_level if claim else None,
        )
    if isinstance(data, XuexiPointsRecordedV1):
        # The policy converts points to public hours (Zibo: ≥ 2000 points → 10 hours).
        return Credit(
            entry_id=envelope.id,
            kind=CreditKind.XUEXI_POINTS,
            subject=Subject.PUBLIC,
            hours=Decimal(0),
            region_code=data.region_code,
            study_year=data.study_year,
            occurred_at=data.occurred_at,
            points=data.points,
        )
    if isinstance(data, MakeupPaidV1):
        return MakeupPayment(
            entry_id=envelope.id,
            region_code=data.region_code,
            study_year=data.study_year,
            occurred_at=data.occurred_at,
        )
    if isinstance(data, ReversalEvent) and type(data) in _REVERSAL_KINDS:
        return Reversal(
            entry_id=envelope.id,
            reverses_entry_id=data.reverses_event_id,
            kind=_REVERSAL_KINDS[type(data)],
            occurred_at=data.occurred_at,
        )
    return None
