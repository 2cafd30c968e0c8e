"""One named test per rule of the Zibo 2020 notice (policies/370300-2020.toml)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hourbank_ledger.domain.policy import ClaimCategory as C
from hourbank_ledger.domain.policy import CreditKind, EntryStatus, Fact, ReversalKind
from services.ledger.tests.unit.policy.builders import (
    PROFESSIONAL,
    PUBLIC,
    at,
    claim,
    course,
    credit,
    credited,
    entry,
    exam,
    makeup,
    reversal,
    run,
    zibo,
    zibo_compliant_base,
)


def test_zibo_90_hours_with_30_public_and_60_professional_is_compliant() -> None:
    evaluation = run(zibo(), *zibo_compliant_base())

    assert evaluation.compliant
    assert evaluation.reasons == (
        "total 90/90: met",
        "public 30/30: met",
        "professional 60/60: met",
        "platform professional 60/20: met",
    )


def test_zibo_public_28_of_30_is_2_hours_short() -> None:
    facts = [course("pub", PUBLIC, 18), exam("pub-exam", 10), course("pro", PROFESSIONAL, 60)]

    evaluation = run(zibo(), *facts)

    assert not evaluation.compliant
    assert "public 28/30: 2 hours short" in evaluation.reasons
    assert "total 88/90: 2 hours short" in evaluation.reasons


def test_zibo_surplus_public_hours_do_not_cover_a_professional_shortfall() -> None:
    facts = [exam("pub-exam", 40), course("pro", PROFESSIONAL, 50)]

    evaluation = run(zibo(), *facts)

    assert evaluation.requirements[0].met  # total 90/90
    assert not evaluation.compliant
    assert "professional 50/60: 10 hours short" in evaluation.reasons


def test_zibo_public_platform_hours_count_only_once_the_public_exam_is_passed() -> None:
    without_exam = run(zibo(), course("pub", PUBLIC, 20))
    with_exam = run(zibo(), course("pub", PUBLIC, 20), exam("pub-exam", 10))

    assert entry(without_exam, "pub").status is EntryStatus.REFUSED
    assert "public exam" in entry(without_exam, "pub").reason
    assert credited(without_exam, PUBLIC) == 0
    assert credited(with_exam, PUBLIC) == 30


def test_zibo_reversed_public_exam_pass_closes_the_gate_again() -> None:
    facts: list[Fact] = [
        course("pub", PUBLIC, 20),
        exam("pub-exam", 10),
        reversal("void", "pub-exam", ReversalKind.COMPLETION_VOIDED),
    ]

    evaluation = run(zibo(), *facts)

    assert entry(evaluation, "pub-exam").status is EntryStatus.REVERSED
    assert entry(evaluation, "pub").status is EntryStatus.REFUSED
    assert credited(evaluation, PUBLIC) == 0


def test_zibo_xuexi_2000_points_convert_to_10_public_hours() -> None:
    xuexi = credit("xx", CreditKind.XUEXI_POINTS, PUBLIC, 10, points=2000)

    evaluation = run(zibo(), xuexi)

    assert entry(evaluation, "xx").status is EntryStatus.CREDITED
    assert credited(evaluation, PUBLIC) == 10
    assert evaluation.by_source["xuexi_points"].credited == 10


def test_zibo_xuexi_below_2000_points_is_refused() -> None:
    xuexi = credit("xx", CreditKind.XUEXI_POINTS, PUBLIC, 10, points=1999)

    evaluation = run(zibo(), xuexi)

    assert entry(evaluation, "xx").status is EntryStatus.REFUSED
    assert "below 2000" in entry(evaluation, "xx").reason
    assert credited(evaluation, PUBLIC) == 0


def test_zibo_xuexi_conversion_counts_once_a_year() -> None:
    facts: list[Fact] = [
        credit("xx-b", CreditKind.XUEXI_POINTS, PUBLIC, 10, points=2500),
        credit("xx-a", CreditKind.XUEXI_POINTS, PUBLIC, 10, points=2100),
    ]

    evaluation = run(zibo(), *facts)

    assert credited(evaluation, PUBLIC) == 10
    assert entry(evaluation, "xx-a").status is EntryStatus.CREDITED  # tie → smallest id
    assert entry(evaluation, "xx-b").status is EntryStatus.REFUSED


def test_zibo_xuexi_hours_need_no_public_exam_pass() -> None:
    evaluation = run(zibo(), credit("xx", CreditKind.XUEXI_POINTS, PUBLIC, 10, points=3000))

    assert credited(evaluation, PUBLIC) == 10


def test_zibo_requires_20_professional_hours_on_the_platform() -> None:
    facts: list[Fact] = [
        exam("pub-exam", 30),
        course("pro", PROFESSIONAL, 15),
        claim("train", C.TRAINING, 40, days=5),
        credit("moved", CreditKind.TRANSFER_IN, PROFESSIONAL, 10),
    ]

    evaluation = run(zibo(), *facts)

    assert credited(evaluation, PROFESSIONAL) == 65
    assert evaluation.platform_professional_hours == 15
    assert not evaluation.compliant
    assert evaluation.reasons[-1] == "platform professional 15/20: 5 hours short"


def test_zibo_platform_professional_hours_are_not_under_the_recognition_cap() -> None:
    facts = [course("pro", PROFESSIONAL, 70), claim("train", C.TRAINING, 40, days=5)]

    evaluation = run(zibo(), *facts)

    assert credited(evaluation, PROFESSIONAL) == 110


def test_zibo_recognition_is_capped_at_40_hours_a_year() -> None:
    facts: list[Fact] = [
        claim("t1", C.TRAINING, 24, days=3, occurred_at=at(2020, 3)),
        claim("p1", C.PAPER, 10, items=1, cn="CN37-1", issn="1000-0001", occurred_at=at(2020, 4)),
        claim("b1", C.BOOK, 10, items=1, isbn="978-7-0", occurred_at=at(2020, 5)),
        claim("d1", C.DEGREE_COURSE, 10, items=1, occurred_at=at(2020, 6)),
    ]

    evaluation = run(zibo(), *facts)

    assert credited(evaluation, PROFESSIONAL) == 40
    assert evaluation.by_source["book"] == evaluation.by_source["book"].__class__(
        raw=Decimal(10), credited=Decimal(6)
    )
    assert entry(evaluation, "b1").status is EntryStatus.CAPPED
    assert "yearly cap of 40 hours for recognition" in entry(evaluation, "b1").reason
    assert entry(evaluation, "d1").credited_hours == 0
    assert entry(evaluation, "d1").status is EntryStatus.CAPPED


def test_zibo_recognition_cap_includes_qualification_certificates() -> None:
    facts: list[Fact] = [
        claim("cert", C.QUALIFICATION_CERTIFICATE, 16, items=1, occurred_at=at(2020, 2)),
        claim("t1", C.TRAINING, 32, days=4, occurred_at=at(2020, 3)),
    ]

    evaluation = run(zibo(), *facts)

    assert entry(evaluation, "cert").credited_hours == 16
    assert entry(evaluation, "t1").credited_hours == 24
    assert credited(evaluation, PROFESSIONAL) == 40


def test_zibo_training_is_capped_at_8_hours_per_day() -> None:
    evaluation = run(zibo(), claim("t1", C.TRAINING, 30, days=3))

    assert entry(evaluation, "t1").credited_hours == 24
    assert entry(evaluation, "t1").status is EntryStatus.CAPPED
    assert "3 days × 8 hours/day = 24" in entry(evaluation, "t1").reason


def test_zibo_training_within_8_hours_per_day_counts_in_full() -> None:
    evaluation = run(zibo(), claim("t1", C.TRAINING, 12, days=2))

    assert entry(evaluation, "t1").status is EntryStatus.CREDITED
    assert entry(evaluation, "t1").credited_hours == 12


def test_zibo_training_without_days_is_refused() -> None:
    evaluation = run(zibo(), claim("t1", C.TRAINING, 8))

    assert entry(evaluation, "t1").status is EntryStatus.REFUSED
    assert "number of days is missing" in entry(evaluation, "t1").reason


def test_zibo_degree_course_counts_10_hours_per_passed_course() -> None:
    evaluation = run(zibo(), claim("d1", C.DEGREE_COURSE, 30, items=2))

    assert entry(evaluation, "d1").credited_hours == 20
    assert "2 × 10 = 20" in entry(evaluation, "d1").reason


def test_zibo_self_study_needs_an_employer_archive() -> None:
    facts: list[Fact] = [
        claim("s1", C.SELF_STUDY, 8, days=1, has_employer_archive=False),
        claim("s2", C.SELF_STUDY, 8, days=1),
    ]

    evaluation = run(zibo(), *facts)

    for entry_id in ("s1", "s2"):
        assert entry(evaluation, entry_id).status is EntryStatus.REFUSED
        assert "employer learning archive" in entry(evaluation, entry_id).reason
    assert credited(evaluation, PROFESSIONAL) == 0


def test_zibo_self_study_is_capped_at_8_hours_per_day() -> None:
    evaluation = run(zibo(), claim("s1", C.SELF_STUDY, 20, days=2, has_employer_archive=True))

    assert entry(evaluation, "s1").credited_hours == 16


def test_zibo_research_results_count_10_hours_each() -> None:
    facts: list[Fact] = [
        claim("award", C.RESEARCH_AWARD, 10, items=1, achievement_key="r1"),
        claim("patent", C.PATENT, 25, items=2),
    ]

    evaluation = run(zibo(), *facts)

    assert entry(evaluation, "award").credited_hours == 10
    assert entry(evaluation, "patent").credited_hours == 20


def test_zibo_same_result_counts_once_at_its_highest_level() -> None:
    facts: list[Fact] = [
        claim("city", C.RESEARCH_AWARD, 5, items=1, achievement_key="r1", award_level="city"),
        claim("prov", C.RESEARCH_AWARD, 10, items=1, achievement_key="r1", award_level="prov"),
        claim("again", C.RESEARCH_AWARD, 10, items=1, achievement_key="r1", award_level="prov"),
    ]

    evaluation = run(zibo(), *facts)

    assert credited(evaluation, PROFESSIONAL) == 10
    assert entry(evaluation, "again").status is EntryStatus.CREDITED  # tie → smallest id
    for loser in ("city", "prov"):
        assert entry(evaluation, loser).status is EntryStatus.REFUSED
        assert "duplicate achievement" in entry(evaluation, loser).reason


def test_zibo_book_needs_an_isbn() -> None:
    facts = [claim("b1", C.BOOK, 10, items=1), claim("b2", C.BOOK, 10, items=1, isbn="978-7")]

    evaluation = run(zibo(), *facts)

    assert entry(evaluation, "b1").status is EntryStatus.REFUSED
    assert "ISBN" in entry(evaluation, "b1").reason
    assert entry(evaluation, "b2").credited_hours == 10


def test_zibo_journal_paper_needs_both_cn_and_issn() -> None:
    facts: list[Fact] = [
        claim("only-cn", C.PAPER, 10, items=1, cn="CN37-1"),
        claim("only-issn", C.PAPER, 10, items=1, issn="1000-0001"),
        claim("both", C.PAPER, 10, items=1, cn="CN37-1", issn="1000-0001"),
    ]

    evaluation = run(zibo(), *facts)

    assert "ISSN" in entry(evaluation, "only-cn").reason
    assert "CN number" in entry(evaluation, "only-issn").reason
    assert entry(evaluation, "only-cn").status is EntryStatus.REFUSED
    assert entry(evaluation, "only-issn").status is EntryStatus.REFUSED
    assert entry(evaluation, "both").credited_hours == 10


def test_zibo_conference_paper_needs_no_cn_or_issn() -> None:
    evaluation = run(zibo(), claim("conf", C.CONFERENCE_PAPER, 10, items=1))

    assert entry(evaluation, "conf").credited_hours == 10


def test_zibo_translation_needs_an_isbn() -> None:
    evaluation = run(zibo(), claim("tr", C.TRANSLATION, 10, items=1))

    assert entry(evaluation, "tr").status is EntryStatus.REFUSED


def test_zibo_claims_grant_professional_hours_only() -> None:
    evaluation = run(zibo(), claim("t1", C.TRAINING, 8, subject=PUBLIC, days=1))

    assert entry(evaluation, "t1").status is EntryStatus.REFUSED
    assert "professional hours only" in entry(evaluation, "t1").reason


def test_zibo_categories_outside_the_default_table_count_as_approved_within_the_cap() -> None:
    facts: list[Fact] = [
        claim("expert", C.EXPERT_WORK, 30, occurred_at=at(2020, 2)),
        claim("contest", C.COMPETITION, 30, occurred_at=at(2020, 3)),
    ]

    evaluation = run(zibo(), *facts)

    assert entry(evaluation, "expert").credited_hours == 30
    assert entry(evaluation, "contest").credited_hours == 10


def test_zibo_year_closes_at_midnight_december_31_china_time() -> None:
    just_in_time = datetime(2020, 12, 31, 15, 59, 59, tzinfo=UTC)  # 23:59:59 in Zibo
    too_late = datetime(2020, 12, 31, 16, 0, tzinfo=UTC)  # 00:00 on January 1
    facts: list[Fact] = [
        course("in", PROFESSIONAL, 10, occurred_at=just_in_time),
        course("late", PROFESSIONAL, 10, occurred_at=too_late),
    ]

    evaluation = run(zibo(), *facts)

    assert entry(evaluation, "in").status is EntryStatus.CREDITED
    assert entry(evaluation, "late").status is EntryStatus.REFUSED
    assert "no make-up (补修) is offered" in entry(evaluation, "late").reason


def test_zibo_makeup_paid_opens_a_year_from_2015_to_2019() -> None:
    facts: list[Fact] = [
        makeup("pay-2017", 2017),
        course("mk-pro", PROFESSIONAL, 60, study_year=2017, occurred_at=at(2020, 4)),
        exam("mk-exam", 30, study_year=2017, occurred_at=at(2020, 5)),
    ]

    evaluation = run(zibo(), *facts, year=2017)

    assert evaluation.evaluated_year == 2017
    assert evaluation.compliant
    assert entry(evaluation, "mk-pro").status is EntryStatus.CREDITED


def test_zibo_late_credit_without_makeup_payment_is_refused() -> None:
    late = course("mk-pro", PROFESSIONAL, 60, study_year=2017, occurred_at=at(2020, 4))

    evaluation = run(zibo(), late, year=2017)

    assert entry(evaluation, "mk-pro").status is EntryStatus.REFUSED
    assert "no make-up (补修) paid for 2017" in entry(evaluation, "mk-pro").reason


def test_zibo_refunded_makeup_closes_the_year_again() -> None:
    facts: list[Fact] = [
        makeup("pay-2017", 2017),
        reversal("refund", "pay-2017", ReversalKind.PAYMENT_REFUNDED),
        course("mk-pro", PROFESSIONAL, 60, study_year=2017, occurred_at=at(2020, 4)),
    ]

    evaluation = run(zibo(), *facts, year=2017)

    assert entry(evaluation, "mk-pro").status is EntryStatus.REFUSED


def test_zibo_makeup_does_not_revive_late_claims() -> None:
    facts: list[Fact] = [
        makeup("pay-2018", 2018),
        claim("late-claim", C.TRAINING, 8, days=1, study_year=2018, occurred_at=at(2020, 4)),
    ]

    evaluation = run(zibo(), *facts, year=2018)

    assert entry(evaluation, "late-claim").status is EntryStatus.REFUSED
    assert "make-up (补修) credits only" in entry(evaluation, "late-claim").reason


def test_zibo_legacy_import_of_a_past_year_is_not_late() -> None:
    imported = credit(
        "legacy",
        CreditKind.LEGACY_IMPORT,
        PROFESSIONAL,
        60,
        study_year=2016,
        occurred_at=at(2020, 7),
    )

    evaluation = run(zibo(), imported, year=2016)

    assert entry(evaluation, "legacy").status is EntryStatus.CREDITED
    assert credited(evaluation, PROFESSIONAL) == 60


def test_zibo_policy_records_fees_and_exam_rules_as_data() -> None:
    policy = zibo()

    assert policy.makeup is not None
    assert policy.makeup.years == (2015, 2016, 2017, 2018, 2019)
    assert policy.makeup.fee_yuan_per_year == 20
    assert policy.public_exam.makeup_exam_fee_yuan == 10
    assert policy.public_exam.offline_booking_closes == "09-30"
    assert policy.public_exam.online_and_offline_exclusive
    assert policy.title_application.working_days_before_application == 0
