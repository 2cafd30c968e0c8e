"""The schema of a policy file (one TOML file per region and study year).

Every table rejects unknown keys, so a misspelt rule fails loudly instead of being
ignored. Rules that the notices leave ambiguous carry an ``interpretation`` string, which
is part of the data: it is shown in docs/policies.md and must be kept in the file.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, model_validator

from .facts import ClaimCategory, CreditKind, Subject


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


Interpretation = Field(min_length=1, description="The reading chosen for an ambiguous rule.")


class Source(_Strict):
    title: str
    number: str | None = None
    issuer: str
    date: dt.date
    basis: str | None = None
    file: str | None = None


class StudyYearRule(_Strict):
    utc_offset_hours: int = Field(ge=-12, le=14)
    late_exempt_kinds: tuple[CreditKind, ...]
    interpretation: str = Interpretation


class Minima(_Strict):
    total: Decimal = Field(ge=0)
    public: Decimal = Field(ge=0)
    professional: Decimal = Field(ge=0)
    platform_professional_minimum: Decimal = Field(default=Decimal(0), ge=0)
    platform_kinds: tuple[CreditKind, ...] = ()
    interpretation: str = Interpretation


class PublicExam(_Strict):
    public_requires_exam_pass: bool
    gated_kinds: tuple[CreditKind, ...] = ()
    interpretation: str = Interpretation
    # Data for the exam and billing services; the ledger does not use them.
    makeup_exam_fee_yuan: Decimal | None = Field(default=None, ge=0)
    offline_booking_closes: str | None = Field(default=None, pattern=r"^\d{2}-\d{2}$")
    online_and_offline_exclusive: bool = False


class XuexiConversion(_Strict):
    """学习强国 yearly points converted to public hours."""

    min_points: PositiveInt
    public_hours: Decimal = Field(gt=0)
    interpretation: str = Interpretation


class Makeup(_Strict):
    """Past years this policy's platform offers make-up study (补修) for."""

    years: tuple[int, ...]
    fee_yuan_per_year: Decimal = Field(ge=0)
    kinds: tuple[CreditKind, ...]
    interpretation: str = Interpretation


class Achievements(_Strict):
    interpretation: str = Interpretation


class CapGroup(_Strict):
    hours: Decimal = Field(gt=0)
    interpretation: str | None = None


class Caps(_Strict):
    allocation: Literal["canonical_order"]
    interpretation: str = Interpretation
    groups: dict[str, CapGroup] = Field(default_factory=dict)


class Rule(StrEnum):
    PER_ITEM = "per_item"
    """``items`` × ``hours_per_item``."""
    PER_DAY = "per_day"
    """Actual hours, at most ``days`` × ``max_hours_per_day``."""
    AS_APPROVED = "as_approved"
    """The reviewed hours as recorded."""
    PRO_RATA_MONTHS = "pro_rata_months"
    """``hours_per_year`` of the claim's subject × ``months`` / 12."""
    TIME_ON_POST = "time_on_post"
    """``hours_per_year`` of the claim's subject × (12 − ``months`` on post) / 12."""


Requirement = Literal["has_employer_archive", "isbn", "cn", "issn"]


class Category(_Strict):
    """How one claim category is recognised."""

    rule: Rule
    hours_per_item: Decimal | None = Field(default=None, gt=0)
    max_hours_per_day: Decimal | None = Field(default=None, gt=0)
    hours_per_year: dict[Subject, Decimal] | None = None
    subjects: tuple[Subject, ...] = (Subject.PROFESSIONAL,)
    requires: tuple[Requirement, ...] = ()
    cap_group: str | None = None
    interpretation: str | None = None

    @model_validator(mode="after")
    def _parameters_match_rule(self) -> Self:
        needed = {
            Rule.PER_ITEM: "hours_per_item",
            Rule.PER_DAY: "max_hours_per_day",
            Rule.PRO_RATA_MONTHS: "hours_per_year",
            Rule.TIME_ON_POST: "hours_per_year",
        }.get(self.rule)
        for name in ("hours_per_item", "max_hours_per_day", "hours_per_year"):
            present = getattr(self, name) is not None
            if present != (name == needed):
                verb = "needs" if name == needed else "does not take"
                raise ValueError(f"rule {self.rule} {verb} {name}")
        if self.hours_per_year is not None and set(self.hours_per_year) != set(self.subjects):
            raise ValueError("hours_per_year must name exactly the category's subjects")
        return self


class TitleApplication(_Strict):
    """When hours must be complete for a professional-title application (data only)."""

    working_days_before_application: int = Field(ge=0)
    interpretation: str = Interpretation


class Policy(_Strict):
    region_code: str = Field(pattern=r"^\d{6}$")
    region_name: str
    year: int = Field(ge=2000, le=2100)
    policy_version: str
    source: Source
    study_year: StudyYearRule
    minima: Minima
    public_exam: PublicExam
    xuexi: XuexiConversion | None = None
    makeup: Makeup | None = None
    achievements: Achievements
    caps: Caps
    categories: dict[ClaimCategory, Category]
    title_application: TitleApplication

    @model_validator(mode="after")
    def _references_resolve(self) -> Self:
        for name, category in self.categories.items():
            if category.cap_group is not None and category.cap_group not in self.caps.groups:
                raise ValueError(f"category {name} names unknown cap group {category.cap_group}")
        if self.makeup and any(y >= self.year for y in self.makeup.years):
            raise ValueError("make-up years must be before the policy year")
        return self

    def governs(self, study_year: int) -> bool:
        """This policy applies to its own year and to the past years it offers make-up for."""
        return study_year == self.year or (
            self.makeup is not None and study_year in self.makeup.years
        )
