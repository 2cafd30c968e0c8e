"""Kafka side of learning's relay: the events it publishes, on its topic."""

from __future__ import annotations

from hourbank_common.kafka import KafkaEnvelopePublisher, make_broker
from hourbank_contracts import CourseCompletedV1

PUBLISHED_EVENTS = (CourseCompletedV1,)


def build_publisher(bootstrap_servers: str, topic: str) -> KafkaEnvelopePublisher:
    return KafkaEnvelopePublisher(
        make_broker(bootstrap_servers, client_id="learning-relay"), PUBLISHED_EVENTS, topic=topic
    )
