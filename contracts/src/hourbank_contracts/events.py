"""Public event payloads exchanged between hourbank services.

Each concrete event is a frozen Pydantic model carrying the data of one CloudEvent;
its ``event_type`` travels in the ``ce_type`` header and its ``topic`` names the Kafka
topic of the producing service. Evolution rule: within a major version only add
optional fields (default ``None``); anything else is a new ``V<n+1>`` class
published side by side.

No event carries a national ID number (身份证号): people are identified by an opaque
``person_id`` only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import ClassVar, Self
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from .fields import (
    DayCount,
    Hours,
    MonthCount,
    PointCount,
    PositiveCount,
    ReasonText,
    Reference,
    RegionCode,
    ShortText,
    StudyYear,
    Yuan,
)
from .topics import (
    BILLING_TOPIC,
    EXAM_TOPIC,
    IDENTITY_TOPIC,
    LEARNING_TOPIC,
    RECOGNITION_TOPIC,
)
from .vocabulary import Subject


class ExamMode(StrEnum):
    """How an exam was sat; online and offline are mutually exclusive for a person."""

    ONLINE = "online"
    """Online exam on the city platform."""
    OFFLINE = "offline"
    """Offline centralised exam (集中定点考试) booked on the platform."""


class ClaimCategory(StrEnum):
    """Categories of outside learning recognised by review (学时认定), per the notices."""

    TRAINING = "training"
    """Training, seminars, lectures, academic exchange, distance education filed with HR."""
    EMPLOYER_STUDY = "employer_study"
    """Learning arranged by the employer; the employer's archive sets the hours."""
    SELF_STUDY = "self_study"
    """Self-study where the employer keeps a learning archive."""
    DEGREE_COURSE = "degree_course"
    """A passed course of national or in-service degree education."""
    SELF_TAUGHT_EXAM = "self_taught_exam"
    """Higher-education self-taught examination (自学考试)."""
    QUALIFICATION_CERTIFICATE = "qualification_certificate"
    """A national professional qualification or recognised international registration exam."""
    RESEARCH_AWARD = "research_award"
    """A research award."""
    PATENT = "patent"
    """A patent."""
    SOFTWARE_COPYRIGHT = "software_copyright"
    """A software copyright."""
    STANDARD = "standard"
    """An industry standard."""
    PAPER = "paper"
    """A journal paper (the journal needs both a CN and an ISSN number)."""
    CONFERENCE_PAPER = "conference_paper"
    """A conference paper."""
    BOOK = "book"
    """A book with an ISBN from a publisher."""
    TRANSLATION = "translation"
    """A published translation."""
    EXPERT_WORK = "expert_work"
    """Invited expert work: grassroots service, title evaluation, exam marking, reviews."""
    AID_POSTING = "aid_posting"
    """Aid postings (援派) and grassroots teaching, agriculture, medicine, poverty relief."""
    COMPETITION = "competition"
    """A skill competition organised by an industry authority and recognised by HR."""
    SPECIAL_LEAVE = "special_leave"
    """Posted abroad or sick leave over six months, maternity leave, approved by employer."""
    OTHER_APPROVED = "other_approved"
    """Another case a provincial authority approves."""


class LeaveKind(StrEnum):
    """Kinds of special leave whose time off post is converted to hours (Zaozhuang row 6)."""

    POSTED_ABROAD = "posted_abroad"
    """Posted abroad (出国) for more than six months."""
    SICK_LEAVE = "sick_leave"
    """Sick leave (病假) of more than six months."""
    MATERNITY_LEAVE = "maternity_leave"
    """Maternity leave (产假), whatever its length."""


