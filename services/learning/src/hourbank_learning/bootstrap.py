"""Composition root of the learning service: the one place that builds its infrastructure.

``bootstrap(settings)`` builds what learning's processes share on PostgreSQL; tests pass
``persistence=Persistence.in_memory()`` and fakes (a publisher) instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from hourbank_common.persistence import Persistence
from hourbank_common.relay import Outbox, OutboxRelay
from hourbank_common.settings import PostgresSettings, ServiceSettings
from hourbank_learning.adapters.contracts import to_public_event
from hourbank_learning.adapters.kafka import build_publisher
from hourbank_learning.application.service import LearningApplication
from hourbank_learning.config import RelaySettings

RELAY_LINE = "learning-relay"
"""The relay's name: its position and parked items are in ``learning_relay_tracking``."""


@dataclass(frozen=True)
class Learning:
    """What learning's processes run on: its application and where it is stored."""

    persistence: Persistence
    application: LearningApplication

    @property
    def outbox(self) -> Outbox:
        """What the relay publishes: the learning store's notification log as contracts."""
        return Outbox(self.persistence, self.application, to_public_event, RELAY_LINE)


def bootstrap(settings: ServiceSettings, *, persistence: Persistence | None = None) -> Learning:
    persistence = Persistence.of(settings, persistence)
    return Learning(persistence, persistence.application(LearningApplication))


def build_relay(settings: RelaySettings) -> OutboxRelay:
    """The relay process's work (``entrypoints/relay.py``, ``entrypoints/parked.py``)."""
    publisher = build_publisher(settings.kafka_bootstrap_servers, settings.learning_topic)
    return bootstrap(settings).outbox.relay(
        publisher, batch_size=settings.relay_batch_size, broker=publisher.broker
    )


def build_learning_application(settings: PostgresSettings) -> LearningApplication:
    """The API's application (``entrypoints/http.py``)."""
    return bootstrap(settings).application
