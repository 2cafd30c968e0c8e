"""The projector's paged loop: every fact once, positions that survive restarts, and a
projection of rare events that does not fall behind the facts around them."""

from __future__ import annotations

from uuid import uuid4

import pytest
from eventsourcing.persistence import Tracking

from hourbank_ledger.application.directory import DirectoryProjection, InMemoryPersonDirectory
from hourbank_ledger.application.ledger import KafkaPosition, Ledger
from hourbank_ledger.application.paged_projection import PagedProjector, project_available
from hourbank_ledger.application.read_model import HourBankProjection, InMemoryHourBankView
from services.ledger.tests.batches import apply_one
from services.ledger.tests.unit.test_affiliation import registered
from services.ledger.tests.unit.test_ledger import TOPIC, completion


def fill(ledger: Ledger, persons: int, facts_each: int, first_offset: int = 0) -> list[str]:
    """Record facts for new persons; returns their entry ids."""
    offset = first_offset
    ids = []
    for _ in range(persons):
        person = uuid4()
        for version in range(1, facts_each + 1):
            envelope = completion(person, "1", version=version)
            apply_one(ledger, envelope, KafkaPosition(TOPIC, 0, offset))
            ids.append(envelope.id)
            offset += 1
    return ids


def row_ids(view: InMemoryHourBankView) -> list[str]:
    return sorted(view._rows)


def test_pages_project_every_fact_once_and_end_at_the_newest_notification() -> None:
    ledger = Ledger()
    ids = fill(ledger, persons=7, facts_each=3)  # 7 Opened + 21 FactRecorded notifications
    view = InMemoryHourBankView()
    projected = project_available(ledger, HourBankProjection(view=view), page_size=4)
    assert projected == 21
    assert row_ids(view) == sorted(ids)
    assert view.max_tracking_id(Ledger.name) == ledger.recorder.max_notification_id() == 28


def test_a_second_catch_up_resumes_from_the_committed_position() -> None:
    ledger = Ledger()
    first = fill(ledger, persons=2, facts_each=2)
    view = InMemoryHourBankView()
    projection = HourBankProjection(view=view)
    assert project_available(ledger, projection) == 4
    assert project_available(ledger, projection) == 0  # nothing new: nothing written
    later = fill(ledger, persons=1, facts_each=3, first_offset=100)
    # A fresh projection object over the same view, as after a process restart.
    assert project_available(ledger, HourBankProjection(view=view), page_size=2) == 3
    assert row_ids(view) == sorted(first + later)


def test_the_directory_keeps_up_with_facts_it_does_not_show() -> None:
    ledger = Ledger()
    person = uuid4()
    apply_one(ledger, registered(person, "370402"), KafkaPosition("identity", 0, 0))
    fill(ledger, persons=5, facts_each=4)
    directory = InMemoryPersonDirectory()
    projection = DirectoryProjection(view=directory)
    assert project_available(ledger, projection, page_size=3) == 1
    # The position is at the newest notification even though the last 25 were facts, so
    # the next catch-up starts after them instead of reading them again.
    assert directory.max_tracking_id(Ledger.name) == ledger.recorder.max_notification_id()
    assert directory.scopes([person])[person].region_code == "370402"


def test_paged_rows_equal_the_rows_of_one_event_at_a_time() -> None:
    ledger = Ledger()
    fill(ledger, persons=6, facts_each=5)
    one_by_one = InMemoryHourBankView()
    projection = HourBankProjection(view=one_by_one)
    for notification in ledger.recorder.select_notifications(start=1, limit=1000):
        projection.project_page(
            [ledger.mapper.to_domain_event(notification)], Tracking(Ledger.name, notification.id)
        )
    paged = InMemoryHourBankView()
    project_available(ledger, HourBankProjection(view=paged), page_size=7)
    assert paged._rows == one_by_one._rows
    assert paged.max_tracking_id(Ledger.name) == one_by_one.max_tracking_id(Ledger.name)


def test_the_projector_catches_every_projection_up() -> None:
    ledger = Ledger()
    person = uuid4()
    apply_one(ledger, registered(person, "370302"), KafkaPosition("identity", 0, 0))
    ids = fill(ledger, persons=3, facts_each=2)
    view, directory = InMemoryHourBankView(), InMemoryPersonDirectory()
    projector = PagedProjector(
        ledger, [HourBankProjection(view=view), DirectoryProjection(view=directory)]
    )
    assert projector.run_once() == 6 + 1
    assert projector.run_once() == 0
    newest = ledger.recorder.max_notification_id()
    assert projector.positions() == {"ledger_read_model": newest, "ledger_directory": newest}
    assert row_ids(view) == sorted(ids)


def test_an_empty_store_projects_nothing() -> None:
    view = InMemoryHourBankView()
    assert project_available(Ledger(), HourBankProjection(view=view)) == 0
    assert view.max_tracking_id(Ledger.name) is None


def test_a_page_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="page_size"):
        project_available(Ledger(), HourBankProjection(view=InMemoryHourBankView()), page_size=0)