class ContractEventBase(BaseModel):
    """Base of every contract event. Not published on its own; concrete subclasses set
    ``event_type`` and ``topic``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    """CloudEvents ``type``: ``hourbank.<service>.<subject>.<action>.v<major>``."""
    topic: ClassVar[str]
    """Kafka topic of the producing service."""

    @property
    def partition_key(self) -> str:
        """The Kafka record key: every event about one subject stays in order."""
        raise NotImplementedError


class PersonEvent(ContractEventBase):
    """A fact about one person; keyed by the person's opaque id."""

    person_id: UUID = Field(
        description=(
            "Opaque identifier of the professional (专业技术人员) issued by the identity "
            "service; never derived from a national ID number. Also the Kafka record key."
        ),
    )

    @property
    def partition_key(self) -> str:
        return str(self.person_id)


class PersonYearEvent(PersonEvent):
    """A fact about one person in one study year."""

    region_code: RegionCode = Field(
        description=(
            "GB/T 2260 six-digit administrative division code of the region whose "
            "ledger the fact belongs to, e.g. 370300 (Zibo 淄博), 370400 (Zaozhuang 枣庄)."
        ),
    )
    study_year: StudyYear = Field(
        description="Study year the fact counts for; a year closes on December 31.",
    )
    source_ref: Reference = Field(
        description=(
            "The producing service's own reference for the fact (e.g. the course, exam, "
            "payment or claim id), for tracing back to the source record."
        ),
    )
    occurred_at: AwareDatetime = Field(
        description="When the fact happened, RFC 3339 with offset; normalised to UTC.",
    )

    @field_validator("occurred_at", mode="after")
    @classmethod
    def _occurred_at_in_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)


class HourBearingEvent(PersonYearEvent):
    """A fact that grants hours of one subject to a person for a study year."""

    subject: Subject = Field(
        description="Kind of hours granted: public (公需科目) or professional (专业科目).",
    )
    hours: Hours = Field(
        description=(
            "Hours (学时) granted, a decimal string with at most two decimal places, "
            "greater than 0 and at most 1000; never a JSON number."
        ),
    )


class CourseCompletedV1(HourBearingEvent):
    """A person completed a course on the learning platform and earned its hours.

    Hours that only count once an exam is passed (Zibo public subjects) are granted by
    ``ExamPassedV1`` instead.
    """

    event_type: ClassVar[str] = "hourbank.learning.course.completed.v1"
    topic: ClassVar[str] = LEARNING_TOPIC

    course_id: Reference = Field(description="Learning service's identifier of the course.")


class ExamPassedV1(HourBearingEvent):
    """A person passed an exam; ``hours`` are the hours the pass grants.

    In Zibo the public-subject hours of a year count once that year's public exam is
    passed; passing a make-up year's exam grants that past year's hours.
    """

    event_type: ClassVar[str] = "hourbank.exam.exam.passed.v1"
    topic: ClassVar[str] = EXAM_TOPIC

    exam_id: Reference = Field(description="Exam service's identifier of the exam sitting.")
    exam_mode: ExamMode = Field(
        description="online, or offline centralised exam (集中定点考试).",
    )


class MakeupPaidV1(PersonYearEvent):
    """A person paid to open a past study year for make-up study (补修).

    ``study_year`` is the past year opened. The contract accepts any year; the ledger
    decides which years may be made up. Grants no hours by itself.
    """

    event_type: ClassVar[str] = "hourbank.billing.makeup.paid.v1"
    topic: ClassVar[str] = BILLING_TOPIC

    payment_id: Reference = Field(description="Billing service's identifier of the payment.")
    amount: Yuan = Field(
        description="Amount paid in yuan (元), a decimal string with at most two decimals.",
    )


