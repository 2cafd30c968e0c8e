"""Unit tests of the event payload models."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from hourbank_contracts import (
    EVENT_TYPES,
    ClaimApprovedV1,
    ClaimCategory,
    ClaimRevokedV1,
    CompletionVoidedV1,
    ContractEvent,
    CourseCompletedV1,
    ExamMode,
    HourBearingEvent,
    HoursTransferredInV1,
    LeaveKind,
    LegacyHoursImportedV1,
    MakeupPaidV1,
    PaymentRefundedV1,
    PersonYearEvent,
    ReversalEvent,
    Subject,
    XuexiPointsRecordedV1,
    events,
)
from hourbank_contracts.registry import EVENT_CLASSES

MODEL_CLASSES: tuple[type[BaseModel], ...] = (
    PersonYearEvent,
    HourBearingEvent,
    ReversalEvent,
    *EVENT_CLASSES,
)
ENUM_CLASSES: tuple[type[Enum], ...] = (Subject, ExamMode, ClaimCategory, LeaveKind)


def _error_types(error: ValidationError) -> dict[str, str]:
    return {".".join(map(str, e["loc"])): e["type"] for e in error.errors()}


def _course_json(make_course: Callable[..., CourseCompletedV1], **changes: Any) -> str:
    payload = json.loads(make_course().model_dump_json())
    payload.update(changes)
    return json.dumps(payload)


# --- hours and money ------------------------------------------------------------------


def test_hours_are_a_json_string_on_the_wire(
    make_course: Callable[..., CourseCompletedV1],
) -> None:
    wire = json.loads(make_course(hours=Decimal("8.5")).model_dump_json())
    assert wire["hours"] == "8.5"
    assert isinstance(wire["hours"], str)


def test_python_dump_keeps_hours_as_decimal(
    make_course: Callable[..., CourseCompletedV1],
) -> None:
    assert make_course(hours=Decimal("2.25")).model_dump()["hours"] == Decimal("2.25")


@pytest.mark.parametrize(
    ("given", "wire"),
    [
        ("8.50", "8.5"),
        ("0.25", "0.25"),
        ("1000", "1000"),
        ("010", "10"),
        (Decimal("1E+1"), "10"),
        (Decimal("8.500"), "8.5"),
        (12, "12"),
    ],
)
def test_hours_serialise_in_canonical_fixed_point(
    make_course: Callable[..., CourseCompletedV1], given: object, wire: str
) -> None:
    event = make_course(hours=given)
    assert json.loads(event.model_dump_json())["hours"] == wire
    assert event.hours == Decimal(wire)


def test_hours_string_is_accepted_in_json(make_course: Callable[..., CourseCompletedV1]) -> None:
    event = CourseCompletedV1.model_validate_json(_course_json(make_course, hours="2.5"))
    assert event.hours == Decimal("2.5")


@pytest.mark.parametrize("number", [8.5, 8, 8.0, 1e1])
def test_json_number_hours_are_rejected(
    make_course: Callable[..., CourseCompletedV1], number: float
) -> None:
    with pytest.raises(ValidationError) as caught:
        CourseCompletedV1.model_validate_json(_course_json(make_course, hours=number))
    assert _error_types(caught.value) == {"hours": "decimal_string_type"}


@pytest.mark.parametrize("value", [8.5, True])
def test_python_float_or_bool_hours_are_rejected(
    make_course: Callable[..., CourseCompletedV1], value: object
) -> None:
    with pytest.raises(ValidationError) as caught:
        make_course(hours=value)
    assert _error_types(caught.value) == {"hours": "decimal_string_type"}


@pytest.mark.parametrize(
    ("text", "error_type"),
    [
        ("8.555", "decimal_string_format"),
        ("-1", "decimal_string_format"),
        ("1e1", "decimal_string_format"),
        (" 8", "decimal_string_format"),
        ("NaN", "decimal_string_format"),
        ("", "decimal_string_format"),
        ("0", "greater_than"),
        ("0.00", "greater_than"),
        ("1000.01", "less_than_equal"),
    ],
)
def test_bad_hours_strings_are_rejected(
    make_course: Callable[..., CourseCompletedV1], text: str, error_type: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        CourseCompletedV1.model_validate_json(_course_json(make_course, hours=text))
    assert _error_types(caught.value) == {"hours": error_type}


def test_hours_error_message_does_not_echo_the_input(
    make_course: Callable[..., CourseCompletedV1],
) -> None:
    with pytest.raises(ValidationError) as caught:
        CourseCompletedV1.model_validate_json(_course_json(make_course, hours="12.3456789"))
    (error,) = caught.value.errors()
    assert "12.3456789" not in error["msg"]


def test_makeup_amount_is_a_string_and_may_be_zero(
    make_makeup: Callable[..., MakeupPaidV1],
) -> None:
    assert json.loads(make_makeup(amount="20.00").model_dump_json())["amount"] == "20"
    assert json.loads(make_makeup(amount="0").model_dump_json())["amount"] == "0"
    assert json.loads(make_makeup(amount=Decimal("-0")).model_dump_json())["amount"] == "0"


@pytest.mark.parametrize("amount", ["-1", "0.001", 20.0])
def test_bad_makeup_amounts_are_rejected(
    make_makeup: Callable[..., MakeupPaidV1], amount: object
) -> None:
    with pytest.raises(ValidationError) as caught:
        make_makeup(amount=amount)
    assert set(_error_types(caught.value)) == {"amount"}


def test_makeup_is_not_hour_bearing_and_accepts_any_year(
    make_makeup: Callable[..., MakeupPaidV1],
) -> None:
    assert not issubclass(MakeupPaidV1, HourBearingEvent)
    assert "hours" not in MakeupPaidV1.model_fields
    assert make_makeup(study_year=2021).study_year == 2021


# --- person, region, year, time --------------------------------------------------------


def test_naive_datetime_is_rejected(make_course: Callable[..., CourseCompletedV1]) -> None:
    with pytest.raises(ValidationError) as caught:
        make_course(occurred_at=datetime(2024, 5, 1, 8, 30))
    assert _error_types(caught.value) == {"occurred_at": "timezone_aware"}
    with pytest.raises(ValidationError) as caught_json:
        CourseCompletedV1.model_validate_json(
            _course_json(make_course, occurred_at="2024-05-01T08:30:00")
        )
    assert _error_types(caught_json.value) == {"occurred_at": "timezone_aware"}


def test_occurred_at_is_normalised_to_utc(make_course: Callable[..., CourseCompletedV1]) -> None:
    beijing = timezone(timedelta(hours=8))
    event = make_course(occurred_at=datetime(2024, 5, 1, 16, 30, tzinfo=beijing))
    assert event.occurred_at.tzinfo is UTC
    assert event.occurred_at == datetime(2024, 5, 1, 8, 30, tzinfo=UTC)
    assert json.loads(event.model_dump_json())["occurred_at"] == "2024-05-01T08:30:00Z"


@pytest.mark.parametrize("code", ["370300", "370400", "110000"])
def test_valid_region_codes_are_accepted(
    make_course: Callable[..., CourseCompletedV1], code: str
) -> None:
    assert make_course(region_code=code).region_code == code


@pytest.mark.parametrize("code", ["070300", "37030", "3703000", "37030a", "３７０３００", ""])
def test_malformed_region_codes_are_rejected(
    make_course: Callable[..., CourseCompletedV1], code: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        make_course(region_code=code)
    assert _error_types(caught.value) == {"region_code": "string_pattern_mismatch"}


@pytest.mark.parametrize(
    ("year", "error_type"), [(1999, "greater_than_equal"), (2101, "less_than_equal")]
)
def test_study_year_bounds(
    make_course: Callable[..., CourseCompletedV1], year: int, error_type: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        make_course(study_year=year)
    assert _error_types(caught.value) == {"study_year": error_type}


@pytest.mark.parametrize("year", ["2024", 2024.0])
def test_study_year_must_be_a_json_integer(
    make_course: Callable[..., CourseCompletedV1], year: object
) -> None:
    with pytest.raises(ValidationError) as caught:
        CourseCompletedV1.model_validate_json(_course_json(make_course, study_year=year))
    assert set(_error_types(caught.value)) == {"study_year"}


def test_person_id_must_be_a_uuid(make_course: Callable[..., CourseCompletedV1]) -> None:
    with pytest.raises(ValidationError) as caught:
        make_course(person_id="370302199001011234")
    assert set(_error_types(caught.value)) == {"person_id"}


# --- model behaviour ------------------------------------------------------------------


def test_events_are_frozen(make_course: Callable[..., CourseCompletedV1]) -> None:
    event = make_course()
    with pytest.raises(ValidationError) as caught:
        event.hours = Decimal(1)  # type: ignore[misc]
    assert _error_types(caught.value) == {"hours": "frozen_instance"}
    assert hash(event) == hash(make_course())


def test_extra_fields_are_forbidden(make_course: Callable[..., CourseCompletedV1]) -> None:
    with pytest.raises(ValidationError) as caught:
        make_course(note="hello")
    assert _error_types(caught.value) == {"note": "extra_forbidden"}
    with pytest.raises(ValidationError) as caught_json:
        CourseCompletedV1.model_validate_json(_course_json(make_course, note="hello"))
    assert _error_types(caught_json.value) == {"note": "extra_forbidden"}


def test_json_round_trip_is_lossless(
    makers: dict[str, Callable[..., ContractEvent]],
) -> None:
    for event_type, make in makers.items():
        event = make()
        again = type(event).model_validate_json(event.model_dump_json())
        assert again == event, event_type
        assert again.model_dump_json() == event.model_dump_json(), event_type


def test_enums_serialise_as_their_values(make_exam: Callable[..., Any]) -> None:
    wire = json.loads(make_exam(exam_mode="offline").model_dump_json())
    assert wire["exam_mode"] == "offline"
    assert wire["subject"] == "public"


def test_claim_optional_quantities_default_to_none(
    make_claim: Callable[..., ClaimApprovedV1],
) -> None:
    event = make_claim()
    optional = [n for n, f in ClaimApprovedV1.model_fields.items() if not f.is_required()]
    assert set(optional) == {
        "days",
        "items",
        "months",
        "certificate_no",
        "achievement_key",
        "award_level",
        "isbn",
        "cn",
        "issn",
        "has_employer_archive",
        "approved_by_org_id",
        "leave_kind",
        "period_start",
        "period_end",
    }
    assert event.days is None
    assert event.approved_by_org_id is None
    assert event.leave_kind is None
    assert event.period_start is None
    assert event.period_end is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("days", 0),
        ("days", 367),
        ("items", 0),
        ("months", 0),
        ("months", 13),
        ("months", "6"),
        ("has_employer_archive", "yes"),
        ("certificate_no", ""),
        ("approved_by_org_id", "not-a-uuid"),
        ("leave_kind", "holiday"),
        ("period_start", "2024-02-30"),
        ("period_end", "yesterday"),
    ],
)
def test_claim_quantities_are_validated(
    make_claim: Callable[..., ClaimApprovedV1], field: str, value: object
) -> None:
    with pytest.raises(ValidationError) as caught:
        make_claim(**{field: value})
    assert set(_error_types(caught.value)) == {field}


def test_claim_special_leave_quantities_on_the_wire(
    make_claim: Callable[..., ClaimApprovedV1],
) -> None:
    event = make_claim(
        category=ClaimCategory.SPECIAL_LEAVE,
        items=None,
        cn=None,
        issn=None,
        achievement_key=None,
        hours=Decimal("45"),
        months=6,
        leave_kind="sick_leave",
        period_start=date(2023, 11, 1),
        period_end=date(2024, 6, 30),
    )
    wire = json.loads(event.model_dump_json())
    assert wire["leave_kind"] == "sick_leave"
    assert wire["period_start"] == "2023-11-01"
    assert wire["period_end"] == "2024-06-30"
    assert wire["months"] == 6
    assert ClaimApprovedV1.model_validate_json(event.model_dump_json()) == event
    assert {k.value for k in LeaveKind} == {"posted_abroad", "sick_leave", "maternity_leave"}


def test_claim_period_may_be_one_day_but_not_reversed(
    make_claim: Callable[..., ClaimApprovedV1],
) -> None:
    one_day = make_claim(period_start=date(2024, 3, 1), period_end=date(2024, 3, 1))
    assert one_day.period_end == one_day.period_start
    assert make_claim(period_start=date(2024, 3, 1)).period_end is None
    with pytest.raises(ValidationError) as caught:
        make_claim(period_start=date(2024, 3, 2), period_end=date(2024, 3, 1))
    assert _error_types(caught.value) == {"": "value_error"}
    assert "before period_start" in str(caught.value)


def test_claim_categories_cover_the_notices() -> None:
    assert {c.value for c in ClaimCategory} == {
        "training",
        "employer_study",
        "self_study",
        "degree_course",
        "self_taught_exam",
        "qualification_certificate",
        "research_award",
        "patent",
        "software_copyright",
        "standard",
        "paper",
        "conference_paper",
        "book",
        "translation",
        "expert_work",
        "aid_posting",
        "competition",
        "special_leave",
        "other_approved",
    }
    assert {s.value for s in Subject} == {"public", "professional"}
    assert {m.value for m in ExamMode} == {"online", "offline"}


def test_subject_descriptions_name_the_chinese_terms() -> None:
    description = HourBearingEvent.model_fields["subject"].description or ""
    assert "公需科目" in description
    assert "专业科目" in description


# --- identity: legacy import and transfer-in --------------------------------------------


def test_legacy_hours_import_wire_format(
    make_legacy: Callable[..., LegacyHoursImportedV1], person_id: Any
) -> None:
    event = make_legacy()
    assert issubclass(LegacyHoursImportedV1, HourBearingEvent)
    assert json.loads(event.model_dump_json()) == {
        "person_id": str(person_id),
        "region_code": "370300",
        "study_year": 2018,
        "source_ref": "ref-1",
        "occurred_at": "2024-05-01T08:30:00Z",
        "subject": "public",
        "hours": "30",
        "import_batch_id": "batch-2020-07",
        "legacy_record_ref": "zb-old-000123",
    }


@pytest.mark.parametrize("field", ["import_batch_id", "legacy_record_ref"])
def test_legacy_hours_import_references_are_required(
    make_legacy: Callable[..., LegacyHoursImportedV1], field: str
) -> None:
    payload = json.loads(make_legacy().model_dump_json())
    del payload[field]
    with pytest.raises(ValidationError) as caught:
        LegacyHoursImportedV1.model_validate(payload)
    assert _error_types(caught.value) == {field: "missing"}
    with pytest.raises(ValidationError) as caught_empty:
        make_legacy(**{field: ""})
    assert _error_types(caught_empty.value) == {field: "string_too_short"}


def test_legacy_hours_refuse_json_number_hours(
    make_legacy: Callable[..., LegacyHoursImportedV1],
) -> None:
    payload = json.loads(make_legacy().model_dump_json())
    payload["hours"] = 30
    with pytest.raises(ValidationError) as caught:
        LegacyHoursImportedV1.model_validate_json(json.dumps(payload))
    assert _error_types(caught.value) == {"hours": "decimal_string_type"}


def test_transfer_in_wire_format(make_transfer: Callable[..., HoursTransferredInV1]) -> None:
    assert issubclass(HoursTransferredInV1, HourBearingEvent)
    wire = json.loads(make_transfer().model_dump_json())
    assert wire["region_code"] == "370400"
    assert wire["from_region_code"] == "320100"
    assert wire["certificate_ref"] == "nj-cert-77"
    assert wire["hours"] == "24.5"
    assert wire["subject"] == "professional"


@pytest.mark.parametrize("code", ["370300", "110000", "650100"])
def test_transfer_in_accepts_any_other_region(
    make_transfer: Callable[..., HoursTransferredInV1], code: str
) -> None:
    assert make_transfer(from_region_code=code).from_region_code == code


@pytest.mark.parametrize("code", ["070300", "37030", "Nanjing"])
def test_transfer_in_refuses_a_malformed_origin(
    make_transfer: Callable[..., HoursTransferredInV1], code: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        make_transfer(from_region_code=code)
    assert _error_types(caught.value) == {"from_region_code": "string_pattern_mismatch"}


def test_transfer_in_refuses_the_same_region(
    make_transfer: Callable[..., HoursTransferredInV1],
) -> None:
    with pytest.raises(ValidationError) as caught:
        make_transfer(from_region_code="370400")
    assert _error_types(caught.value) == {"": "value_error"}


# --- 学习强国 points ------------------------------------------------------------------------


def test_xuexi_points_are_a_json_integer_and_not_hour_bearing(
    make_xuexi: Callable[..., XuexiPointsRecordedV1],
) -> None:
    assert not issubclass(XuexiPointsRecordedV1, HourBearingEvent)
    assert {"hours", "subject"}.isdisjoint(XuexiPointsRecordedV1.model_fields)
    wire = json.loads(make_xuexi(points=2000).model_dump_json())
    assert wire["points"] == 2000
    assert isinstance(wire["points"], int)
    assert make_xuexi(points=0).points == 0
    assert make_xuexi(points=1_000_000).points == 1_000_000


@pytest.mark.parametrize(
    ("points", "error_type"),
    [
        ("2000", "int_type"),
        (2000.0, "int_type"),
        (True, "int_type"),
        (-1, "greater_than_equal"),
        (1_000_001, "less_than_equal"),
    ],
)
def test_xuexi_points_are_strict_whole_numbers(
    make_xuexi: Callable[..., XuexiPointsRecordedV1], points: object, error_type: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        make_xuexi(points=points)
    assert _error_types(caught.value) == {"points": error_type}
    payload = json.loads(make_xuexi().model_dump_json())
    payload["points"] = points
    with pytest.raises(ValidationError) as caught_json:
        XuexiPointsRecordedV1.model_validate_json(json.dumps(payload))
    assert _error_types(caught_json.value) == {"points": error_type}


# --- compensating events --------------------------------------------------------------

REVERSALS: dict[type[ReversalEvent], tuple[type[ContractEvent], str]] = {
    ClaimRevokedV1: (events.ClaimApprovedV1, "claim_id"),
    CompletionVoidedV1: (CourseCompletedV1, "course_id"),
    PaymentRefundedV1: (MakeupPaidV1, "payment_id"),
}


def test_every_reversal_names_the_event_type_it_undoes() -> None:
    registered = {cls for cls in EVENT_CLASSES if issubclass(cls, ReversalEvent)}
    assert registered == set(REVERSALS)
    for cls, (undone, reference) in REVERSALS.items():
        assert cls.reverses_event_type == undone.event_type
        assert EVENT_TYPES[cls.reverses_event_type] is undone
        assert not issubclass(cls, HourBearingEvent)
        assert "reverses_event_type" not in cls.model_fields
        assert {"reverses_event_id", "reason", reference} <= set(cls.model_fields)
        assert {"hours", "subject"}.isdisjoint(cls.model_fields)
        # the service's own reference of the record is shared with the event undone
        assert reference in undone.model_fields


def test_reversal_wire_format(
    make_revoked: Callable[..., ClaimRevokedV1],
    make_voided: Callable[..., CompletionVoidedV1],
    make_refunded: Callable[..., PaymentRefundedV1],
) -> None:
    revoked = json.loads(make_revoked().model_dump_json())
    assert revoked["reverses_event_id"] == "0d6c1c3e-9f0b-5a57-8a43-1f7c2b7f2a10"
    assert revoked["reason"] == "fraud found on verification"
    assert revoked["claim_id"] == "claim-3"
    assert revoked["study_year"] == 2024
    voided = json.loads(make_voided().model_dump_json())
    assert voided["course_id"] == "course-42"
    refunded = json.loads(make_refunded().model_dump_json())
    assert refunded["study_year"] == 2016
    assert refunded["amount"] == "20"
    assert isinstance(refunded["amount"], str)


def test_reversal_keeps_the_year_of_the_credit_it_undoes(
    make_revoked: Callable[..., ClaimRevokedV1],
) -> None:
    later = datetime(2025, 3, 1, tzinfo=UTC)
    event = make_revoked(study_year=2024, occurred_at=later)
    assert event.study_year == 2024
    assert event.occurred_at.year == 2025


@pytest.mark.parametrize("kind", [ClaimRevokedV1, CompletionVoidedV1, PaymentRefundedV1])
@pytest.mark.parametrize(
    ("field", "value", "error_type"),
    [
        ("reverses_event_id", "", "string_too_short"),
        ("reverses_event_id", "x" * 201, "string_too_long"),
        ("reason", "", "string_too_short"),
        ("reason", "x" * 501, "string_too_long"),
    ],
)
def test_reversal_fields_are_validated(
    makers: dict[str, Callable[..., ContractEvent]],
    kind: type[ReversalEvent],
    field: str,
    value: str,
    error_type: str,
) -> None:
    with pytest.raises(ValidationError) as caught:
        makers[kind.event_type](**{field: value})
    assert _error_types(caught.value) == {field: error_type}


@pytest.mark.parametrize("field", ["reverses_event_id", "reason"])
def test_reversal_fields_are_required(
    make_voided: Callable[..., CompletionVoidedV1], field: str
) -> None:
    payload = json.loads(make_voided().model_dump_json())
    del payload[field]
    with pytest.raises(ValidationError) as caught:
        CompletionVoidedV1.model_validate_json(json.dumps(payload))
    assert _error_types(caught.value) == {field: "missing"}


@pytest.mark.parametrize("amount", ["-1", "0.001", 20.0])
def test_bad_refund_amounts_are_rejected(
    make_refunded: Callable[..., PaymentRefundedV1], amount: object
) -> None:
    with pytest.raises(ValidationError) as caught:
        make_refunded(amount=amount)
    assert set(_error_types(caught.value)) == {"amount"}


def test_every_event_carries_its_region(
    makers: dict[str, Callable[..., ContractEvent]],
) -> None:
    """Person-year facts carry region and year; registry events carry region and time."""
    for event_type, make in makers.items():
        event = make()
        wire = set(json.loads(event.model_dump_json()))
        assert {"region_code", "occurred_at"} <= wire, event_type
        if isinstance(event, PersonYearEvent):
            assert {"person_id", "study_year", "source_ref"} <= wire, event_type
        assert event.partition_key in {str(wire_value) for wire_value in _ids(event)}


def _ids(event: ContractEvent) -> list[object]:
    return [getattr(event, name, None) for name in ("person_id", "organisation_id")]


# --- documentation and privacy --------------------------------------------------------


def test_every_field_has_a_description() -> None:
    missing = [
        f"{cls.__name__}.{name}"
        for cls in MODEL_CLASSES
        for name, field in cls.model_fields.items()
        if not (field.description and field.description.strip())
    ]
    assert missing == []


def test_every_class_has_a_docstring() -> None:
    classes = [
        obj
        for _, obj in inspect.getmembers(events, inspect.isclass)
        if obj.__module__ == events.__name__
    ]
    assert len(classes) >= len(MODEL_CLASSES) + len(ENUM_CLASSES)
    undocumented = [c.__name__ for c in classes if not inspect.getdoc(c)]
    assert undocumented == []


NATIONAL_ID_NAME = re.compile(
    r"id_?num|id_?no$|id_?card|national_?id|citizen_?id|identity_?(card|num|no)|sfz|shenfen"
    r"|(^|_)ssn($|_)",
    re.IGNORECASE,
)


def test_no_field_is_named_like_a_national_id_number() -> None:
    assert NATIONAL_ID_NAME.search("id_number")
    assert NATIONAL_ID_NAME.search("sfzh")
    assert NATIONAL_ID_NAME.search("nationalId")
    assert NATIONAL_ID_NAME.search("ID_CARD_NO")
    assert not NATIONAL_ID_NAME.search("issn")
    names = {name for cls in MODEL_CLASSES for name in cls.model_fields}
    assert "person_id" in names
    offending = sorted(name for name in names if NATIONAL_ID_NAME.search(name))
    assert offending == []


def test_event_type_and_topic_class_vars_are_not_fields() -> None:
    for cls in EVENT_CLASSES:
        assert "event_type" not in cls.model_fields
        assert "topic" not in cls.model_fields
        assert isinstance(cls.event_type, str)
        assert isinstance(cls.topic, str)
