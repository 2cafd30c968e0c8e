"""One abstract test case for the HourBankView port, run against every implementation."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from hourbank_ledger.application.read_model import FactRow, HourBankView
from hourbank_ledger.domain.fact_codec import encode_fact
from hourbank_ledger.domain.policy import Credit, CreditKind, Subject


def row(person_id: UUID, entry_id: str, hours: str, year: int = 2025) -> FactRow:
    fact = Credit(
        entry_id=entry_id,
        kind=CreditKind.PLATFORM_COURSE,
        subject=Subject.PUBLIC,
        hours=Decimal(hours),
        region_code="370300",
        study_year=year,
        occurred_at=datetime(year, 3, 1, tzinfo=UTC),
    )
    return FactRow(
        entry_id=entry_id,
        person_id=person_id,
        study_year=year,
        region_code="370300",
        event_type="hourbank.learning.course.completed.v1",
        source="/hourbank/learning",
        recorded_at=datetime(year, 3, 2, tzinfo=UTC),
        fact=encode_fact(fact),
    )


class HourBankViewCases:
    """Subclasses provide a ``view`` fixture."""

    def test_facts_per_person_and_year(self, view: HourBankView) -> None:
        alice, bob = uuid4(), uuid4()
        view.add_facts([row(alice, f"a1-{alice}", "2.5")], Tracking("ledger", 1))
        view.add_facts([row(alice, f"a2-{alice}", "1")], Tracking("ledger", 2))
        view.add_facts([row(alice, f"a3-{alice}", "9", year=2024)], Tracking("ledger", 3))
        view.add_facts([row(bob, f"b1-{bob}", "4")], Tracking("ledger", 4))
        found = view.facts_for([alice, bob, uuid4()], 2025)
        assert sorted(found) == sorted([alice, bob])
        assert [r.entry_id for r in found[alice]] == [f"a1-{alice}", f"a2-{alice}"]
        decoded = found[alice][0].decoded()
        assert isinstance(decoded, Credit)
        assert decoded.hours == Decimal("2.5")
        assert view.max_tracking_id("ledger") == 4

    def test_a_tracked_position_is_not_written_twice(self, view: HourBankView) -> None:
        person = uuid4()
        view.add_facts([row(person, f"a-{person}", "1")], Tracking("ledger", 1))
        with pytest.raises(IntegrityError):
            view.add_facts([row(person, f"b-{person}", "1")], Tracking("ledger", 1))
        assert [r.entry_id for r in view.facts_for([person], 2025)[person]] == [f"a-{person}"]

    def test_several_facts_in_one_transaction_with_the_last_position(
        self, view: HourBankView
    ) -> None:
        person = uuid4()
        rows = [row(person, f"m{n}-{person}", "1") for n in range(3)]
        view.add_facts(rows, Tracking("ledger", 3))
        assert len(view.facts_for([person], 2025)[person]) == 3
        assert view.max_tracking_id("ledger") == 3
        with pytest.raises(IntegrityError):
            view.add_facts([row(person, f"late-{person}", "1")], Tracking("ledger", 2))
        assert len(view.facts_for([person], 2025)[person]) == 3

    def test_clear_forgets_rows_and_positions(self, view: HourBankView) -> None:
        person = uuid4()
        view.add_facts([row(person, f"c-{person}", "1")], Tracking("ledger", 7))
        view.clear()
        assert view.facts_for([person], 2025) == {}
        assert view.max_tracking_id("ledger") is None

    def test_a_page_without_facts_still_moves_the_position(self, view: HourBankView) -> None:
        # A page of the event store may hold only events the read model does not show.
        view.add_facts([], Tracking("ledger", 40))
        assert view.max_tracking_id("ledger") == 40
        person = uuid4()
        view.add_facts([row(person, f"p-{person}", "1")], Tracking("ledger", 41))
        assert len(view.facts_for([person], 2025)[person]) == 1
