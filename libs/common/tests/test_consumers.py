"""A consumer process's counters, its lag per partition and its liveness beats, against a
fake of what faststream keeps (subscribers with an aiokafka consumer and a consume task)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiokafka import TopicPartition
from prometheus_client import REGISTRY

from hourbank_common import consumers
from hourbank_common.consumers import ConsumerWatch
from hourbank_common.health import Heartbeat


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@dataclass
class FakeKafkaConsumer:
    highwaters: dict[TopicPartition, int | None]
    committed_offsets: dict[TopicPartition, int | None]
    positions: dict[TopicPartition, int] = field(default_factory=dict)

    def assignment(self) -> set[TopicPartition]:
        return set(self.highwaters)

    def highwater(self, partition: TopicPartition) -> int | None:
        return self.highwaters[partition]

    async def committed(self, partition: TopicPartition) -> int | None:
        return self.committed_offsets[partition]

    async def position(self, partition: TopicPartition) -> int:
        return self.positions[partition]


@dataclass
class FakeSubscriber:
    consumer: FakeKafkaConsumer | None
    tasks: list[Any]
    running: bool = True


@dataclass
class FakeBroker:
    subscribers: list[FakeSubscriber]


class FakeClock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_batches_records_by_outcome_and_dead_letters_are_counted() -> None:
    batches = _sample("hourbank_consumer_batches_total")
    applied = _sample("hourbank_consumer_records_total", outcome="applied")
    undecodable = _sample("hourbank_consumer_records_total", outcome="undecodable")
    consumers.batch_handled(5, ["applied", "applied", "duplicate_event"])
    consumers.batch_handled(1, [])
    consumers.dead_lettered("other_region")
    assert _sample("hourbank_consumer_batches_total") == batches + 2
    assert _sample("hourbank_consumer_records_total", outcome="applied") == applied + 2
    assert _sample("hourbank_consumer_records_total", outcome="undecodable") == undecodable + 3
    assert _sample("hourbank_consumer_dead_lettered_total", reason="other_region") >= 1


def test_lag_is_highwater_minus_committed_or_the_position_before_a_commit() -> None:
    committed = TopicPartition("it.lag.learning", 0)
    uncommitted = TopicPartition("it.lag.learning", 1)
    unfetched = TopicPartition("it.lag.learning", 2)
    consumer = FakeKafkaConsumer(
        highwaters={committed: 120, uncommitted: 40, unfetched: None},
        committed_offsets={committed: 100, uncommitted: None, unfetched: None},
        positions={uncommitted: 10},
    )

    async def refresh() -> None:
        task = asyncio.create_task(asyncio.sleep(1))
        broker = FakeBroker([FakeSubscriber(consumer, [task])])
        await ConsumerWatch(broker, Heartbeat(10)).refresh_lag()
        task.cancel()

    asyncio.run(refresh())
    assert _sample("hourbank_consumer_lag", topic="it.lag.learning", partition="0") == 20
    assert _sample("hourbank_consumer_lag", topic="it.lag.learning", partition="1") == 30
    assert (
        REGISTRY.get_sample_value(
            "hourbank_consumer_lag", {"topic": "it.lag.learning", "partition": "2"}
        )
        is None
    )


def test_the_watch_beats_only_while_every_consume_loop_runs() -> None:
    clock = FakeClock()
    heartbeat = Heartbeat(timeout=5, clock=clock)

    async def watch() -> None:
        loop_task = asyncio.create_task(asyncio.sleep(60))
        subscriber = FakeSubscriber(FakeKafkaConsumer({}, {}), [loop_task])
        watcher = ConsumerWatch(FakeBroker([subscriber]), heartbeat, beat_seconds=0.01)
        async with watcher.watching():
            clock.now = 100
            await asyncio.sleep(0.05)
            assert heartbeat.age() == 0  # beating
            loop_task.cancel()  # the consume loop died
            await asyncio.sleep(0.05)
            clock.now = 200
            await asyncio.sleep(0.05)
            assert heartbeat.age() == 100  # no beat since
            assert not watcher.consuming()

    asyncio.run(watch())
