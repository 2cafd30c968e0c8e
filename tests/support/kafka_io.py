"""Creating topics, producing and reading raw records on real Kafka in tests.

Brokers do not create topics on first use (``auto.create.topics.enable=false``, see
``hourbank_contracts.topics``): a test that gives its processes topic names of its own
creates every one of them first, with :func:`create_env_topics` or :func:`create_topics`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord

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
