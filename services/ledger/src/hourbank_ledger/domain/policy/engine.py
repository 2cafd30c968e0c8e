"""Evaluates one person-year under one policy: pure, and the same for any order of facts.

The pipeline runs over the *set* of distinct facts (keyed by entry id), never over their
arrival order:

1. each credit is checked on its own: reversal, study year, late arrival and make-up,
   per-item / per-day / pro-rata rules, required identifiers;
2. once-only groups keep one entry: the same achievement (at its highest credit) and the
   学习强国 conversion (once a year);
3. Zibo's gate: public platform hours count only once a public exam pass exists;
4. yearly caps: each cap group's total is min(sum, cap), and the capped hours are shared
   out in canonical (occurred_at, entry_id) order, so which entry bears the cut never
   depends on which event arrived first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from .errors import ConflictingFacts, PolicyMismatch
from .evaluation import (
    EntryStatus,
    EvaluatedEntry,
    Evaluation,
    HoursTotal,
    RequirementCheck,
    format_hours,
)
from .facts import Credit, CreditKind, Fact, MakeupPayment, PersonYear, Reversal, Subject
from .model import Category, Policy, Rule

MONTHS_PER_YEAR = Decimal(12)
HUNDREDTH = Decimal("0.01")

_REQUIREMENT_LABELS = {
    "has_employer_archive": "an employer learning archive (学习档案)",
    "isbn": "an ISBN (书号)",
    "cn": "a CN number (CN刊号)",
    "issn": "an ISSN number (ISSN刊号)",
}

_KIND_LABELS = {
    CreditKind.PLATFORM_COURSE: "platform course (平台课程)",
    CreditKind.EXAM_PASS: "exam passed (考试合格)",
    CreditKind.CLAIM: "recognised claim (学时认定)",
    CreditKind.LEGACY_IMPORT: "imported from the old platform (原平台学时)",
    CreditKind.TRANSFER_IN: "certified by the previous region (调出地学时证明)",
    CreditKind.XUEXI_POINTS: "学习强国 points",
}


@dataclass
class _Assessment:
    """The working verdict on one credit while the pipeline runs."""

    credit: Credit
    credited: Decimal
    status: EntryStatus
    reasons: list[str] = field(default_factory=list)

    @property
    def counts(self) -> bool:
        return self.status in (EntryStatus.CREDITED, EntryStatus.CAPPED) and self.credited > 0

    def refuse(self, reason: str) -> None:
        self.credited = Decimal(0)
        self.status = EntryStatus.REFUSED
        self.reasons = [reason]

    def limit(self, allowed: Decimal, reason: str) -> None:
        """Lower the credit to ``allowed`` if it is more, saying why."""
        if self.credited > allowed:
            self.credited = allowed
            self.status = EntryStatus.CAPPED
            self.reasons.append(reason)


def year_closes_at(study_year: int, policy: Policy) -> datetime:
    """The first instant after December 31 of ``study_year``, in the policy's local time."""
    local = timezone(timedelta(hours=policy.study_year.utc_offset_hours))
    return datetime(study_year + 1, 1, 1, tzinfo=local)


