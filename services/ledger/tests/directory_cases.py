"""One abstract test case for the PersonDirectoryView port, run against every implementation."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from hourbank_common.auth import ResourceScope
from hourbank_ledger.application.directory import DirectoryEntry, PersonDirectoryView

APP = "ledger"


def entry(
    person_id: UUID,
    region: str = "370302",
    orgs: tuple[str, ...] = ("employer-1", "authority-1"),
    *,
    registration_id: str = "reg-1",
    month: int = 3,
) -> DirectoryEntry:
    return DirectoryEntry(
        person_id=person_id,
        region_code=region,
        organisation_ids=orgs,
        registration_id=registration_id,
        registered_at=datetime(2024, month, 1, tzinfo=UTC),
    )


class PersonDirectoryCases:
    """Subclasses provide a ``directory`` fixture."""

    def test_scopes_of_known_persons_in_one_lookup(self, directory: PersonDirectoryView) -> None:
        alice, bob, stranger = uuid4(), uuid4(), uuid4()
        directory.record_registrations([entry(alice)], Tracking(APP, 1))
        directory.record_registrations([entry(bob, "370402", ("employer-2",))], Tracking(APP, 2))
        found = directory.scopes([alice, bob, stranger])
        assert found == {
            alice: ResourceScope(alice, "370302", frozenset({"employer-1", "authority-1"})),
            bob: ResourceScope(bob, "370402", frozenset({"employer-2"})),
        }
        assert directory.max_tracking_id(APP) == 2

    def test_a_later_registration_replaces_an_earlier_one(
        self, directory: PersonDirectoryView
    ) -> None:
        person = uuid4()
        directory.record_registrations([entry(person, month=3)], Tracking(APP, 1))
        moved = entry(person, "370402", ("employer-9",), registration_id="reg-2", month=6)
        directory.record_registrations([moved], Tracking(APP, 2))
        assert directory.scopes([person])[person].region_code == "370402"
        assert directory.scopes([person])[person].organisation_ids == {"employer-9"}

    def test_an_earlier_registration_arriving_late_does_not_replace_the_current_one(
        self, directory: PersonDirectoryView
    ) -> None:
        person = uuid4()
        directory.record_registrations(
            [entry(person, "370402", registration_id="reg-2", month=6)], Tracking(APP, 1)
        )
        directory.record_registrations([entry(person, "370302", month=3)], Tracking(APP, 2))
        assert directory.scopes([person])[person].region_code == "370402"
        # The position is still recorded: the event was processed, it just changed nothing.
        assert directory.max_tracking_id(APP) == 2

    def test_a_tracked_position_is_not_written_twice(self, directory: PersonDirectoryView) -> None:
        person, other = uuid4(), uuid4()
        directory.record_registrations([entry(person)], Tracking(APP, 1))
        with pytest.raises(IntegrityError):
            directory.record_registrations([entry(other)], Tracking(APP, 1))
        assert directory.scopes([other]) == {}

    def test_an_empty_lookup_finds_nobody(self, directory: PersonDirectoryView) -> None:
        assert directory.scopes([]) == {}

    def test_a_page_of_registrations_in_one_transaction(
        self, directory: PersonDirectoryView
    ) -> None:
        alice, bob = uuid4(), uuid4()
        directory.record_registrations(
            [
                entry(alice, month=3),
                entry(bob, "370402", ("employer-2",)),
                # Alice again, later in the same page: the later registration wins.
                entry(alice, "370403", ("employer-3",), registration_id="reg-2", month=8),
            ],
            Tracking(APP, 30),
        )
        found = directory.scopes([alice, bob])
        assert found[alice].region_code == "370403"
        assert found[bob].region_code == "370402"
        assert directory.max_tracking_id(APP) == 30

    def test_a_page_without_registrations_still_moves_the_position(
        self, directory: PersonDirectoryView
    ) -> None:
        directory.record_registrations([], Tracking(APP, 500))
        assert directory.max_tracking_id(APP) == 500
        with pytest.raises(IntegrityError):
            directory.record_registrations([entry(uuid4())], Tracking(APP, 500))
