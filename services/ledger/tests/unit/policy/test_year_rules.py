"""Rules shared by every policy: own year only, reversals, as-of, duplicates, visibility."""

from __future__ import annotations

from datetime import datetime

import pytest

from hourbank_ledger.domain.policy import ClaimCategory as C
from hourbank_ledger.domain.policy import (
    ConflictingFacts,
    EntryStatus,
    Fact,
    PersonYear,
    PolicyMismatch,
    ReversalKind,
    evaluate,
    year_closes_at,
)
from services.ledger.tests.unit.policy.builders import (
    PROFESSIONAL,
    PUBLIC,
    ZAOZHUANG,
    at,
    claim,
    course,
    credited,
    entry,
    exam,
    reversal,
    run,
    zaozhuang,
    zibo,
)


def test_hours_of_another_study_year_are_refused_and_stay_visible() -> None:
    evaluation = run(
        zibo(), course("other-year", PROFESSIONAL, 10, study_year=2019, occurred_at=at(2019))
    )

    refused = entry(evaluation, "other-year")
    assert refused.status is EntryStatus.REFUSED
    assert "counts for study year 2019, not 2020" in refused.reason
    assert credited(evaluation, PROFESSIONAL) == 0
    assert evaluation.by_subject[PROFESSIONAL].raw == 0  # raw totals are this year's only


def test_revoked_claim_is_shown_as_reversed_with_zero_hours() -> None:
    facts: list[Fact] = [
        claim("t1", C.TRAINING, 8, days=1),
        reversal("rev", "t1", ReversalKind.CLAIM_REVOKED),
    ]

    evaluation = run(zibo(), *facts)

    assert entry(evaluation, "t1").status is EntryStatus.REVERSED
    assert entry(evaluation, "t1").credited_hours == 0
    assert entry(evaluation, "t1").reason == "reversed by rev (claim_revoked)"
    assert evaluation.by_subject[PROFESSIONAL].raw == 0


def test_reversal_that_arrives_before_its_credit_still_applies() -> None:
    facts = [reversal("rev", "t1", ReversalKind.CLAIM_REVOKED)]

    before = run(zibo(), *facts)
    after = run(zibo(), *facts, claim("t1", C.TRAINING, 8, days=1))

    assert before.unmatched_reversals == ("rev",)
    assert after.unmatched_reversals == ()
    assert entry(after, "t1").status is EntryStatus.REVERSED


def test_revoking_the_winning_achievement_lets_the_next_one_count() -> None:
    facts: list[Fact] = [
        claim("high", C.PATENT, 10, items=1, achievement_key="k"),
        claim("low", C.PATENT, 5, items=1, achievement_key="k"),
        reversal("rev", "high", ReversalKind.CLAIM_REVOKED),
    ]

    evaluation = run(zibo(), *facts)

    assert entry(evaluation, "low").status is EntryStatus.CREDITED
    assert credited(evaluation, PROFESSIONAL) == 5


def test_refused_claims_do_not_use_up_a_cap() -> None:
    facts: list[Fact] = [
        claim("no-isbn", C.BOOK, 10, items=1, occurred_at=at(2020, 1)),
        claim("t1", C.TRAINING, 40, days=5, occurred_at=at(2020, 2)),
    ]

    evaluation = run(zibo(), *facts)

    assert entry(evaluation, "t1").credited_hours == 40


def test_as_of_leaves_out_facts_that_had_not_happened_yet() -> None:
    facts: list[Fact] = [
        claim("t1", C.TRAINING, 8, days=1, occurred_at=at(2020, 3)),
        reversal("rev", "t1", ReversalKind.CLAIM_REVOKED, occurred_at=at(2020, 9)),
    ]

    in_summer = run(zibo(), *facts, as_of=at(2020, 7))
    in_autumn = run(zibo(), *facts, as_of=at(2020, 10))

    assert credited(in_summer, PROFESSIONAL) == 8
    assert not in_summer.year_closed
    assert credited(in_autumn, PROFESSIONAL) == 0


def test_year_closed_flag_follows_december_31_china_time() -> None:
    closes = year_closes_at(2020, zibo())

    assert closes == datetime.fromisoformat("2021-01-01T00:00:00+08:00")
    assert run(zibo(), as_of=closes).year_closed


def test_redelivered_fact_is_counted_once() -> None:
    fact = course("pro", PROFESSIONAL, 30)

    evaluation = run(zibo(), fact, fact, fact)

    assert len(evaluation.entries) == 1
    assert credited(evaluation, PROFESSIONAL) == 30


def test_two_different_facts_with_one_entry_id_are_an_error() -> None:
    with pytest.raises(ConflictingFacts, match="e1"):
        run(zibo(), course("e1", PROFESSIONAL, 30), course("e1", PROFESSIONAL, 31))


def test_evaluating_under_a_policy_of_another_region_or_year_is_an_error() -> None:
    with pytest.raises(PolicyMismatch):
        evaluate(PersonYear.of(ZAOZHUANG, 2024, ()), zibo(), as_of=at(2025))
    with pytest.raises(PolicyMismatch):
        evaluate(PersonYear.of("370300", 2014, ()), zibo(), as_of=at(2025))


def test_naive_times_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate(PersonYear.of("370300", 2020, ()), zibo(), as_of=datetime(2021, 1, 1))


def test_unknown_category_is_refused_with_its_name() -> None:
    policy = zaozhuang().model_copy(update={"categories": {}})

    evaluation = run(
        policy, claim("t1", C.TRAINING, 8, days=1, region_code=ZAOZHUANG, study_year=2024)
    )

    assert entry(evaluation, "t1").reason == "category training is not recognised by this policy"


def test_totals_by_source_show_raw_and_credited_hours() -> None:
    facts = [exam("pub-exam", 30), claim("t1", C.TRAINING, 30, days=3)]

    evaluation = run(zibo(), *facts)

    assert evaluation.by_source["training"].raw == 30
    assert evaluation.by_source["training"].credited == 24
    assert evaluation.by_source["exam_pass"].credited == 30
    assert credited(evaluation, PUBLIC) == 30


def test_entries_are_listed_in_canonical_order_with_region_and_source() -> None:
    facts: list[Fact] = [
        course("b", PROFESSIONAL, 1, occurred_at=at(2020, 2)),
        course("a", PROFESSIONAL, 1, occurred_at=at(2020, 2)),
        course("c", PROFESSIONAL, 1, occurred_at=at(2020, 1)),
    ]

    evaluation = run(zibo(), *facts)

    assert [e.entry_id for e in evaluation.entries] == ["c", "a", "b"]
    assert {e.region_code for e in evaluation.entries} == {"370300"}
    assert {e.source for e in evaluation.entries} == {"platform_course"}
