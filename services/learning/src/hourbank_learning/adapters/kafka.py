"""Kafka side of the relay: one faststream publisher per contract topic.

The publisher objects also document the service in its AsyncAPI document.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from faststream.kafka import KafkaBroker
from faststream.kafka.publisher.usecase import DefaultPublisher

from hourbank_common.kafka import make_broker
from hourbank_contracts import CourseCompletedV1, Envelope, to_kafka


class KafkaEnvelopePublisher:
    def __init__(self, broker: KafkaBroker, topic: str = CourseCompletedV1.topic) -> None:
        self.broker = broker
        self._course_completed: DefaultPublisher = broker.publisher(
            topic,
            title=f"{topic}:{CourseCompletedV1.event_type}",
            description=(
                "A person completed a platform course. CloudEvents binary mode: the data JSON "
                "is the value, ce_* attributes are headers, the key is the opaque person id."
            ),
            schema=CourseCompletedV1,
            include_in_schema=True,
        )
        self._publishers = {CourseCompletedV1.event_type: self._course_completed}

    async def publish_all(self, envelopes: Sequence[Envelope]) -> None:
        pending = []
        for envelope in envelopes:
            record = to_kafka(envelope)
            publisher = self._publishers[envelope.type]
            future = await publisher.publish(
                record.value,
                key=record.key,
                headers={name: value.decode() for name, value in record.headers},
                correlation_id=envelope.correlation_id or envelope.id,
                no_confirm=True,
            )
            pending.append(future)
        # Raises if any record was not acknowledged; the caller then keeps its position.
        await asyncio.gather(*pending)


def build_publisher(bootstrap_servers: str, topic: str) -> KafkaEnvelopePublisher:
    return KafkaEnvelopePublisher(
        make_broker(bootstrap_servers, client_id="learning-relay"), topic=topic
    )