class ClaimApprovedV1(HourBearingEvent):
    """A claim for outside learning (学时认定) was approved; ``hours`` are those approved.

    The optional quantities let the ledger apply the yearly caps and de-duplication
    rules (e.g. the same research result counts once, at its highest level).
    """

    event_type: ClassVar[str] = "hourbank.recognition.claim.approved.v1"
    topic: ClassVar[str] = RECOGNITION_TOPIC

    claim_id: Reference = Field(description="Recognition service's identifier of the claim.")
    category: ClaimCategory = Field(description="Category of the recognised learning or result.")
    days: DayCount | None = Field(
        default=None,
        description="Actual days of training or expert work (each at most 8 hours), if any.",
    )
    items: PositiveCount | None = Field(
        default=None,
        description="Number of counted items (passed courses, results, papers…), if any.",
    )
    months: MonthCount | None = Field(
        default=None,
        description="Months on post for aid postings or special leave, pro rata, if any.",
    )
    certificate_no: ShortText | None = Field(
        default=None,
        description="Certificate or transcript number the claim rests on, if any.",
    )
    achievement_key: Reference | None = Field(
        default=None,
        description=(
            "Stable key of a research result across submissions, so the same result "
            "counts once at its highest level."
        ),
    )
    award_level: ShortText | None = Field(
        default=None,
        description="Level of an award or result as reviewed (e.g. national, provincial).",
    )
    isbn: ShortText | None = Field(default=None, description="ISBN of a book, as reviewed.")
    cn: ShortText | None = Field(
        default=None, description="CN (国内统一连续出版物号) of a journal, as reviewed."
    )
    issn: ShortText | None = Field(default=None, description="ISSN of a journal, as reviewed.")
    has_employer_archive: bool | None = Field(
        default=None,
        strict=True,
        description="Whether the employer keeps a learning archive (self-study rule), if known.",
    )
    approved_by_org_id: UUID | None = Field(
        default=None,
        description="Opaque identifier of the organisation whose reviewer approved the claim.",
    )
    leave_kind: LeaveKind | None = Field(
        default=None,
        description=(
            "For special leave: posted abroad, sick leave or maternity leave, so the ledger "
            "can apply the more-than-six-months condition where it holds; if any."
        ),
    )
    period_start: date | None = Field(
        default=None,
        description=(
            "First day of the learning activity, expert work, posting or leave the claim "
            "covers, as reviewed (ISO 8601 date), if known."
        ),
    )
    period_end: date | None = Field(
        default=None,
        description=(
            "Last day (inclusive) of the learning activity, expert work, posting or leave "
            "the claim covers, as reviewed (ISO 8601 date), if known; not before "
            "period_start. A leave may span years; a learning activity counts in its own "
            "year only."
        ),
    )

    @model_validator(mode="after")
    def _period_in_order(self) -> Self:
        if (
            self.period_start is not None
            and self.period_end is not None
            and self.period_end < self.period_start
        ):
            raise ValueError("period_end is before period_start")
        return self


class LegacyHoursImportedV1(HourBearingEvent):
    """Hours of a past study year migrated from the old platform (e.g. old Zibo platform).

    One event per person, year, subject and legacy record. ``region_code`` is the region
    whose old platform held the record; ``study_year`` is the past year the hours were
    earned in. The old record's ID number is not carried: the identity service maps it to
    the opaque ``person_id`` before publishing. The hours were already credited by the old
    platform, so they need no make-up payment.
    """

    event_type: ClassVar[str] = "hourbank.identity.legacy-hours.imported.v1"
    topic: ClassVar[str] = IDENTITY_TOPIC

    import_batch_id: Reference = Field(
        description="Identity service's identifier of the migration batch that loaded the hours.",
    )
    legacy_record_ref: Reference = Field(
        description=(
            "The old platform's reference of the hour record migrated (never an ID number)."
        ),
    )


class HoursTransferredInV1(HourBearingEvent):
    """Hours certified by a person's previous region, merged into the same study year.

    People transferred in bring hours certified by their previous region (Zaozhuang
    notice). ``region_code`` is the receiving region whose ledger the hours join;
    ``from_region_code`` is the certifying region, which may be outside Shandong and
    always differs from ``region_code``.
    """

    event_type: ClassVar[str] = "hourbank.identity.hours.transferred-in.v1"
    topic: ClassVar[str] = IDENTITY_TOPIC

    from_region_code: RegionCode = Field(
        description=(
            "GB/T 2260 six-digit code of the previous region that certified the hours; "
            "may be outside Shandong; differs from region_code."
        ),
    )
    certificate_ref: Reference = Field(
        description="Reference of the previous region's certificate of the hours.",
    )

    @model_validator(mode="after")
    def _from_another_region(self) -> Self:
        if self.from_region_code == self.region_code:
            raise ValueError("from_region_code must differ from region_code")
        return self


