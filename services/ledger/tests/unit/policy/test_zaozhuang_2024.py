"""One named test per rule of the Zaozhuang 2024 notice and its attachment
(policies/370400-2024.toml)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hourbank_ledger.domain.policy import ClaimCategory as C
from hourbank_ledger.domain.policy import Credit, CreditKind, EntryStatus
from services.ledger.tests.unit.policy.builders import (
    PROFESSIONAL,
    PUBLIC,
    ZAOZHUANG,
    at,
    credit,
    credited,
    entry,
    run,
    zaozhuang,
)
from services.ledger.tests.unit.policy.builders import claim as any_claim
from services.ledger.tests.unit.policy.builders import course as any_course


def claim(entry_id: str, category: C, hours: str | int, **kw: Any) -> Credit:
    kw.setdefault("occurred_at", at(2024, 6))
    return any_claim(entry_id, category, hours, region_code=ZAOZHUANG, study_year=2024, **kw)


def course(entry_id: str, subject: Any, hours: str | int, **kw: Any) -> Credit:
    return any_course(entry_id, subject, hours, region_code=ZAOZHUANG, study_year=2024, **kw)


def test_zaozhuang_90_hours_with_30_public_and_60_professional_is_compliant() -> None:
    evaluation = run(zaozhuang(), course("pub", PUBLIC, 30), course("pro", PROFESSIONAL, 60))

    assert evaluation.compliant
    assert evaluation.reasons == (
        "total 90/90: met",
        "public 30/30: met",
        "professional 60/60: met",
    )


def test_zaozhuang_professional_59_of_60_is_1_hour_short() -> None:
    evaluation = run(zaozhuang(), course("pub", PUBLIC, 31), course("pro", PROFESSIONAL, 59))

    assert not evaluation.compliant
    assert "professional 59/60: 1 hours short" in evaluation.reasons


def test_zaozhuang_public_hours_need_no_exam_pass() -> None:
    evaluation = run(zaozhuang(), course("pub", PUBLIC, 30))

    assert credited(evaluation, PUBLIC) == 30


def test_zaozhuang_has_no_platform_minimum() -> None:
    facts = [course("pub", PUBLIC, 30), claim("t1", C.TRAINING, 64, days=8)]

    evaluation = run(zaozhuang(), *facts)

    assert evaluation.compliant
    assert [c.name for c in evaluation.requirements] == ["total", "public", "professional"]


def test_zaozhuang_training_is_capped_at_8_hours_per_day() -> None:
    evaluation = run(zaozhuang(), claim("t1", C.TRAINING, 50, days=5))

    assert entry(evaluation, "t1").credited_hours == 40
    assert entry(evaluation, "t1").status is EntryStatus.CAPPED


def test_zaozhuang_training_has_no_yearly_cap() -> None:
    facts = [claim(f"t{i}", C.TRAINING, 40, days=5) for i in range(3)]

    evaluation = run(zaozhuang(), *facts)

    assert credited(evaluation, PROFESSIONAL) == 120


def test_zaozhuang_employer_study_needs_an_employer_archive() -> None:
    facts = [
        claim("no-archive", C.EMPLOYER_STUDY, 12),
        claim("archive", C.EMPLOYER_STUDY, 12, has_employer_archive=True),
    ]

    evaluation = run(zaozhuang(), *facts)

    assert entry(evaluation, "no-archive").status is EntryStatus.REFUSED
    assert entry(evaluation, "archive").credited_hours == 12


def test_zaozhuang_study_capped_at_40() -> None:
    facts = [
        claim("emp", C.EMPLOYER_STUDY, 24, has_employer_archive=True, occurred_at=at(2024, 2)),
        claim("zikao", C.SELF_TAUGHT_EXAM, 10, items=1, occurred_at=at(2024, 3)),
        claim("degree", C.DEGREE_COURSE, 20, items=2, occurred_at=at(2024, 4)),
    ]

    evaluation = run(zaozhuang(), *facts)

    assert credited(evaluation, PROFESSIONAL) == 40
    assert entry(evaluation, "degree").credited_hours == 6
    assert "yearly cap of 40 hours for study" in entry(evaluation, "degree").reason


def test_zaozhuang_self_taught_exam_counts_10_hours_per_passed_course() -> None:
    evaluation = run(zaozhuang(), claim("zikao", C.SELF_TAUGHT_EXAM, 40, items=3))

    assert entry(evaluation, "zikao").credited_hours == 30


def test_zaozhuang_qualification_certificate_counts_16_hours_and_is_not_capped() -> None:
    facts = [
        claim("cert", C.QUALIFICATION_CERTIFICATE, 20, items=1),
        claim("emp", C.EMPLOYER_STUDY, 40, has_employer_archive=True),
    ]

    evaluation = run(zaozhuang(), *facts)

    assert entry(evaluation, "cert").credited_hours == 16
    assert credited(evaluation, PROFESSIONAL) == 56


def test_zaozhuang_representative_results_count_10_each() -> None:
    facts = [
        claim("patent", C.PATENT, 10, items=1),
        claim("soft", C.SOFTWARE_COPYRIGHT, 12, items=1),
    ]

    evaluation = run(zaozhuang(), *facts)

    assert entry(evaluation, "patent").credited_hours == 10
    assert entry(evaluation, "soft").credited_hours == 10
    assert entry(evaluation, "soft").status is EntryStatus.CAPPED


def test_zaozhuang_representative_results_capped_at_30() -> None:
    categories = [C.RESEARCH_AWARD, C.STANDARD, C.PAPER, C.CONFERENCE_PAPER, C.BOOK, C.TRANSLATION]
    facts = [
        claim(f"r{i}", category, 10, items=1, occurred_at=at(2024, i + 1))
        for i, category in enumerate(categories)
    ]

    evaluation = run(zaozhuang(), *facts)

    assert evaluation.by_subject[PROFESSIONAL].raw == 60
    assert credited(evaluation, PROFESSIONAL) == 30
    assert [entry(evaluation, f"r{i}").credited_hours for i in range(6)] == [10, 10, 10, 0, 0, 0]


def test_zaozhuang_papers_and_books_need_no_cn_issn_or_isbn() -> None:
    facts = [claim("paper", C.PAPER, 10, items=1), claim("book", C.BOOK, 10, items=1)]

    evaluation = run(zaozhuang(), *facts)

    assert credited(evaluation, PROFESSIONAL) == 20


def test_zaozhuang_expert_work_is_capped_at_8_hours_per_day() -> None:
    evaluation = run(zaozhuang(), claim("expert", C.EXPERT_WORK, 20, days=2))

    assert entry(evaluation, "expert").credited_hours == 16


def test_zaozhuang_full_year_aid_posting_grants_30_public_and_60_professional() -> None:
    facts = [
        claim("aid-pub", C.AID_POSTING, 30, subject=PUBLIC, months=12),
        claim("aid-pro", C.AID_POSTING, 60, months=12),
    ]

    evaluation = run(zaozhuang(), *facts)

    assert credited(evaluation, PUBLIC) == 30
    assert credited(evaluation, PROFESSIONAL) == 60
    assert evaluation.compliant


def test_zaozhuang_aid_posting_under_a_year_is_pro_rata_by_months() -> None:
    facts = [
        claim("aid-pub", C.AID_POSTING, 30, subject=PUBLIC, months=5),
        claim("aid-pro", C.AID_POSTING, 60, months=5),
    ]

    evaluation = run(zaozhuang(), *facts)

    assert entry(evaluation, "aid-pub").credited_hours == Decimal("12.5")
    assert entry(evaluation, "aid-pro").credited_hours == 25
    assert "30 × 5/12 months = 12.5" in entry(evaluation, "aid-pub").reason


def test_zaozhuang_aid_posting_without_months_is_refused() -> None:
    evaluation = run(zaozhuang(), claim("aid", C.AID_POSTING, 60))

    assert entry(evaluation, "aid").status is EntryStatus.REFUSED


def test_zaozhuang_competitions_count_10_each_capped_at_30() -> None:
    facts = [
        claim(f"c{i}", C.COMPETITION, 10, items=1, occurred_at=at(2024, i + 1)) for i in range(4)
    ]

    evaluation = run(zaozhuang(), *facts)

    assert credited(evaluation, PROFESSIONAL) == 30
    assert entry(evaluation, "c3").status is EntryStatus.CAPPED
    assert entry(evaluation, "c3").credited_hours == 0


def test_zaozhuang_caps_are_separate_per_group() -> None:
    facts = [
        *[claim(f"c{i}", C.COMPETITION, 10, items=1) for i in range(3)],
        *[claim(f"p{i}", C.PATENT, 10, items=1) for i in range(3)],
        claim("emp", C.EMPLOYER_STUDY, 40, has_employer_archive=True),
    ]

    evaluation = run(zaozhuang(), *facts)

    assert credited(evaluation, PROFESSIONAL) == 100


def test_zaozhuang_special_leave_converts_by_time_on_post() -> None:
    facts = [
        claim("leave-pub", C.SPECIAL_LEAVE, 30, subject=PUBLIC, months=4),
        claim("leave-pro", C.SPECIAL_LEAVE, 60, months=4),
        course("pub", PUBLIC, 10),
        course("pro", PROFESSIONAL, 20),
    ]

    evaluation = run(zaozhuang(), *facts)

    assert entry(evaluation, "leave-pub").credited_hours == 20  # 30 × 8 months away / 12
    assert entry(evaluation, "leave-pro").credited_hours == 40
    assert evaluation.compliant  # 4 months on post: a third of 30/60 was still owed


def test_zaozhuang_special_leave_on_post_all_year_grants_nothing() -> None:
    evaluation = run(zaozhuang(), claim("leave", C.SPECIAL_LEAVE, 60, months=12))

    assert entry(evaluation, "leave").credited_hours == 0
    assert entry(evaluation, "leave").status is EntryStatus.CAPPED


def test_zaozhuang_other_approved_cases_convert_like_special_leave() -> None:
    evaluation = run(zaozhuang(), claim("other", C.OTHER_APPROVED, 60, months=6))

    assert entry(evaluation, "other").credited_hours == 30


def test_zaozhuang_transfer_in_hours_merge_into_the_same_year() -> None:
    moved = credit(
        "moved",
        CreditKind.TRANSFER_IN,
        PROFESSIONAL,
        40,
        region_code=ZAOZHUANG,
        study_year=2024,
        occurred_at=at(2025, 2),
    )

    evaluation = run(zaozhuang(), moved, course("pro", PROFESSIONAL, 20))

    assert entry(evaluation, "moved").status is EntryStatus.CREDITED
    assert credited(evaluation, PROFESSIONAL) == 60


def test_zaozhuang_has_no_xuexi_conversion() -> None:
    xuexi = credit(
        "xx",
        CreditKind.XUEXI_POINTS,
        PUBLIC,
        10,
        region_code=ZAOZHUANG,
        study_year=2024,
        points=5000,
    )

    evaluation = run(zaozhuang(), xuexi)

    assert entry(evaluation, "xx").status is EntryStatus.REFUSED
    assert credited(evaluation, PUBLIC) == 0


def test_zaozhuang_late_credit_is_refused_as_there_is_no_makeup() -> None:
    evaluation = run(zaozhuang(), course("late", PROFESSIONAL, 10, occurred_at=at(2025, 1, 2)))

    assert entry(evaluation, "late").status is EntryStatus.REFUSED
    assert "no make-up (补修) is offered" in entry(evaluation, "late").reason


def test_zaozhuang_same_result_counts_once() -> None:
    facts = [
        claim("p1", C.PAPER, 10, items=1, achievement_key="doi:10.1/x"),
        claim("p2", C.PAPER, 10, items=1, achievement_key="doi:10.1/x"),
    ]

    evaluation = run(zaozhuang(), *facts)

    assert credited(evaluation, PROFESSIONAL) == 10
    assert entry(evaluation, "p2").status is EntryStatus.REFUSED


def test_zaozhuang_title_applicants_finish_5_working_days_before_applying() -> None:
    assert zaozhuang().title_application.working_days_before_application == 5
