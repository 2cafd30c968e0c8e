"""The ledger's Kafka consumer: decode, apply exactly once, acknowledge after commit.

faststream's default for Kafka acknowledges before the handler runs; here the offset is
committed only after the ledger's transaction (``AckPolicy.NACK_ON_ERROR``): a crash before
that redelivers the message, and the tracking record makes the redelivery a no-op. A message
that can never be applied is parked on the dead-letter topic and acknowledged, because a
nack would seek back to it forever: a record that cannot be decoded before the batch is
applied, a fact the ledger refuses (``domain/intake.py``: another region, a study year the
rules do not cover, a conflicting natural key) after the batch committed and before the
offsets are. A crash between the two redelivers the batch, and the ledger refuses a
redelivered refused fact again, so it is parked at least once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Sequence

from aiokafka import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from faststream.kafka.publisher.usecase import DefaultPublisher

from hourbank_common import consumers as metrics
from hourbank_common.healing import until_healed
from hourbank_common.logging import get_logger
from hourbank_contracts import Envelope, PoisonMessage, dead_letter_headers, from_kafka
from hourbank_ledger.application.ledger import (
    Decision,
    KafkaPosition,
    Ledger,
    Outcome,
    outcome_of,
)
from hourbank_ledger.domain.intake import Refusal

_LOGGER_NAME = "hourbank.ledger.consumer"
_log = get_logger(_LOGGER_NAME)


# Records per batch, at most. A batch is one transaction (Ledger.apply_batch), and what a
# transaction costs beyond its events (the table lock, the tracking records, the commit's
# WAL flush) is shared by every record in it, so under load larger batches are cheaper per
# record; the bound keeps the work that fails and is redelivered together, and the memory
# a batch holds, in proportion. getmany() returns what is there, so at a low rate a batch
# is small and latency does not grow (docs/benchmarks.md, "Hot-path changes").
MAX_BATCH = 2000


async def _raw_bodies(message: KafkaMessage) -> object:
    """Hand the handler the raw bytes; decoding is ours, so bad JSON cannot loop."""
    return message.body


async def _park(
    dead_letters: DefaultPublisher,
    record: ConsumerRecord[bytes, bytes],
    body: bytes,
    headers: list[tuple[str, bytes]],
    why: PoisonMessage | Refusal,
) -> None:
    reason, detail = (
        (why.reason, why.message) if isinstance(why, PoisonMessage) else (why.reason, why.detail)
    )
    await dead_letters.publish(
        body,
        key=record.key,
        headers={
            name: value.decode("utf-8", "replace")
            for name, value in dead_letter_headers(
                headers,
                reason,
                detail,
                record.topic,
                record.partition,
                record.offset,
            )
        },
    )
    metrics.dead_lettered(str(reason))
    _log.warning(
        "ledger.dead_lettered",
        reason=str(reason),
        detail=detail,
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        ce_id=_header(headers, "ce_id"),
        ce_type=_header(headers, "ce_type"),
    )


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
        decoder=_raw_bodies,
        # Batches, because a commit per message would make the commit, not the work, the
        # ledger's limit: the batch is applied in one transaction (Ledger.apply_batch).
        # getmany() returns as soon as records are there, so a small flow is not held back.
        batch=True,
        max_records=MAX_BATCH,
        batch_timeout_ms=100,
        title="ledger-consumer",
        description="Applies hour-bearing public events to the hour bank exactly once.",
    )
    async def apply_public_events(bodies: list[bytes], message: KafkaMessage) -> None:
        records = message.raw_message
        # A batch subscriber's raw message is the batch (a tuple; a list in TestKafkaBroker).
        assert isinstance(records, tuple | list)
        started = time.perf_counter()
        deliveries: list[tuple[Envelope, KafkaPosition]] = []
        originals: list[tuple[ConsumerRecord[bytes, bytes], bytes, list[tuple[str, bytes]]]] = []
        for record, body in zip(records, bodies, strict=True):
            position = KafkaPosition(record.topic, record.partition, record.offset)
            headers = list(record.headers or ())
            try:
                # Tolerant reader: a field added by a newer producer (allowed within a major
                # version) must not send its events to the dead-letter topic.
                envelope = from_kafka(record.key, body, headers, unknown_fields="ignore")
            except PoisonMessage as poison:
                await _park(dead_letters, record, body, headers, poison)
                continue
            deliveries.append((envelope, position))
            originals.append((record, body, headers))
        if not deliveries:
            metrics.batch_handled(len(records), ())
            return
        # eventsourcing is synchronous: run it in a worker thread, not on the loop. A
        # PostgreSQL restart is waited out here rather than nacked: nothing of a failed
        # transaction was written, and tracking makes a retry of a committed one a no-op.
        # Any other error nacks the batch, and its redelivery is settled the same way.
        decisions = await asyncio.to_thread(
            until_healed, lambda: ledger.apply_batch(deliveries), what="ledger batch"
        )
        for (record, body, headers), decision in zip(originals, decisions, strict=True):
            if isinstance(decision, Refusal):
                await _park(dead_letters, record, body, headers, decision)
        duration_ms = round((time.perf_counter() - started) * 1000, 2)
        _log_batch(deliveries, decisions, duration_ms)
        metrics.batch_handled(len(records), (outcome_of(d).value for d in decisions))

    return dead_letters


def _log_batch(
    deliveries: Sequence[tuple[Envelope, KafkaPosition]],
    decisions: Sequence[Decision],
    duration_ms: float,
) -> None:
    """One line per batch at INFO, one per message at DEBUG. Rendering a JSON line per
    message costs about as much CPU as applying the message, and the event store already
    keeps every applied fact with its ce_id; the batch line keeps the counts and the
    offsets, so a message can still be traced to the batch that applied it."""
    outcomes = [outcome_of(decision) for decision in decisions]
    counts = Counter(outcome.value for outcome in outcomes)
    offsets: dict[str, list[int]] = {}
    for _, position in deliveries:
        span = offsets.setdefault(f"{position.topic}:{position.partition}", [position.offset] * 2)
        span[0] = min(span[0], position.offset)
        span[1] = max(span[1], position.offset)
    _log.info(
        "ledger.batch",
        messages=len(deliveries),
        **{outcome.value: counts.get(outcome.value, 0) for outcome in Outcome},
        offsets={name: f"{low}-{high}" for name, (low, high) in offsets.items()},
        duration_ms=duration_ms,
    )
    if not logging.getLogger(_LOGGER_NAME).isEnabledFor(logging.DEBUG):
        return
    for (envelope, position), outcome in zip(deliveries, outcomes, strict=True):
        _log.debug(
            "ledger.message",
            ce_id=envelope.id,
            ce_type=envelope.type,
            **envelope.subject_ids(),
            correlation_id=envelope.correlation_id,
            outcome=outcome.value,
            topic=position.topic,
            partition=position.partition,
            offset=position.offset,
        )


def _header(headers: Sequence[tuple[str, bytes]], name: str) -> str | None:
    for key, value in headers:
        if key == name:
            return value.decode("utf-8", "replace")
    return None
