"""Creating topics, producing and reading raw records on real Kafka in tests.

Brokers do not create topics on first use (``auto.create.topics.enable=false``, see
``hourbank_contracts.topics``): a test that gives its processes topic names of its own
creates every one of them first, with :func:`create_env_topics` or :func:`create_topics`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from typing import Protocol

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from hourbank_common.kafka import SAFE_PRODUCER_SETTINGS
from hourbank_common.kafka_topics import ensure_topics
from hourbank_contracts import EVENT_TOPIC_PARTITIONS, KafkaRecord, TopicSpec

# The variables through which processes are told their topics (the settings' fields).
_TOPIC_VARIABLES = ("LEARNING_TOPIC", "IDENTITY_TOPIC", "LEDGER_DEAD_LETTER_TOPIC")
_TOPIC_LIST_VARIABLES = ("LEDGER_TOPICS",)


async def create_topics(
    bootstrap: str, names: Sequence[str], partitions: int = EVENT_TOPIC_PARTITIONS
) -> None:
    """Create per-test topics like the defined ones (same partitions unless told)."""
    await ensure_topics(bootstrap, [TopicSpec(name, partitions) for name in names])


def env_topics(env: Mapping[str, str]) -> list[str]:
    """Every topic a process environment names: sources, relay targets, dead letters."""
    names: list[str] = []
    for variable in _TOPIC_LIST_VARIABLES:
        if variable in env:
            names.extend(json.loads(env[variable]))
    names.extend(env[variable] for variable in _TOPIC_VARIABLES if variable in env)
    return list(dict.fromkeys(names))


async def create_env_topics(
    bootstrap: str, env: Mapping[str, str], partitions: int = EVENT_TOPIC_PARTITIONS
) -> list[str]:
    """Create every topic ``env`` names, the dead-letter topic with the sources' partition
    count (as in the definition); returns the names."""
    names = env_topics(env)
    await create_topics(bootstrap, names, partitions)
    return names


async def produce(bootstrap: str, topic: str, records: Sequence[KafkaRecord]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **SAFE_PRODUCER_SETTINGS)
    await producer.start()
    try:
        futures = [
            await producer.send(topic, value=r.value, key=r.key, headers=list(r.headers))
            for r in records
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def read_all(
    bootstrap: str, topic: str, expected: int, timeout: float
) -> list[ConsumerRecord]:
    """Read ``topic`` from the beginning until ``expected`` records arrived or the deadline."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    records: list[ConsumerRecord] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    try:
        while len(records) < expected and loop.time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for partition_records in batch.values():
                records.extend(partition_records)
    finally:
        await consumer.stop()
    return records


async def delete_topics(bootstrap: str, names: Sequence[str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.delete_topics(list(names))
    finally:
        await admin.close()


async def read_to_end(bootstrap: str, topic: str, timeout: float) -> list[ConsumerRecord]:
    """Every record on ``topic`` up to the end offsets it has once this reader is assigned."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    fetched: list[ConsumerRecord] = []
    try:
        # Without a group every partition of the topic is assigned, once its metadata came.
        while not consumer.assignment():
            if loop.time() > deadline:
                raise TimeoutError(f"no partitions of {topic} within {timeout}s")
            for partition_records in (await consumer.getmany(timeout_ms=100)).values():
                fetched.extend(partition_records)
        partitions = sorted(consumer.assignment())
        ends = await consumer.end_offsets(partitions)
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            if loop.time() > deadline:
                raise TimeoutError(f"could not read {topic} to its end within {timeout}s")
            for partition_records in (await consumer.getmany(timeout_ms=500)).values():
                fetched.extend(partition_records)
    finally:
        await consumer.stop()
    return [r for r in fetched if r.offset < ends.get(TopicPartition(r.topic, r.partition), 0)]


class Sendable(Protocol):
    """What ``republish`` needs of a record (a ConsumerRecord has it)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


async def republish(bootstrap: str, records: Sequence[Sendable]) -> None:
    """Send copies of ``records``, in the order given, each to its own topic and partition
    (the same key, value and headers: to a consumer, a redelivery)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **SAFE_PRODUCER_SETTINGS)
    await producer.start()
    try:
        futures = [
            await producer.send(
                r.topic,
                value=r.value,
                key=r.key,
                partition=r.partition,
                headers=list(r.headers),
            )
            for r in records
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
