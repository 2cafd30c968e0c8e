"""Kafka plumbing with the settings a ledger needs, not aiokafka's defaults.

Producers: ``acks="all"`` and idempotence, so a retried send is neither lost nor duplicated by
the broker. Consumers: no auto-commit and an explicit offset reset, so an offset is committed
only after the consumer's own database commit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from faststream.kafka import KafkaBroker
from faststream.kafka.publisher.usecase import DefaultPublisher

from hourbank_contracts import ContractEvent, Envelope, to_kafka

SAFE_PRODUCER_SETTINGS: dict[str, Any] = {
    "acks": "all",
    "enable_idempotence": True,
    # Ordering per person matters (a credit before its reversal), so a retry must not
    # overtake an earlier batch; idempotence keeps this safe with several in flight.
    "linger_ms": 5,
}


def make_broker(bootstrap_servers: str, client_id: str, **kwargs: Any) -> KafkaBroker:
    """A faststream Kafka broker whose publishers use the safe producer settings."""
    return KafkaBroker(
        bootstrap_servers.split(","),
        client_id=client_id,
        # faststream's per-message "Received"/"Processed" lines go through our logging at
        # DEBUG: the services write one canonical line per message themselves.
        logger=logging.getLogger(f"hourbank.broker.{client_id}"),
        log_level=logging.DEBUG,
        **SAFE_PRODUCER_SETTINGS,
        **kwargs,
    )


class KafkaEnvelopePublisher:
    """Publishes contract envelopes, one faststream publisher per event type.

    The publisher objects also document the service in its AsyncAPI document (only
    publisher objects appear there, not ``broker.publish`` calls).
    """

    def __init__(
        self,
        broker: KafkaBroker,
        event_classes: Iterable[type[ContractEvent]],
        *,
        topic: str | None = None,
    ) -> None:
        self.broker = broker
        self._publishers: dict[str, DefaultPublisher] = {}
        for cls in event_classes:
            target = topic or cls.topic
            self._publishers[cls.event_type] = broker.publisher(
                target,
                title=f"{target}:{cls.event_type}",
                description=(
                    f"{(cls.__doc__ or cls.event_type).strip().splitlines()[0]} CloudEvents "
                    "binary mode: the data JSON is the value, ce_* attributes are headers, "
                    "the key is the subject's opaque id."
                ),
                schema=cls,
                include_in_schema=True,
            )

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
