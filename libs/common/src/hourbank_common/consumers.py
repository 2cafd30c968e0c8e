"""What a Kafka consumer process reports: its counters, its lag per partition, its liveness.

Metrics (every consumer process has one consumer, so no label names it; Prometheus adds the
pod's):

- ``hourbank_consumer_batches_total``, ``hourbank_consumer_records_total{outcome}``: what the
  handler did with each record (the service's outcomes, e.g. the ledger's ``applied`` or
  ``duplicate_event``; ``undecodable`` for a record that never reached the service);
- ``hourbank_consumer_dead_lettered_total{reason}``;
- ``hourbank_consumer_lag{topic,partition}``: the partition's highwater offset minus the
  group's committed offset, the records a restart would hand out again or has not yet handed
  out (the definition ``kafka-consumer-groups --describe`` uses); before the group first
  commits on a partition, minus the consumer's position instead.

``ConsumerWatch`` runs in the consumer's event loop beside faststream's subscriber tasks. Every
second it beats the process's heartbeat if every subscriber is running with a live consume
task (a dead consume loop stops the beats, and liveness then fails), and every few seconds it
refreshes the lag gauges from aiokafka (``highwater``, ``committed``, ``position``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter as Tally
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from prometheus_client import Counter, Gauge

from hourbank_common.health import Heartbeat
from hourbank_common.logging import get_logger

UNDECODABLE = "undecodable"
BEAT_SECONDS = 1.0
LAG_SECONDS = 5.0
# A committed-offset request waits for the group coordinator; with the broker away it must
# not hold the watch (and the heartbeat) for long.
LAG_QUERY_TIMEOUT_SECONDS = 2.0

CONSUMER_BATCHES = Counter("hourbank_consumer_batches", "Batches the consumer handled.")
CONSUMER_RECORDS = Counter(
    "hourbank_consumer_records", "Records the consumer handled, by outcome.", ["outcome"]
)
CONSUMER_DEAD_LETTERED = Counter(
    "hourbank_consumer_dead_lettered",
    "Records the consumer parked on its dead-letter topic, by reason.",
    ["reason"],
)
CONSUMER_LAG = Gauge(
    "hourbank_consumer_lag",
    "Records of a partition not yet committed by the consumer's group (highwater - committed).",
    ["topic", "partition"],
)
_log = get_logger("hourbank.consumer")


def batch_handled(records: int, outcomes: Iterable[str]) -> None:
    """One batch of ``records`` records, whose decoded ones ended in ``outcomes``; the rest
    were undecodable."""
    CONSUMER_BATCHES.inc()
    tally = Tally(outcomes)
    undecodable = records - sum(tally.values())
    if undecodable:
        tally[UNDECODABLE] += undecodable
    for outcome, count in tally.items():
        CONSUMER_RECORDS.labels(outcome).inc(count)


def dead_lettered(reason: str) -> None:
    CONSUMER_DEAD_LETTERED.labels(reason).inc()


class ConsumerWatch:
    """Liveness beats and lag gauges for the subscribers of a faststream broker.

    faststream keeps each subscriber's aiokafka consumer as ``subscriber.consumer`` and its
    consume loop in ``subscriber.tasks`` (``faststream/kafka/subscriber/usecase.py``); this
    reads both and changes neither.
    """

    def __init__(
        self,
        broker: Any,
        heartbeat: Heartbeat,
        *,
        beat_seconds: float = BEAT_SECONDS,
        lag_seconds: float = LAG_SECONDS,
        consuming: Callable[[], None] | None = None,
    ) -> None:
        self._broker = broker
        self._heartbeat = heartbeat
        self._on_consuming = consuming
        self._beat_seconds = beat_seconds
        self._lag_seconds = lag_seconds

    def consuming(self) -> bool:
        subscribers = list(self._broker.subscribers)
        return bool(subscribers) and all(
            getattr(subscriber, "running", False)
            and subscriber.consumer is not None
            and any(not task.done() for task in getattr(subscriber, "tasks", ()))
            for subscriber in subscribers
        )

    async def refresh_lag(self) -> None:
        for subscriber in list(self._broker.subscribers):
            consumer = subscriber.consumer
            if consumer is None:
                continue
            for partition in consumer.assignment():
                highwater = consumer.highwater(partition)
                if highwater is None:  # nothing fetched from it yet
                    continue
                done = await asyncio.wait_for(
                    consumer.committed(partition), LAG_QUERY_TIMEOUT_SECONDS
                )
                if done is None:
                    done = await asyncio.wait_for(
                        consumer.position(partition), LAG_QUERY_TIMEOUT_SECONDS
                    )
                CONSUMER_LAG.labels(partition.topic, str(partition.partition)).set(
                    max(highwater - done, 0)
                )

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        next_lag = loop.time()
        while True:
            if self.consuming():
                self._heartbeat.beat()
                if self._on_consuming is not None:
                    self._on_consuming()
                if loop.time() >= next_lag:
                    next_lag = loop.time() + self._lag_seconds
                    try:
                        await self.refresh_lag()
                    except Exception as error:  # noqa: BLE001 - the gauges keep their values
                        _log.debug("consumer.lag_unknown", error=type(error).__name__)
            await asyncio.sleep(self._beat_seconds)

    @contextlib.asynccontextmanager
    async def watching(self) -> AsyncIterator[None]:
        task = asyncio.create_task(self.run(), name="consumer-watch")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
