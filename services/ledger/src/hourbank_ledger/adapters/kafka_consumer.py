"""The ledger's Kafka consumer: decode, apply exactly once, acknowledge after commit.

faststream's default for Kafka acknowledges before the handler runs; here the offset is
committed only after the ledger's transaction (``AckPolicy.NACK_ON_ERROR``): a crash before
that redelivers the message, and the tracking record makes the redelivery a no-op. A message
that can never be applied is parked on the dead-letter topic and acknowledged, because a
nack would seek back to it forever.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import structlog
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from faststream.kafka.publisher.usecase import DefaultPublisher

from hourbank_common.logging import get_logger
from hourbank_contracts import PoisonMessage, dead_letter_headers, from_kafka
from hourbank_ledger.application.ledger import KafkaPosition, Ledger

_log = get_logger("hourbank.ledger.consumer")


async def _raw_body(message: KafkaMessage) -> bytes:
    """Hand the handler the raw bytes; decoding is ours, so bad JSON cannot loop."""
    return message.body


def register_ledger_consumer(
    broker: KafkaBroker,
    ledger: Ledger,
    *,
    topics: Sequence[str],
    group_id: str,
    dead_letter_topic: str,
) -> DefaultPublisher:
    dead_letters: DefaultPublisher = broker.publisher(
        dead_letter_topic,
        title=f"{dead_letter_topic}:dead-letter",
        description=(
            "Messages the ledger could not apply: the original key, value and headers, plus "
            "dlq_reason, dlq_detail and dlq_original_topic/partition/offset headers."
        ),
    )

    @broker.subscriber(
        *topics,
        group_id=group_id,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        decoder=_raw_body,
        title="ledger-consumer",
        description="Applies hour-bearing public events to the hour bank exactly once.",
    )
    async def apply_public_event(body: bytes, message: KafkaMessage) -> None:
        record = message.raw_message
        assert not isinstance(record, tuple)  # single-message subscriber
        position = KafkaPosition(record.topic, record.partition, record.offset)
        started = time.perf_counter()
        headers = list(record.headers or ())
        try:
            # Tolerant reader: a field added by a newer producer (allowed within a major
            # version) must not send its events to the dead-letter topic.
            envelope = from_kafka(record.key, body, headers, unknown_fields="ignore")
        except PoisonMessage as poison:
            await dead_letters.publish(
                body,
                key=record.key,
                headers={
                    name: value.decode("utf-8", "replace")
                    for name, value in dead_letter_headers(
                        headers,
                        poison.reason,
                        str(poison),
                        record.topic,
                        record.partition,
                        record.offset,
                    )
                },
            )
            _log.warning(
                "ledger.dead_lettered",
                reason=poison.reason,
                detail=str(poison),
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                ce_id=_header(headers, "ce_id"),
                ce_type=_header(headers, "ce_type"),
            )
            return
        with structlog.contextvars.bound_contextvars(
            ce_id=envelope.id,
            ce_type=envelope.type,
            correlation_id=envelope.correlation_id,
            **envelope.subject_ids(),
        ):
            # eventsourcing is synchronous: run it in a worker thread, not on the loop.
            outcome = await asyncio.to_thread(ledger.apply, envelope, position)
            _log.info(
                "ledger.message",
                outcome=outcome.value,
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )

    return dead_letters


def _header(headers: Sequence[tuple[str, bytes]], name: str) -> str | None:
    for key, value in headers:
        if key == name:
            return value.decode("utf-8", "replace")
    return None