def evaluate(person_year: PersonYear, policy: Policy, *, as_of: datetime) -> Evaluation:
    """Evaluate ``person_year`` under ``policy`` as the facts stood at ``as_of``.

    Facts that occurred after ``as_of`` are not yet part of the bank and are left out.
    """
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    if person_year.region_code != policy.region_code or not policy.governs(person_year.study_year):
        raise PolicyMismatch(
            f"policy {policy.policy_version} ({policy.region_code} {policy.year}) does not "
            f"govern region {person_year.region_code} year {person_year.study_year}"
        )
    facts = _distinct_facts(person_year.facts, as_of)
    credits = [f for f in facts if isinstance(f, Credit)]
    payments = [f for f in facts if isinstance(f, MakeupPayment)]
    reversals = sorted((f for f in facts if isinstance(f, Reversal)), key=lambda r: r.entry_id)

    reversed_by: dict[str, Reversal] = {}
    for reversal in reversals:  # sorted, so the smallest reversal id is the one named
        reversed_by.setdefault(reversal.reverses_entry_id, reversal)
    known_ids = {f.entry_id for f in credits} | {p.entry_id for p in payments}
    paid_makeup_years = {
        p.study_year
        for p in payments
        if p.entry_id not in reversed_by and p.region_code == policy.region_code
    }

    year = person_year.study_year
    assessments = [
        _assess(credit, policy, year, reversed_by.get(credit.entry_id), paid_makeup_years)
        for credit in sorted(credits, key=_canonical_order)
    ]
    _keep_once(assessments, _achievement_key, "duplicate achievement (同一成果不重复计算)")
    _keep_once(assessments, _xuexi_key, "学习强国 conversion already counted this year")
    _gate_public_hours_on_exam(assessments, policy)
    _apply_caps(assessments, policy)

    return _summarise(
        assessments,
        policy,
        year,
        as_of,
        unmatched=tuple(r.entry_id for r in reversals if r.reverses_entry_id not in known_ids),
    )


def _canonical_order(credit: Credit) -> tuple[datetime, str]:
    return (credit.occurred_at, credit.entry_id)


def _distinct_facts(facts: Iterable[Fact], as_of: datetime) -> list[Fact]:
    """One fact per entry id, as of ``as_of``; a redelivered fact must be identical."""
    by_id: dict[str, Fact] = {}
    for fact in facts:
        if fact.occurred_at.tzinfo is None:
            raise ValueError(f"fact {fact.entry_id}: occurred_at must be timezone-aware")
        if fact.occurred_at > as_of:
            continue
        known = by_id.setdefault(fact.entry_id, fact)
        if known != fact:
            raise ConflictingFacts(f"two different facts share entry id {fact.entry_id}")
    return [by_id[entry_id] for entry_id in sorted(by_id)]


def _assess(
    credit: Credit,
    policy: Policy,
    year: int,
    reversal: Reversal | None,
    paid_makeup_years: set[int],
) -> _Assessment:
    assessment = _Assessment(
        credit, credit.hours, EntryStatus.CREDITED, [_KIND_LABELS[credit.kind]]
    )
    if reversal is not None:
        assessment.credited = Decimal(0)
        assessment.status = EntryStatus.REVERSED
        assessment.reasons = [f"reversed by {reversal.entry_id} ({reversal.kind})"]
        return assessment
    if credit.study_year != year:
        assessment.refuse(
            f"counts for study year {credit.study_year}, not {year} "
            "(hours are valid in their own year only; 当年有效)"
        )
        return assessment
    late = _late_refusal(credit, policy, paid_makeup_years)
    if late is not None:
        assessment.refuse(late)
        return assessment
    if credit.kind is CreditKind.CLAIM:
        _assess_claim(assessment, policy)
    elif credit.kind is CreditKind.XUEXI_POINTS:
        _assess_xuexi(assessment, policy)
    return assessment


def _late_refusal(credit: Credit, policy: Policy, paid_makeup_years: set[int]) -> str | None:
    """Why a credit that arrived after its year closed is refused, or None if it counts."""
    closes_at = year_closes_at(credit.study_year, policy)
    if credit.occurred_at < closes_at or credit.kind in policy.study_year.late_exempt_kinds:
        return None
    late = f"late: study year {credit.study_year} closed on December 31 (跨年度无效)"
    makeup = policy.makeup
    if makeup is None or credit.study_year not in makeup.years:
        return f"{late}; no make-up (补修) is offered for that year"
    if credit.kind not in makeup.kinds:
        kinds = " and ".join(str(kind) for kind in makeup.kinds)
        return f"{late}; make-up (补修) credits only {kinds}"
    if credit.study_year not in paid_makeup_years:
        return f"{late}; no make-up (补修) paid for {credit.study_year}"
    return None


