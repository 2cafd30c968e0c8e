"""The composition helper on in-memory persistence: applications, positions and views by name,
and the relay and projector a service builds on it (with their metrics)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import Tracking
from eventsourcing.popo import POPOTrackingRecorder
from eventsourcing.postgres import PostgresTrackingRecorder
from prometheus_client import REGISTRY

from hourbank_common.persistence import Persistence
from hourbank_common.projection import PagedProjector
from hourbank_common.relay import outbox_relay
from hourbank_common.settings import ServiceSettings
from hourbank_contracts import Envelope


class Note(Aggregate):
    @event("Written")
    def __init__(self, text: str) -> None:
        self.text = text


class Notes(Application[UUID]):
    name = "notes"

    def __init__(self, env: dict[str, str] | None = None, *, prefix: str = "") -> None:
        super().__init__(env=env)
        self.prefix = prefix

    def write(self, text: str) -> UUID:
        note = Note(self.prefix + text)
        self.save(note)
        return note.id


class SeenView(POPOTrackingRecorder):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seen: list[str] = []


class SeenProjection:
    name = "notes_seen"
    topics: Sequence[str] = ()

    def __init__(self, view: SeenView) -> None:
        self.view = view

    def project_page(self, domain_events: Sequence[object], tracking: Tracking) -> None:
        self.view.seen.extend(str(getattr(e, "text", "")) for e in domain_events)
        self.view.insert_tracking(tracking)


class Publisher:
    def __init__(self) -> None:
        self.published: list[Envelope] = []

    async def publish_all(self, envelopes: Sequence[Envelope]) -> None:
        self.published.extend(envelopes)


def _sample(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


def test_an_application_on_in_memory_persistence() -> None:
    persistence = Persistence.in_memory()
    notes = persistence.application(Notes, prefix="> ")
    note_id = notes.write("hello")
    assert notes.repository.get(note_id).text == "> hello"
    assert persistence.env() == {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    assert persistence.readiness_checks() == {}


def test_a_name_is_one_store_as_a_table_is() -> None:
    persistence = Persistence.in_memory()
    position = persistence.tracking_recorder("notes_relay")
    position.insert_tracking(Tracking("notes", 3))
    assert persistence.tracking_recorder("notes_relay").max_tracking_id("notes") == 3
    assert Persistence.in_memory().tracking_recorder("notes_relay").max_tracking_id("notes") is None
    kinds = {"postgres": PostgresTrackingRecorder, "in_memory": SeenView}
    view = persistence.view("notes_seen", **kinds)
    assert isinstance(view, SeenView)
    assert persistence.view("notes_seen", **kinds) is view
    with pytest.raises(TypeError, match="notes_relay"):
        persistence.view("notes_relay", **kinds)


def test_settings_without_a_database_need_a_persistence() -> None:
    given = Persistence.in_memory()
    assert Persistence.of(ServiceSettings(), given) is given
    with pytest.raises(TypeError, match="persistence="):
        Persistence.of(ServiceSettings(), None)


def test_a_relay_built_on_the_persistence_reports_position_and_lag() -> None:
    persistence = Persistence.in_memory()
    notes = persistence.application(Notes)
    for text in ("a", "b", "c"):
        notes.write(text)
    publisher = Publisher()
    relay = outbox_relay(
        persistence, notes, publisher, lambda _: None, line="notes-relay", batch_size=2
    )
    asyncio.run(relay.relay_batch())  # a full batch: the head is looked up
    assert _sample("hourbank_relay_position", relay="notes-relay") == 2
    assert _sample("hourbank_relay_head", relay="notes-relay") == 3
    assert _sample("hourbank_relay_lag", relay="notes-relay") == 1
    asyncio.run(relay.relay_batch())
    assert asyncio.run(relay.relay_batch()) is None
    assert _sample("hourbank_relay_position", relay="notes-relay") == 3
    assert _sample("hourbank_relay_lag", relay="notes-relay") == 0
    # Its position is the persistence's, by the relay's name.
    assert persistence.tracking_recorder("notes_relay").max_tracking_id("notes") == 3
    assert relay.parking.line == "notes-relay"


def test_a_projector_on_the_persistence_reports_position_and_lag() -> None:
    persistence = Persistence.in_memory()
    notes = persistence.application(Notes)
    view = persistence.view("notes_seen", postgres=PostgresTrackingRecorder, in_memory=SeenView)
    projector = PagedProjector(notes, [SeenProjection(view)], page_size=2)
    before = _sample("hourbank_projector_events_total", projection="notes_seen") or 0
    assert projector.run_once() == 0
    assert _sample("hourbank_projector_lag", projection="notes_seen") == 0
    for text in ("a", "b", "c"):
        notes.write(text)
    assert projector.run_once() == 3
    assert view.seen == ["a", "b", "c"]
    assert _sample("hourbank_projector_position", projection="notes_seen") == 3
    assert _sample("hourbank_projector_head", projection="notes_seen") == 3
    assert _sample("hourbank_projector_lag", projection="notes_seen") == 0
    assert _sample("hourbank_projector_events_total", projection="notes_seen") == before + 3
