"""The outbox relay against in-memory persistence and a fake publisher."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from hourbank_common.persistence import Persistence
from hourbank_common.settings import ServiceSettings
from hourbank_contracts import CourseCompletedV1, Envelope
from hourbank_learning.adapters.contracts import SOURCE, to_public_event
from hourbank_learning.application.service import LearningApplication, RecordCompletion
from hourbank_learning.bootstrap import Learning, bootstrap
from hourbank_learning.domain.completion import Subject


class FakePublisher:
    def __init__(self, fail_times: int = 0) -> None:
        self.published: list[Envelope] = []
        self.fail_times = fail_times

    async def publish_all(self, envelopes: Sequence[Envelope]) -> None:
        if self.fail_times:
            self.fail_times -= 1
            raise ConnectionError("broker did not acknowledge")
        self.published.extend(envelopes)


def in_memory() -> Learning:
    return bootstrap(ServiceSettings(), persistence=Persistence.in_memory())


def record(app: LearningApplication, count: int) -> None:
    for number in range(count):
        app.record_completion(
            RecordCompletion(
                person_id=uuid4(),
                course_id=f"C{number}",
                study_year=2025,
                subject=Subject.PROFESSIONAL,
                hours=Decimal("1.5"),
                region_code="370400",
                completed_at=datetime(2025, 6, 1, tzinfo=UTC),
            )
        )


def test_translation_to_the_public_contract() -> None:
    app = in_memory().application
    record(app, 1)
    domain_event = app.mapper.to_domain_event(app.recorder.select_notifications(1, 1)[0])
    envelope = to_public_event(domain_event)
    assert envelope is not None
    assert isinstance(envelope.data, CourseCompletedV1)
    assert envelope.type == CourseCompletedV1.event_type
    assert envelope.source == SOURCE
    assert envelope.data.hours == Decimal("1.5")
    assert envelope.data.region_code == "370400"
    # Deterministic: translating the same stored event again gives the same ce_id.
    again = to_public_event(domain_event)
    assert again is not None
    assert again.id == envelope.id


def test_relay_publishes_in_batches_and_records_its_position() -> None:
    learning = in_memory()
    record(learning.application, 5)
    publisher = FakePublisher()
    relay = learning.outbox.relay(publisher, batch_size=2)

    async def drain() -> None:
        while await relay.relay_batch() is not None:
            pass

    asyncio.run(drain())
    assert len(publisher.published) == 5
    assert len({e.id for e in publisher.published}) == 5
    assert relay.position() == 5


def test_position_does_not_move_when_the_broker_does_not_acknowledge() -> None:
    learning = in_memory()
    record(learning.application, 3)
    publisher = FakePublisher(fail_times=1)
    relay = learning.outbox.relay(publisher, batch_size=10)
    with pytest.raises(ConnectionError):
        asyncio.run(relay.relay_batch())
    assert relay.position() == 0
    result = asyncio.run(relay.relay_batch())
    assert result is not None
    assert result.published == 3
    assert relay.position() == 3
