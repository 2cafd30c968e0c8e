"""Property tests: the same fact set gives the same evaluation in any order and with any
duplication, caps included."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hourbank_ledger.domain.policy import (
    ClaimCategory,
    Credit,
    CreditKind,
    EntryStatus,
    Evaluation,
    Fact,
    MakeupPayment,
    PersonYear,
    Policy,
    Reversal,
    ReversalKind,
    Subject,
    evaluate,
)
from services.ledger.tests.unit.policy.builders import at, zaozhuang, zibo

CASES: list[tuple[Callable[[], Policy], int]] = [(zibo, 2020), (zibo, 2019), (zaozhuang, 2024)]
CASE_IDS = ["zibo-2020", "zibo-2019-makeup", "zaozhuang-2024"]
HOURS = [Decimal(h) for h in ("0.5", "4", "8", "10", "12.5", "16", "24", "30", "40")]


def moments(policy: Policy, year: int) -> list[datetime]:
    """Times around the year's edges, with deliberate ties to exercise the entry-id order."""
    return [
        at(year, 1, 15),
        at(year, 3, 1),
        at(year, 3, 1),
        datetime(year, 12, 31, 15, 59, 59, tzinfo=UTC),  # 23:59:59 China time
        datetime(year, 12, 31, 16, 0, tzinfo=UTC),  # the next year has begun
        at(year + 1, 4),
        at(policy.year, 5),
    ]


@st.composite
def credits(
    draw: st.DrawFn, policy: Policy, year: int, index: int, cap_group: str | None
) -> Credit:
    if cap_group:
        # Valid in-year claims of one cap group, at least 10 hours each: 5 of them bind any cap.
        in_group = sorted(c for c, rule in policy.categories.items() if rule.cap_group == cap_group)
        kind, category = CreditKind.CLAIM, draw(st.sampled_from(in_group))
        subject, hours = Subject.PROFESSIONAL, draw(st.sampled_from(HOURS[3:]))
        return Credit(
            entry_id=f"c{index:02d}",
            kind=kind,
            subject=subject,
            hours=hours,
            region_code=policy.region_code,
            study_year=year,
            occurred_at=draw(st.sampled_from(moments(policy, year)[:4])),
            category=category,
            days=5,
            items=4,
            months=12,
            has_employer_archive=True,
            isbn="978-7",
            cn="CN37-1",
            issn="1000-0001",
        )
    kind = draw(st.sampled_from(CreditKind))
    maybe = st.none() | st.integers(0, 14)
    return Credit(
        entry_id=f"c{index:02d}",
        kind=kind,
        subject=draw(st.sampled_from(Subject)),
        hours=draw(st.sampled_from(HOURS)),
        region_code=policy.region_code,
        study_year=draw(st.sampled_from([year, year, year, year - 1])),
        occurred_at=draw(st.sampled_from(moments(policy, year))),
        category=draw(st.sampled_from(ClaimCategory)) if kind is CreditKind.CLAIM else None,
        days=draw(maybe),
        items=draw(maybe),
        months=draw(maybe),
        points=draw(st.none() | st.integers(1500, 3000)),
        has_employer_archive=draw(st.none() | st.booleans()),
        isbn=draw(st.sampled_from([None, "978-7"])),
        cn=draw(st.sampled_from([None, "CN37-1"])),
        issn=draw(st.sampled_from([None, "1000-0001"])),
        achievement_key=draw(st.sampled_from([None, None, "k1", "k2"])),
    )


@st.composite
def fact_sets(
    draw: st.DrawFn, policy: Policy, year: int, cap_group: str | None = None
) -> list[Fact]:
    """Random facts; with ``cap_group``, only valid claims of that group, no reversals."""
    size = draw(st.integers(5, 14) if cap_group else st.integers(0, 20))
    facts: list[Fact] = [draw(credits(policy, year, i, cap_group)) for i in range(size)]
    for j, paid_year in enumerate(draw(st.lists(st.sampled_from([year, year - 1, 2017])))):
        facts.append(
            MakeupPayment(
                entry_id=f"m{j}",
                region_code=policy.region_code,
                study_year=paid_year,
                occurred_at=draw(st.sampled_from(moments(policy, year))),
            )
        )
    targets = [fact.entry_id for fact in facts] + ["ghost"]
    for k in range(0 if cap_group else draw(st.integers(0, 4))):
        facts.append(
            Reversal(
                entry_id=f"r{k}",
                reverses_entry_id=draw(st.sampled_from(targets)),
                kind=draw(st.sampled_from(ReversalKind)),
                occurred_at=draw(st.sampled_from(moments(policy, year))),
            )
        )
    return facts


