"""The facts a person-year is evaluated from: credits, make-up payments and reversals.

Plain frozen values, one per ledger event. The engine never mutates them and keys them by
``entry_id`` (the source event id), so a fact delivered twice is the same fact.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

# The one Subject of every service and contract. Facts are stored with its plain string
# value (fact_codec), so facts stored under the ledger's former copy of it read the same.
from hourbank_contracts.vocabulary import Subject

__all__ = [
    "ClaimCategory",
    "Credit",
    "CreditKind",
    "Fact",
    "MakeupPayment",
    "PersonYear",
    "Reversal",
    "ReversalKind",
    "Subject",
]


class ClaimCategory(StrEnum):
    """Categories of recognised outside learning (学时认定); same values as the contracts."""

    TRAINING = "training"
    EMPLOYER_STUDY = "employer_study"
    SELF_STUDY = "self_study"
    DEGREE_COURSE = "degree_course"
    SELF_TAUGHT_EXAM = "self_taught_exam"
    QUALIFICATION_CERTIFICATE = "qualification_certificate"
    RESEARCH_AWARD = "research_award"
    PATENT = "patent"
    SOFTWARE_COPYRIGHT = "software_copyright"
    STANDARD = "standard"
    PAPER = "paper"
    CONFERENCE_PAPER = "conference_paper"
    BOOK = "book"
    TRANSLATION = "translation"
    EXPERT_WORK = "expert_work"
    AID_POSTING = "aid_posting"
    COMPETITION = "competition"
    SPECIAL_LEAVE = "special_leave"
    OTHER_APPROVED = "other_approved"


class CreditKind(StrEnum):
    """Where hours come from."""

    PLATFORM_COURSE = "platform_course"
    """A course completed on the city platform (CourseCompleted)."""
    EXAM_PASS = "exam_pass"  # noqa: S105 - "pass" as in an exam, not a password
    """An exam passed (ExamPassed); in Zibo this grants the public hours."""
    CLAIM = "claim"
    """Outside learning recognised by review (ClaimApproved); carries a category."""
    LEGACY_IMPORT = "legacy_import"
    """Hours of a past year migrated from the old Zibo platform."""
    TRANSFER_IN = "transfer_in"
    """Hours certified by the region a person transferred from."""
    XUEXI_POINTS = "xuexi_points"
    """学习强国 yearly points, converted to public hours by the policy."""


class ReversalKind(StrEnum):
    CLAIM_REVOKED = "claim_revoked"
    COMPLETION_VOIDED = "completion_voided"
    PAYMENT_REFUNDED = "payment_refunded"


@dataclass(frozen=True, kw_only=True)
class Credit:
    """One hour-bearing fact. ``hours`` are the hours the source granted (raw hours);
    the quantities let the ledger re-check per-item and per-day rules."""

    entry_id: str
    kind: CreditKind
    subject: Subject
    hours: Decimal
    region_code: str
    study_year: int
    occurred_at: datetime
    category: ClaimCategory | None = None
    days: int | None = None
    items: int | None = None
    months: int | None = None
    points: int | None = None
    has_employer_archive: bool | None = None
    isbn: str | None = None
    cn: str | None = None
    issn: str | None = None
    achievement_key: str | None = None
    award_level: str | None = None

    @property
    def source(self) -> str:
        """The source category reported in totals: the claim category, else the kind."""
        return str(self.category) if self.kind is CreditKind.CLAIM and self.category else self.kind


@dataclass(frozen=True, kw_only=True)
class MakeupPayment:
    """A paid make-up (补修) that opens a past ``study_year`` for make-up credit."""

    entry_id: str
    region_code: str
    study_year: int
    occurred_at: datetime


@dataclass(frozen=True, kw_only=True)
class Reversal:
    """A compensating fact: the credit or payment ``reverses_entry_id`` no longer holds."""

    entry_id: str
    reverses_entry_id: str
    kind: ReversalKind
    occurred_at: datetime


Fact = Credit | MakeupPayment | Reversal


@dataclass(frozen=True)
class PersonYear:
    """Every fact known about one person that may bear on one region's study year.

    Facts may repeat (at-least-once delivery) and arrive in any order; facts of other
    study years may be present and are reported as refused, not hidden.
    """

    region_code: str
    study_year: int
    facts: tuple[Fact, ...]

    @classmethod
    def of(cls, region_code: str, study_year: int, facts: Iterable[Fact]) -> PersonYear:
        return cls(region_code, study_year, tuple(facts))
