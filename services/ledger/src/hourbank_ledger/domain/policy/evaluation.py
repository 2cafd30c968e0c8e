"""What an evaluation says: every entry with its fate, the totals and the verdict."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from .facts import CreditKind, Subject


class EntryStatus(StrEnum):
    CREDITED = "credited"
    """Counted in full."""
    CAPPED = "capped"
    """Counted in part (possibly zero) because a per-item, per-day or yearly cap bound."""
    REFUSED = "refused"
    """Not counted: a rule of the policy excludes it; the reason says which."""
    REVERSED = "reversed"
    """Undone by a compensating fact (claim revoked, completion voided, payment refunded)."""


def format_hours(hours: Decimal) -> str:
    """``Decimal("12.50")`` → ``"12.5"``; ``Decimal("30.00")`` → ``"30"``."""
    return f"{hours.normalize():f}"


@dataclass(frozen=True)
class EvaluatedEntry:
    entry_id: str
    kind: CreditKind
    source: str
    subject: Subject
    region_code: str
    study_year: int
    occurred_at: datetime
    raw_hours: Decimal
    credited_hours: Decimal
    status: EntryStatus
    reason: str


@dataclass(frozen=True)
class HoursTotal:
    raw: Decimal
    credited: Decimal


@dataclass(frozen=True)
class RequirementCheck:
    name: str
    required: Decimal
    credited: Decimal

    @property
    def met(self) -> bool:
        return self.credited >= self.required

    @property
    def shortfall(self) -> Decimal:
        return max(self.required - self.credited, Decimal(0))

    @property
    def reason(self) -> str:
        progress = f"{self.name} {format_hours(self.credited)}/{format_hours(self.required)}"
        if self.met:
            return f"{progress}: met"
        return f"{progress}: {format_hours(self.shortfall)} hours short"


@dataclass(frozen=True)
class Evaluation:
    region_code: str
    evaluated_year: int
    policy_version: str
    as_of: datetime
    year_closed: bool
    """Whether ``as_of`` is after December 31 of the evaluated year (China time)."""
    entries: tuple[EvaluatedEntry, ...]
    """Every distinct credit known as of ``as_of``, in (occurred_at, entry_id) order."""
    by_subject: dict[Subject, HoursTotal]
    by_source: dict[str, HoursTotal]
    platform_professional_hours: Decimal
    requirements: tuple[RequirementCheck, ...]
    unmatched_reversals: tuple[str, ...]
    """Reversals whose target is not (yet) known; they take effect when it arrives."""

    @property
    def compliant(self) -> bool:
        return all(check.met for check in self.requirements)

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(check.reason for check in self.requirements)