def _assess_claim(assessment: _Assessment, policy: Policy) -> None:
    credit = assessment.credit
    category = policy.categories.get(credit.category) if credit.category else None
    if category is None:
        assessment.refuse(f"category {credit.category} is not recognised by this policy")
        return
    if credit.subject not in category.subjects:
        subjects = " or ".join(str(s) for s in category.subjects)
        assessment.refuse(f"{credit.category} claims grant {subjects} hours only")
        return
    missing = [req for req in category.requires if not getattr(credit, req)]
    if missing:
        needs = " and ".join(_REQUIREMENT_LABELS[req] for req in missing)
        assessment.refuse(f"{credit.category} needs {needs}")
        return
    assessment.reasons = [f"{credit.category} claim (学时认定)"]
    allowed = _allowed_hours(credit, category)
    if isinstance(allowed, str):
        assessment.refuse(allowed)
        return
    hours, rule_text = allowed
    assessment.limit(hours, f"capped at {rule_text}")


def _allowed_hours(credit: Credit, category: Category) -> tuple[Decimal, str] | str:
    """The most a claim may grant under its category's rule, or why it cannot be computed."""
    match category.rule:
        case Rule.AS_APPROVED:
            return credit.hours, "the approved hours"
        case Rule.PER_ITEM:
            assert category.hours_per_item is not None  # guaranteed by the model
            if not credit.items:
                return f"{credit.category}: the number of items is missing"
            per_item = category.hours_per_item
            total = per_item * credit.items
            return total, f"{credit.items} × {format_hours(per_item)} = {format_hours(total)}"
        case Rule.PER_DAY:
            assert category.max_hours_per_day is not None
            if not credit.days:
                return f"{credit.category}: the number of days is missing"
            per_day = category.max_hours_per_day
            total = per_day * credit.days
            return total, (
                f"{credit.days} days × {format_hours(per_day)} hours/day = {format_hours(total)}"
            )
        case Rule.PRO_RATA_MONTHS | Rule.TIME_ON_POST:
            assert category.hours_per_year is not None
            if credit.months is None:
                return f"{credit.category}: the number of months is missing"
            months = min(credit.months, 12)
            if category.rule is Rule.TIME_ON_POST:
                months = 12 - months  # months on post → months away, which are credited
            per_year = category.hours_per_year[credit.subject]
            total = (per_year * months / MONTHS_PER_YEAR).quantize(HUNDREDTH, ROUND_HALF_UP)
            return total, (f"{format_hours(per_year)} × {months}/12 months = {format_hours(total)}")
    raise AssertionError(f"unhandled rule {category.rule}")  # pragma: no cover


def _assess_xuexi(assessment: _Assessment, policy: Policy) -> None:
    credit, conversion = assessment.credit, policy.xuexi
    if conversion is None:
        assessment.refuse("this policy has no 学习强国 points conversion")
    elif credit.subject is not Subject.PUBLIC:
        assessment.refuse("学习强国 points convert to public hours only")
    elif credit.points is None or credit.points < conversion.min_points:
        assessment.refuse(f"学习强国 points {credit.points} below {conversion.min_points}")
    else:
        # The points, not the hours the source sent, decide the credit.
        assessment.credited = conversion.public_hours
        assessment.reasons = [
            f"学习强国 {credit.points} points ≥ {conversion.min_points} → "
            f"{format_hours(conversion.public_hours)} public hours"
        ]


def _achievement_key(credit: Credit) -> str | None:
    return credit.achievement_key if credit.kind is CreditKind.CLAIM else None


def _xuexi_key(credit: Credit) -> str | None:
    return "xuexi" if credit.kind is CreditKind.XUEXI_POINTS else None


def _keep_once(
    assessments: list[_Assessment], key_of: Callable[[Credit], str | None], reason: str
) -> None:
    """Within each group sharing a key, keep the highest credit (ties: smallest entry id)."""
    groups: dict[str, list[_Assessment]] = defaultdict(list)
    for assessment in assessments:
        key = key_of(assessment.credit)
        if key is not None and assessment.counts:
            groups[key].append(assessment)
    for members in groups.values():
        winner = min(members, key=lambda a: (-a.credited, a.credit.entry_id))
        for member in members:
            if member is not winner:
                member.refuse(f"{reason}: counted once, via {winner.credit.entry_id}")


