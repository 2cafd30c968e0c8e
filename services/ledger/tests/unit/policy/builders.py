"""Small builders for policy tests: facts with sensible defaults, evaluation shortcuts."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from hourbank_ledger.domain.policy import (
    ClaimCategory,
    Credit,
    CreditKind,
    EvaluatedEntry,
    Evaluation,
    Fact,
    MakeupPayment,
    PersonYear,
    Policy,
    Reversal,
    ReversalKind,
    Subject,
    evaluate,
    load_policy,
)

ZIBO = "370300"
ZAOZHUANG = "370400"
PUBLIC = Subject.PUBLIC
PROFESSIONAL = Subject.PROFESSIONAL


@cache
def zibo() -> Policy:
    return load_policy(ZIBO, 2020)


@cache
def zaozhuang() -> Policy:
    return load_policy(ZAOZHUANG, 2024)


def at(year: int, month: int = 6, day: int = 1, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def credit(
    entry_id: str,
    kind: CreditKind,
    subject: Subject,
    hours: str | int,
    *,
    region_code: str = ZIBO,
    study_year: int = 2020,
    occurred_at: datetime | None = None,
    **quantities: Any,
) -> Credit:
    return Credit(
        entry_id=entry_id,
        kind=kind,
        subject=subject,
        hours=Decimal(hours),
        region_code=region_code,
        study_year=study_year,
        occurred_at=occurred_at or at(study_year),
        **quantities,
    )


def course(entry_id: str, subject: Subject, hours: str | int, **kw: Any) -> Credit:
    return credit(entry_id, CreditKind.PLATFORM_COURSE, subject, hours, **kw)


def exam(entry_id: str, hours: str | int, **kw: Any) -> Credit:
    return credit(entry_id, CreditKind.EXAM_PASS, PUBLIC, hours, **kw)


def claim(
    entry_id: str,
    category: ClaimCategory,
    hours: str | int,
    subject: Subject = PROFESSIONAL,
    **kw: Any,
) -> Credit:
    return credit(entry_id, CreditKind.CLAIM, subject, hours, category=category, **kw)


def makeup(entry_id: str, study_year: int, **kw: Any) -> MakeupPayment:
    return MakeupPayment(
        entry_id=entry_id,
        region_code=kw.get("region_code", ZIBO),
        study_year=study_year,
        occurred_at=kw.get("occurred_at", at(2020, 3)),
    )


def reversal(entry_id: str, target: str, kind: ReversalKind, **kw: Any) -> Reversal:
    return Reversal(
        entry_id=entry_id,
        reverses_entry_id=target,
        kind=kind,
        occurred_at=kw.get("occurred_at", at(2020, 11)),
    )


def run(
    policy: Policy, *facts: Fact, year: int | None = None, as_of: datetime | None = None
) -> Evaluation:
    year = year or policy.year
    person_year = PersonYear.of(policy.region_code, year, facts)
    return evaluate(person_year, policy, as_of=as_of or at(policy.year + 1, 6))


def entry(evaluation: Evaluation, entry_id: str) -> EvaluatedEntry:
    (found,) = [e for e in evaluation.entries if e.entry_id == entry_id]
    return found


def credited(evaluation: Evaluation, subject: Subject) -> Decimal:
    return evaluation.by_subject[subject].credited


def zibo_compliant_base() -> list[Fact]:
    """A Zibo 2020 year that is exactly compliant: 30 public (exam passed), 60 professional."""
    return [
        course("pub-course", PUBLIC, 20),
        exam("pub-exam", 10),
        course("pro-platform", PROFESSIONAL, 20),
        course("pro-platform-2", PROFESSIONAL, 40),
    ]
