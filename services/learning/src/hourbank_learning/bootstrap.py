"""Composition root of the learning service: the one place that builds real infrastructure.

Tests build the same objects with in-memory persistence and fakes instead.
"""

from __future__ import annotations

from eventsourcing.persistence import InfrastructureFactory, TrackingRecorder
from eventsourcing.utils import Environment

from hourbank_common.kafka import KafkaEnvelopePublisher
from hourbank_common.parked import parking_lot_for
from hourbank_common.postgres import ensure_schema, table_creation_lock
from hourbank_common.relay import OutboxRelay
from hourbank_common.settings import PostgresSettings, eventsourcing_env
from hourbank_learning.adapters.contracts import to_public_event
from hourbank_learning.adapters.kafka import build_publisher
from hourbank_learning.application.service import LearningApplication
from hourbank_learning.config import RelaySettings


def build_learning_application(settings: PostgresSettings) -> LearningApplication:
    url = settings.database_url.get_secret_value()
    ensure_schema(url, settings.database_schema)
    with table_creation_lock(url, settings.database_schema):
        return LearningApplication(env=eventsourcing_env(url, settings.database_schema))


def build_relay_position(settings: PostgresSettings) -> TrackingRecorder:
    """Where the relay records how far it published (table learning_relay_tracking)."""
    env = eventsourcing_env(settings.database_url.get_secret_value(), settings.database_schema)
    factory = InfrastructureFactory[TrackingRecorder].construct(Environment("learning_relay", env))
    with table_creation_lock(settings.database_url.get_secret_value(), settings.database_schema):
        return factory.tracking_recorder()


def build_relay(settings: RelaySettings) -> tuple[OutboxRelay, KafkaEnvelopePublisher]:
    publisher = build_publisher(settings.kafka_bootstrap_servers, settings.learning_topic)
    position = build_relay_position(settings)
    relay = OutboxRelay(
        build_learning_application(settings),
        position,
        publisher,
        to_public_event,
        batch_size=settings.relay_batch_size,
        broker=publisher.broker,
        parking=parking_lot_for(position, "learning-relay"),
    )
    return relay, publisher