def _gate_public_hours_on_exam(assessments: list[_Assessment], policy: Policy) -> None:
    rule = policy.public_exam
    if not rule.public_requires_exam_pass:
        return
    exam_passed = any(
        a.counts and a.credit.kind is CreditKind.EXAM_PASS and a.credit.subject is Subject.PUBLIC
        for a in assessments
    )
    if exam_passed:
        return
    for assessment in assessments:
        credit = assessment.credit
        if (
            assessment.counts
            and credit.subject is Subject.PUBLIC
            and credit.kind in rule.gated_kinds
        ):
            assessment.refuse(
                "public hours count once this year's public exam is passed (考试合格后取得学时)"
            )


def _apply_caps(assessments: list[_Assessment], policy: Policy) -> None:
    """Cap each group's sum; the cut falls on the entries last in canonical order.

    ``assessments`` is already in (occurred_at, entry_id) order, a property of the fact
    set alone, so the same facts always give the same shares.
    """
    remaining = {name: group.hours for name, group in policy.caps.groups.items()}
    for assessment in assessments:
        credit = assessment.credit
        if not assessment.counts or credit.kind is not CreditKind.CLAIM or not credit.category:
            continue
        group = policy.categories[credit.category].cap_group
        if group is None:
            continue
        share = min(assessment.credited, remaining[group])
        remaining[group] -= share
        cap = format_hours(policy.caps.groups[group].hours)
        assessment.limit(share, f"yearly cap of {cap} hours for {group} reached")


def _summarise(
    assessments: list[_Assessment],
    policy: Policy,
    year: int,
    as_of: datetime,
    unmatched: tuple[str, ...],
) -> Evaluation:
    entries = tuple(
        EvaluatedEntry(
            entry_id=a.credit.entry_id,
            kind=a.credit.kind,
            source=a.credit.source,
            subject=a.credit.subject,
            region_code=a.credit.region_code,
            study_year=a.credit.study_year,
            occurred_at=a.credit.occurred_at.astimezone(UTC),
            raw_hours=a.credit.hours,
            credited_hours=a.credited,
            status=a.status,
            reason="; ".join(a.reasons),
        )
        for a in assessments
    )
    # Raw totals: what was submitted for this year and not undone.
    in_year = [e for e in entries if e.study_year == year and e.status is not EntryStatus.REVERSED]
    by_subject = {
        subject: _total(e for e in in_year if e.subject is subject) for subject in Subject
    }
    sources = sorted({e.source for e in in_year})
    by_source = {source: _total(e for e in in_year if e.source == source) for source in sources}
    platform = sum(
        (
            e.credited_hours
            for e in in_year
            if e.subject is Subject.PROFESSIONAL and e.kind in policy.minima.platform_kinds
        ),
        Decimal(0),
    )
    public = by_subject[Subject.PUBLIC].credited
    professional = by_subject[Subject.PROFESSIONAL].credited
    minima = policy.minima
    requirements = [
        RequirementCheck("total", minima.total, public + professional),
        RequirementCheck("public", minima.public, public),
        RequirementCheck("professional", minima.professional, professional),
    ]
    if minima.platform_professional_minimum > 0:
        requirements.append(
            RequirementCheck(
                "platform professional", minima.platform_professional_minimum, platform
            )
        )
    return Evaluation(
        region_code=policy.region_code,
        evaluated_year=year,
        policy_version=policy.policy_version,
        as_of=as_of,
        year_closed=as_of >= year_closes_at(year, policy),
        entries=entries,
        by_subject=by_subject,
        by_source=by_source,
        platform_professional_hours=platform,
        requirements=tuple(requirements),
        unmatched_reversals=unmatched,
    )


def _total(entries: Iterable[EvaluatedEntry]) -> HoursTotal:
    raw, credited = Decimal(0), Decimal(0)
    for entry in entries:
        raw += entry.raw_hours
        credited += entry.credited_hours
    return HoursTotal(raw=raw, credited=credited)