class XuexiPointsRecordedV1(PersonYearEvent):
    """A person's 学习强国 (Xuexi Qiangguo) points for a study year were recorded.

    Not hour-bearing: ``points`` is the person's total for ``study_year`` as of
    ``occurred_at``. Several records for one year are successive totals, not increments
    (points only grow within a year). The ledger converts points to public hours per its
    regional policy (Zibo 2020: at least 2000 points give 10 public hours).
    """

    event_type: ClassVar[str] = "hourbank.learning.xuexi-points.recorded.v1"
    topic: ClassVar[str] = LEARNING_TOPIC

    points: PointCount = Field(
        description=(
            "The person's 学习强国 points for the study year as of occurred_at: a JSON "
            "integer, 0 to 1,000,000; never a string or a fraction."
        ),
    )


class ReversalEvent(PersonYearEvent):
    """Base of the compensating events: a fact that undoes one earlier published event.

    ``reverses_event_id`` is the ``ce_id`` of the event undone, which the ledger stores as
    the entry id; ``reverses_event_type`` (a class variable, not a payload field) names its
    type. The person-year fields repeat those of the event undone: ``study_year`` is the
    year of the credit reversed, not the year of the reversal. Not published on its own;
    concrete subclasses set ``event_type``, ``topic`` and ``reverses_event_type``. A
    reversal may reach the ledger before the event it undoes.
    """

    reverses_event_type: ClassVar[str]
    """CloudEvents ``type`` of the event that a reversal of this class undoes."""

    reverses_event_id: Reference = Field(
        description=(
            "CloudEvents id (ce_id) of the earlier published event this one undoes; the "
            "ledger's entry id of the credit."
        ),
    )
    reason: ReasonText = Field(
        description=(
            "Why the earlier event is undone (e.g. fraud found on verification, recorded "
            "in error), as recorded by the producing service; no personal data."
        ),
    )


class ClaimRevokedV1(ReversalEvent):
    """An approved claim (学时认定) was revoked, e.g. found non-compliant or fraudulent.

    Undoes the ``ClaimApprovedV1`` whose ``ce_id`` is ``reverses_event_id``.
    """

    event_type: ClassVar[str] = "hourbank.recognition.claim.revoked.v1"
    topic: ClassVar[str] = RECOGNITION_TOPIC
    reverses_event_type: ClassVar[str] = ClaimApprovedV1.event_type

    claim_id: Reference = Field(description="Recognition service's identifier of the claim.")


class CompletionVoidedV1(ReversalEvent):
    """A recorded course completion was voided; the hours it granted no longer count.

    Undoes the ``CourseCompletedV1`` whose ``ce_id`` is ``reverses_event_id``.
    """

    event_type: ClassVar[str] = "hourbank.learning.course-completion.voided.v1"
    topic: ClassVar[str] = LEARNING_TOPIC
    reverses_event_type: ClassVar[str] = CourseCompletedV1.event_type

    course_id: Reference = Field(description="Learning service's identifier of the course.")


class PaymentRefundedV1(ReversalEvent):
    """A make-up payment (补修) was refunded; the past year it opened is closed again.

    Undoes the ``MakeupPaidV1`` whose ``ce_id`` is ``reverses_event_id``; ``study_year``
    is the make-up year that payment opened.
    """

    event_type: ClassVar[str] = "hourbank.billing.payment.refunded.v1"
    topic: ClassVar[str] = BILLING_TOPIC
    reverses_event_type: ClassVar[str] = MakeupPaidV1.event_type

    payment_id: Reference = Field(description="Billing service's identifier of the payment.")
    amount: Yuan = Field(
        description="Amount refunded in yuan (元), a decimal string with at most two decimals.",
    )


