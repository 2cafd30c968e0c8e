"""One abstract test case for the LedgerRecorder port, run against every implementation.

The ledger relies on two promises beyond eventsourcing's process recorder (see
``application/ledger_recorder.py``): several tracking records commit or roll back with the
events of one ``insert_events`` call, reached through ``Application.save(..., trackings=)``;
and the events of many aggregates are read at once.
"""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError, ProgrammingError, StoredEvent, Tracking

from hourbank_ledger.application.ledger import Ledger
from hourbank_ledger.application.ledger_recorder import LedgerRecorder
from hourbank_ledger.domain.hour_bank import HourBank


def stored(originator_id: UUID, version: int) -> StoredEvent:
    return StoredEvent(
        originator_id=originator_id, originator_version=version, topic="t", state=b"{}"
    )


class LedgerRecorderCases:
    """Subclasses provide a ``ledger`` fixture (the application, with its recorder)."""

    @pytest.fixture
    def recorder(self, ledger: Ledger) -> LedgerRecorder:
        return ledger.recorder

    def test_events_and_several_tracking_records_commit_together(
        self, recorder: LedgerRecorder
    ) -> None:
        aggregate = uuid4()
        recorder.insert_events(
            [stored(aggregate, 1), stored(aggregate, 2)],
            trackings=[Tracking("t:0", 3), Tracking("t:1", 5)],
        )
        assert [e.originator_version for e in recorder.select_events(aggregate)] == [1, 2]
        assert recorder.max_tracking_id("t:0") == 3
        assert recorder.max_tracking_id("t:1") == 5

    @pytest.mark.parametrize("refused", [Tracking("t:0", 3), Tracking("t:0", 2)])
    def test_one_position_not_above_the_recorded_one_writes_nothing(
        self, recorder: LedgerRecorder, refused: Tracking
    ) -> None:
        recorder.insert_events([], trackings=[Tracking("t:0", 3), Tracking("t:1", 5)])
        aggregate = uuid4()
        with pytest.raises(IntegrityError):
            recorder.insert_events([stored(aggregate, 1)], trackings=[Tracking("t:1", 9), refused])
        assert list(recorder.select_events(aggregate)) == []
        assert recorder.max_tracking_id("t:0") == 3
        assert recorder.max_tracking_id("t:1") == 5

    def test_a_conflicting_event_writes_no_tracking_record(self, recorder: LedgerRecorder) -> None:
        aggregate = uuid4()
        recorder.insert_events([stored(aggregate, 1)])
        with pytest.raises(IntegrityError):
            recorder.insert_events([stored(aggregate, 1)], trackings=[Tracking("t:0", 1)])
        assert recorder.max_tracking_id("t:0") is None

    def test_tracking_records_without_events_are_recorded(self, recorder: LedgerRecorder) -> None:
        # A batch of refused or ignored messages still moves its partitions on.
        recorder.insert_events([], trackings=[Tracking("t:0", 1), Tracking("t:1", 1)])
        assert recorder.max_tracking_id("t:0") == 1
        assert recorder.max_tracking_id("t:1") == 1

    def test_two_positions_of_one_name_in_one_call_are_refused(
        self, recorder: LedgerRecorder
    ) -> None:
        aggregate = uuid4()
        with pytest.raises(ProgrammingError):
            recorder.insert_events(
                [stored(aggregate, 1)], trackings=[Tracking("t:0", 2), Tracking("t:0", 1)]
            )
        assert list(recorder.select_events(aggregate)) == []
        assert recorder.max_tracking_id("t:0") is None

    def test_application_save_hands_the_tracking_records_to_the_recorder(
        self, ledger: Ledger
    ) -> None:
        person = uuid4()
        ledger.save(HourBank(person), trackings=[Tracking("t:0", 7), Tracking("t:2", 1)])
        assert ledger.recorder.max_tracking_id("t:0") == 7
        assert ledger.recorder.max_tracking_id("t:2") == 1
        assert ledger.get_bank(person) is not None
        with pytest.raises(IntegrityError):
            ledger.save(HourBank(uuid4()), trackings=[Tracking("t:0", 7)])

    def test_events_of_many_aggregates_in_version_order(self, recorder: LedgerRecorder) -> None:
        first, second, absent = uuid4(), uuid4(), uuid4()
        recorder.insert_events([stored(first, 1), stored(second, 1), stored(first, 2)])
        recorder.insert_events([stored(first, 3)])
        found = recorder.select_events_of_many([first, second, absent])
        assert sorted(found) == sorted([first, second])
        assert [e.originator_version for e in found[first]] == [1, 2, 3]
        assert [e.originator_version for e in found[second]] == [1]
        assert found[first][0] == stored(first, 1)
        assert recorder.select_events_of_many([]) == {}
