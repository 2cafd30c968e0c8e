"""Schema snapshots and the compatibility checker."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, ConfigDict, Field, create_model

from hourbank_contracts import (
    EVENT_TYPES,
    ClaimApprovedV1,
    ClaimRevokedV1,
    CompletionVoidedV1,
    CourseCompletedV1,
    ExamPassedV1,
    HourBearingEvent,
    HoursTransferredInV1,
    LegacyHoursImportedV1,
    MakeupPaidV1,
    OrganisationEvent,
    PaymentRefundedV1,
    PersonEvent,
    PersonYearEvent,
    ReversalEvent,
    XuexiPointsRecordedV1,
    check_compatible,
    check_snapshots,
    schema_for,
    write_snapshots,
)
from hourbank_contracts.schemas import SNAPSHOT_DIR, render_schema, snapshot_path
from hourbank_contracts.snapshots import main


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(mode="serialization")


def _without(model: type[BaseModel], *names: str, **added: Any) -> type[BaseModel]:
    """A copy of ``model`` without the named fields, plus ``added`` ones."""
    fields: dict[str, Any] = {
        name: (info.annotation, info)
        for name, info in model.model_fields.items()
        if name not in names
    }
    fields.update(added)
    return create_model(
        model.__name__, __config__=ConfigDict(frozen=True, extra="forbid"), **fields
    )


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


# --- snapshots ------------------------------------------------------------------------


def test_checked_in_snapshots_match_the_models() -> None:
    assert sorted(p.name for p in SNAPSHOT_DIR.glob("*.json")) == sorted(
        f"{t}.json" for t in EVENT_TYPES
    )
    assert check_snapshots(SNAPSHOT_DIR) == []


def test_snapshot_check_command_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--check"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_snapshots_are_stably_formatted() -> None:
    for event_type, cls in EVENT_TYPES.items():
        text = snapshot_path(SNAPSHOT_DIR, event_type).read_text(encoding="utf-8")
        assert text == render_schema(schema_for(cls))
        assert text.endswith("}\n")
        assert (
            text
            == json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
        )


def test_snapshots_carry_type_topic_and_dialect() -> None:
    schema = schema_for(ExamPassedV1)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["x-hourbank-event-type"] == "hourbank.exam.exam.passed.v1"
    assert schema["x-hourbank-topic"] == "hourbank.exam.events"
    assert schema["additionalProperties"] is False


def test_decimals_are_strings_and_no_schema_has_a_number() -> None:
    for event_type, cls in EVENT_TYPES.items():
        schema = schema_for(cls)
        decimal_fields = {"hours", "amount"} & set(schema["properties"])
        expected = {"hours"} if issubclass(cls, HourBearingEvent) else set()
        if cls in (MakeupPaidV1, PaymentRefundedV1):
            expected = {"amount"}
        assert decimal_fields == expected, event_type
        for name in decimal_fields:
            prop = schema["properties"][name]
            assert prop["type"] == "string"
            assert prop["pattern"] == r"^[0-9]+(\.[0-9]{1,2})?$"
        assert all(node.get("type") != "number" for node in _walk(schema)), event_type


def test_xuexi_points_schema_is_an_integer() -> None:
    points = schema_for(XuexiPointsRecordedV1)["properties"]["points"]
    assert points["type"] == "integer"
    assert points["minimum"] == 0
    assert "hours" not in schema_for(XuexiPointsRecordedV1)["properties"]


def test_new_event_snapshots_are_checked_in() -> None:
    for cls in (
        LegacyHoursImportedV1,
        HoursTransferredInV1,
        XuexiPointsRecordedV1,
        ClaimRevokedV1,
        CompletionVoidedV1,
        PaymentRefundedV1,
    ):
        path = snapshot_path(SNAPSHOT_DIR, cls.event_type)
        assert path.read_text(encoding="utf-8") == render_schema(schema_for(cls))
        schema = json.loads(path.read_text(encoding="utf-8"))
        assert schema["x-hourbank-topic"] == cls.topic
        if issubclass(cls, ReversalEvent):
            assert {"reverses_event_id", "reason"} <= set(schema["required"])


def test_required_subject_fields_everywhere() -> None:
    """Person-year facts name person, region, year, source and time; every other event
    names its subject (person or organisation) and when it happened."""
    for cls in EVENT_TYPES.values():
        required = set(schema_for(cls)["required"])
        if issubclass(cls, PersonYearEvent):
            assert {
                "person_id",
                "region_code",
                "study_year",
                "source_ref",
                "occurred_at",
            } <= required
        elif issubclass(cls, PersonEvent):
            assert {"person_id", "region_code", "occurred_at"} <= required
        else:
            assert issubclass(cls, OrganisationEvent)
            assert {"organisation_id", "region_code", "occurred_at"} <= required


def test_no_event_field_can_carry_a_national_id_number() -> None:
    """Field names are the contract's promise: nothing like an ID number is published."""
    forbidden = ("id_number", "national_id", "id_card", "identity_card", "sfz")
    for cls in EVENT_TYPES.values():
        for name in cls.model_fields:
            assert not any(word in name for word in forbidden), (cls.__name__, name)