class OrganisationKind(StrEnum):
    """The four registration tiers' organisations, plus agencies for free-lancers."""

    HR_AUTHORITY = "hr_authority"
    """City or district human-resources authority (人社部门)."""
    INDUSTRY_AUTHORITY = "industry_authority"
    """Industry authority (行业主管部门) under an HR authority."""
    EMPLOYER = "employer"
    """Employer (用人单位), identified by its unified social credit code."""
    AGENCY = "agency"
    """Personnel agency or community HR office (人事代理机构/街道人社服务机构) that free-lancers
    are attached to instead of an employer."""


class OrganisationStatus(StrEnum):
    ACTIVE = "active"
    """Registered and usable (pre-loaded, or approved by its HR authority)."""
    PENDING = "pending"
    """An employer that registered itself and awaits its HR authority's approval."""


class OrganisationEvent(ContractEventBase):
    """A fact about one organisation; keyed by the organisation's id."""

    organisation_id: UUID = Field(
        description="Identity service's opaque identifier of the organisation; the record key.",
    )

    @property
    def partition_key(self) -> str:
        return str(self.organisation_id)


class OrganisationRegisteredV1(OrganisationEvent):
    """An organisation joined the registry (pre-loaded or self-registered).

    Registration runs top-down: an HR authority, then industry authorities under it,
    then employers and agencies. A self-registered employer is ``pending`` until its HR
    authority approves it (``EmployerApprovedV1``).
    """

    event_type: ClassVar[str] = "hourbank.identity.organisation.registered.v1"
    topic: ClassVar[str] = IDENTITY_TOPIC

    kind: OrganisationKind = Field(description="Which tier the organisation belongs to.")
    name: ShortText = Field(description="Registered name of the organisation.")
    region_code: RegionCode = Field(
        description="GB/T 2260 code of the city or district the organisation is registered in.",
    )
    parent_organisation_id: UUID | None = Field(
        default=None,
        description=(
            "The tier above: the HR authority of an industry authority or agency, the "
            "industry authority of an employer; None for an HR authority."
        ),
    )
    credit_code: str | None = Field(
        default=None,
        pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$",
        description="Unified social credit code (统一社会信用代码) of an employer or agency.",
    )
    status: OrganisationStatus = Field(description="active, or pending approval.")
    occurred_at: AwareDatetime = Field(description="When it was registered, RFC 3339.")


class EmployerApprovedV1(OrganisationEvent):
    """An HR authority approved a self-registered employer; it is now active."""

    event_type: ClassVar[str] = "hourbank.identity.employer.approved.v1"
    topic: ClassVar[str] = IDENTITY_TOPIC

    region_code: RegionCode = Field(description="GB/T 2260 code of the employer's region.")
    approved_by: UUID = Field(description="Organisation id of the approving HR authority.")
    occurred_at: AwareDatetime = Field(description="When it was approved, RFC 3339.")


class PersonRegisteredV1(PersonEvent):
    """A professional was registered (by their employer or agency, or migrated).

    Carries where the person belongs, so that other services can scope who may read
    their records: the registration region and the organisations above them. Never the
    ID number, never the name.
    """

    event_type: ClassVar[str] = "hourbank.identity.person.registered.v1"
    topic: ClassVar[str] = IDENTITY_TOPIC

    region_code: RegionCode = Field(
        description="GB/T 2260 code of the region the person is registered in.",
    )
    organisation_ids: list[UUID] = Field(
        max_length=10,
        description=(
            "Organisations responsible for the person, nearest first: the employer (or "
            "agency for a free-lancer), then its industry authority."
        ),
    )
    registration: str = Field(
        pattern=r"^(employer|agency|legacy_import)$",
        description="How the person was registered: employer, agency or legacy_import.",
    )
    occurred_at: AwareDatetime = Field(description="When the person was registered, RFC 3339.")


ContractEvent = ContractEventBase
"""Every published contract event is a :class:`ContractEventBase` subclass."""