def shuffled_with_duplicates(data: st.DataObject, facts: list[Fact]) -> list[Fact]:
    extra = data.draw(st.lists(st.sampled_from(facts), max_size=10)) if facts else []
    return data.draw(st.permutations(facts + extra))


def credited_in_group(policy: Policy, evaluation: Evaluation, cap_group: str) -> Decimal:
    return sum(
        (
            e.credited_hours
            for e in evaluation.entries
            if e.kind is CreditKind.CLAIM
            and policy.categories[ClaimCategory(e.source)].cap_group == cap_group
        ),
        Decimal(0),
    )


def evaluate_facts(policy: Policy, year: int, facts: list[Fact], as_of: datetime) -> Evaluation:
    return evaluate(PersonYear.of(policy.region_code, year, facts), policy, as_of=as_of)


@pytest.mark.parametrize(("policy_of", "year"), CASES, ids=CASE_IDS)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_any_order_and_any_duplication_give_the_same_evaluation(
    policy_of: Callable[[], Policy], year: int, data: st.DataObject
) -> None:
    policy = policy_of()
    facts = data.draw(fact_sets(policy, year))
    as_of = data.draw(st.sampled_from([*moments(policy, year), at(policy.year + 2)]))

    expected = evaluate_facts(policy, year, facts, as_of)
    actual = evaluate_facts(policy, year, shuffled_with_duplicates(data, facts), as_of)

    assert actual == expected
    assert repr(actual) == repr(expected)  # identical down to each Decimal's exponent


@pytest.mark.parametrize(("policy_of", "year"), CASES, ids=CASE_IDS)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_binding_caps_give_the_same_shares_in_any_order(
    policy_of: Callable[[], Policy], year: int, data: st.DataObject
) -> None:
    policy = policy_of()
    cap_group = data.draw(st.sampled_from(sorted(policy.caps.groups)))
    facts = data.draw(fact_sets(policy, year, cap_group))
    as_of = at(policy.year + 2)

    expected = evaluate_facts(policy, year, facts, as_of)
    actual = evaluate_facts(policy, year, shuffled_with_duplicates(data, facts), as_of)

    assert repr(actual) == repr(expected)
    assert credited_in_group(policy, expected, cap_group) == policy.caps.groups[cap_group].hours
    assert any(e.status is EntryStatus.CAPPED for e in expected.entries)


@pytest.mark.parametrize(("policy_of", "year"), CASES, ids=CASE_IDS)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_caps_hold_and_no_credit_is_dropped(
    policy_of: Callable[[], Policy], year: int, data: st.DataObject
) -> None:
    policy = policy_of()
    cap_group = data.draw(st.sampled_from([None, *sorted(policy.caps.groups)]))
    facts = data.draw(fact_sets(policy, year, cap_group))
    as_of = at(policy.year + 2)

    evaluation = evaluate_facts(policy, year, facts, as_of)

    credit_ids = {f.entry_id for f in facts if isinstance(f, Credit)}
    assert {e.entry_id for e in evaluation.entries} == credit_ids
    for name, group in policy.caps.groups.items():
        assert credited_in_group(policy, evaluation, name) <= group.hours
    for e in evaluation.entries:
        assert e.credited_hours >= 0
        assert e.reason
        if e.kind is not CreditKind.XUEXI_POINTS:
            assert e.credited_hours <= e.raw_hours
        if e.status in (EntryStatus.REFUSED, EntryStatus.REVERSED):
            assert e.credited_hours == 0
    in_year = [e for e in evaluation.entries if e.study_year == year]
    assert sum((t.credited for t in evaluation.by_subject.values()), Decimal(0)) == sum(
        (e.credited_hours for e in in_year), Decimal(0)
    )
