"""One abstract test case for the HourBankView port, run against every implementation."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from hourbank_ledger.application.read_model import EntryRow, HourBankView


def row(person_id, entry_id: str, subject: str, hours: str, year: int = 2025, day: int = 1):  # type: ignore[no-untyped-def]
    return EntryRow(
        entry_id=entry_id,
        person_id=person_id,
        event_type="hourbank.learning.course.completed.v1",
        source="/hourbank/learning",
        source_ref=f"completion:{entry_id}",
        region_code="370300",
        study_year=year,
        subject=subject,
        hours=Decimal(hours),
        occurred_at=datetime(year, 1, day, tzinfo=UTC),
    )


class HourBankViewCases:
    """Subclasses provide a ``view`` fixture."""

    def test_totals_and_pages(self, view: HourBankView) -> None:
        person = uuid4()
        view.add_entry(row(person, f"e1-{person}", "public", "2.5", day=1), Tracking("ledger", 1))
        view.add_entry(row(person, f"e2-{person}", "public", "1", day=2), Tracking("ledger", 2))
        view.add_entry(
            row(person, f"e3-{person}", "professional", "4", day=3), Tracking("ledger", 3)
        )
        view.add_entry(row(person, f"e4-{person}", "public", "9", year=2024), Tracking("ledger", 4))
        assert view.hours_by_subject(person, 2025) == {
            "public": Decimal("3.5"),
            "professional": Decimal(4),
        }
        first = view.entries(person, 2025, limit=2, offset=0)
        second = view.entries(person, 2025, limit=2, offset=2)
        assert first.total == second.total == 3
        assert [e.entry_id for e in first.entries + second.entries] == [
            f"e1-{person}",
            f"e2-{person}",
            f"e3-{person}",
        ]
        assert view.entries(person, 2025, limit=2, offset=10).total == 3
        assert view.max_tracking_id("ledger") == 4

    def test_a_tracked_position_is_not_written_twice(self, view: HourBankView) -> None:
        person = uuid4()
        view.add_entry(row(person, f"a-{person}", "public", "1"), Tracking("ledger", 1))
        with pytest.raises(IntegrityError):
            view.add_entry(row(person, f"b-{person}", "public", "1"), Tracking("ledger", 1))
        assert view.hours_by_subject(person, 2025) == {"public": Decimal(1)}

    def test_unknown_person_has_nothing(self, view: HourBankView) -> None:
        assert view.hours_by_subject(uuid4(), 2025) == {}
        assert view.entries(uuid4(), 2025, limit=10, offset=0).total == 0