def test_write_then_check_in_a_fresh_directory(tmp_path: Path) -> None:
    assert len(check_snapshots(tmp_path)) == len(EVENT_TYPES)
    written, refused = write_snapshots(tmp_path)
    assert refused == []
    assert len(written) == len(EVENT_TYPES)
    assert check_snapshots(tmp_path) == []
    assert write_snapshots(tmp_path) == ([], [])


def test_check_reports_missing_drifted_and_stale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--write", "--dir", str(tmp_path)]) == 0
    course = snapshot_path(tmp_path, CourseCompletedV1.event_type)
    drifted = json.loads(course.read_text(encoding="utf-8"))
    drifted["properties"]["course_id"]["description"] = "old wording"
    course.write_text(render_schema(drifted), encoding="utf-8")
    snapshot_path(tmp_path, ExamPassedV1.event_type).unlink()
    (tmp_path / "hourbank.learning.course.started.v1.json").write_text("{}\n", encoding="utf-8")

    capsys.readouterr()
    assert main(["--check", "--dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "hourbank.exam.exam.passed.v1: snapshot missing" in err
    assert "hourbank.learning.course.completed.v1: snapshot drifted" in err
    assert '-      "description": "old wording",' in err
    assert "INCOMPATIBLE" not in err
    assert "hourbank.learning.course.started.v1.json: snapshot of an unregistered" in err


def test_check_flags_an_incompatible_snapshot(tmp_path: Path) -> None:
    write_snapshots(tmp_path)
    course = snapshot_path(tmp_path, CourseCompletedV1.event_type)
    old = json.loads(course.read_text(encoding="utf-8"))
    old["properties"]["legacy_code"] = {"type": "string"}
    course.write_text(render_schema(old), encoding="utf-8")
    problems = check_snapshots(tmp_path)
    assert len(problems) == 2
    assert "INCOMPATIBLE" in problems[0]
    assert "legacy_code: property removed" in problems[0]


def test_write_refuses_incompatible_changes_unless_forced(tmp_path: Path) -> None:
    write_snapshots(tmp_path)
    course = snapshot_path(tmp_path, CourseCompletedV1.event_type)
    old = json.loads(course.read_text(encoding="utf-8"))
    old["properties"]["legacy_code"] = {"type": "string"}
    course.write_text(render_schema(old), encoding="utf-8")

    written, refused = write_snapshots(tmp_path)
    assert written == []
    assert len(refused) == 1
    assert "legacy_code: property removed" in refused[0]
    assert main(["--write", "--dir", str(tmp_path)]) == 1

    written, refused = write_snapshots(tmp_path, force=True)
    assert (written, refused) == ([course], [])
    assert check_snapshots(tmp_path) == []


def test_force_requires_write() -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--check", "--force"])
    assert caught.value.code == 2


# --- compatibility checker ------------------------------------------------------------


def test_identical_schemas_are_compatible() -> None:
    for cls in EVENT_TYPES.values():
        assert check_compatible(schema_for(cls), schema_for(cls)) == []


def test_added_optional_field_is_compatible() -> None:
    new = create_model(
        "CourseCompletedV1",
        __base__=CourseCompletedV1,
        platform=(str | None, Field(default=None, description="Platform the course ran on.")),
    )
    assert "platform" in _schema(new)["properties"]
    assert check_compatible(_schema(CourseCompletedV1), _schema(new)) == []


CLAIM_APPROVED_ADDITIONS = ("leave_kind", "period_start", "period_end")
"""Optional ClaimApprovedV1 fields added for the ledger's policy rules (issue 3)."""


def test_claim_approved_additions_are_compatible_with_the_previous_schema() -> None:
    before = _without(ClaimApprovedV1, *CLAIM_APPROVED_ADDITIONS)
    old, new = _schema(before), schema_for(ClaimApprovedV1)
    assert set(new["properties"]) - set(old["properties"]) == set(CLAIM_APPROVED_ADDITIONS)
    assert set(new["required"]) == set(old["required"])
    assert check_compatible(old, new) == []
    # and the reverse direction is not: a consumer of the old schema loses the fields
    assert sorted(check_compatible(new, old)) == [
        f"{name}: property removed" for name in sorted(CLAIM_APPROVED_ADDITIONS)
    ]


def test_claim_approved_additions_are_optional_and_nullable() -> None:
    schema = schema_for(ClaimApprovedV1)
    for name in CLAIM_APPROVED_ADDITIONS:
        assert name not in schema["required"], name
        prop = schema["properties"][name]
        assert prop["default"] is None, name
        assert {"type": "null"} in prop["anyOf"], name


def test_added_enum_value_is_compatible() -> None:
    class WiderMode(StrEnum):
        """Exam modes plus one."""

        ONLINE = "online"
        OFFLINE = "offline"
        PROCTORED = "proctored"

    class Wider(ExamPassedV1):
        """ExamPassedV1 with one more exam mode."""

        exam_mode: WiderMode = Field(description="Exam mode.")  # type: ignore[assignment]

    assert check_compatible(_schema(ExamPassedV1), _schema(Wider)) == []


def test_removed_property_is_breaking() -> None:
    new = _without(CourseCompletedV1, "course_id")
    assert check_compatible(_schema(CourseCompletedV1), _schema(new)) == [
        "course_id: property removed"
    ]


def test_renamed_property_is_breaking() -> None:
    new = _without(
        CourseCompletedV1, "course_id", course_ref=(str, Field(description="Renamed course id."))
    )
    assert check_compatible(_schema(CourseCompletedV1), _schema(new)) == [
        "course_id: property removed (renamed? new properties: course_ref)",
        "course_ref: new required property",
    ]


def test_changed_type_is_breaking() -> None:
    class YearAsText(CourseCompletedV1):
        """study_year as a string."""

        study_year: str = Field(description="Year as text.")  # type: ignore[assignment]

    class HoursAsFloat(CourseCompletedV1):
        """hours as a JSON number."""

        hours: float = Field(description="Hours as a float.")  # type: ignore[assignment]

    old = _schema(CourseCompletedV1)
    assert check_compatible(old, _schema(YearAsText)) == [
        "study_year: type changed from ['integer'] to ['string']"
    ]
    assert check_compatible(old, _schema(HoursAsFloat)) == [
        "hours: type changed from ['string'] to ['number']"
    ]


def test_optional_becoming_nullable_or_not_is_a_type_change() -> None:
    class DaysNotNull(ClaimApprovedV1):
        """days no longer nullable, still defaulted."""

        days: int = Field(default=1, description="Days.")

    assert check_compatible(_schema(ClaimApprovedV1), _schema(DaysNotNull)) == [
        "days: type changed from ['integer', 'null'] to ['integer']"
    ]


def test_changed_format_is_breaking() -> None:
    class DateOnly(CourseCompletedV1):
        """occurred_at as a date."""

        occurred_at: date = Field(description="Day only.")  # type: ignore[assignment]

    assert check_compatible(_schema(CourseCompletedV1), _schema(DateOnly)) == [
        "occurred_at: format changed from 'date-time' to 'date'"
    ]


def test_removed_enum_value_is_breaking() -> None:
    class OnlineOnly(StrEnum):
        """Only online exams."""

        ONLINE = "online"

    class Narrower(ExamPassedV1):
        """ExamPassedV1 without offline exams."""

        exam_mode: OnlineOnly = Field(description="Exam mode.")  # type: ignore[assignment]

    assert check_compatible(_schema(ExamPassedV1), _schema(Narrower)) == [
        "exam_mode: enum values removed: ['offline']"
    ]


def test_new_required_property_is_breaking() -> None:
    new = create_model(
        "CourseCompletedV1",
        __base__=CourseCompletedV1,
        platform=(str, Field(description="Platform the course ran on.")),
    )
    assert check_compatible(_schema(CourseCompletedV1), _schema(new)) == [
        "platform: new required property"
    ]


def test_optional_property_becoming_required_is_breaking() -> None:
    class DaysRequired(ClaimApprovedV1):
        """days required."""

        days: int | None = Field(description="Days.")

    assert "days" in _schema(DaysRequired)["required"]
    assert check_compatible(_schema(ClaimApprovedV1), _schema(DaysRequired)) == [
        "days: property became required"
    ]


def test_tightened_pattern_and_bounds_are_breaking_widened_bounds_are_not() -> None:
    class ShandongOnly(CourseCompletedV1):
        """Regions restricted to Shandong."""

        region_code: Annotated[str, Field(pattern=r"^37[0-9]{4}$")] = Field(
            description="Shandong region."
        )

    class LaterYears(CourseCompletedV1):
        """study_year from 2010."""

        study_year: Annotated[int, Field(ge=2010, le=2100)] = Field(description="Year.")

    class MoreYears(CourseCompletedV1):
        """study_year up to 2200."""

        study_year: Annotated[int, Field(ge=2000, le=2200)] = Field(description="Year.")

    old = _schema(CourseCompletedV1)
    assert check_compatible(old, _schema(ShandongOnly)) == [
        "region_code: pattern changed from '^[1-9][0-9]{5}$' to '^37[0-9]{4}$'"
    ]
    assert check_compatible(old, _schema(LaterYears)) == [
        "study_year: minimum tightened from 2000 to 2010"
    ]
    assert check_compatible(old, _schema(MoreYears)) == []


def test_forbidding_extra_properties_is_breaking() -> None:
    class Open(BaseModel):
        """Allows extras."""

        model_config = ConfigDict(extra="allow")
        name: str = Field(description="Name.")

    class Closed(BaseModel):
        """Forbids extras."""

        model_config = ConfigDict(extra="forbid")
        name: str = Field(description="Name.")

    assert check_compatible(_schema(Open), _schema(Closed)) == [
        "<root>: additionalProperties now false"
    ]
    assert check_compatible(_schema(Closed), _schema(Open)) == []


def test_nested_models_are_compared_through_refs() -> None:
    class InnerOld(BaseModel):
        """Inner v1."""

        code: str = Field(description="Code.")
        note: str | None = Field(default=None, description="Note.")

    class InnerNew(BaseModel):
        """Inner v2."""

        code: int = Field(description="Code.")

    class OuterOld(BaseModel):
        """Outer v1."""

        inner: InnerOld = Field(description="Inner.")
        many: list[InnerOld] = Field(description="Several.")

    class OuterNew(BaseModel):
        """Outer v2."""

        inner: InnerNew = Field(description="Inner.")
        many: list[InnerNew] = Field(description="Several.")

    assert check_compatible(_schema(OuterOld), _schema(OuterNew)) == [
        "inner.code: type changed from ['string'] to ['integer']",
        "inner.note: property removed",
        "many[].code: type changed from ['string'] to ['integer']",
        "many[].note: property removed",
    ]
