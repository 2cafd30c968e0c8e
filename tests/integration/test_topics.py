"""Topics exist because they were created from their one definition, not on first use.

``scripts/infra start`` (and the testcontainers fixture) create every topic of
``hourbank_contracts.TOPICS``; brokers run with ``auto.create.topics.enable=false``.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from hourbank_common.kafka_topics import TopicMismatch, ensure_topics, partition_counts
from hourbank_contracts import LEDGER_DEAD_LETTER_TOPIC, TOPICS, TopicSpec, topic_spec


async def _topic_configs(bootstrap: str, names: list[str]) -> dict[str, dict[str, str]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        responses = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, name) for name in names]
        )
    finally:
        await admin.close()
    return {
        name: {entry[0]: entry[1] for entry in entries}
        for response in responses
        for _code, _message, _type, name, entries in response.resources
    }


def test_every_defined_topic_exists_with_its_partitions_and_retention(
    kafka_bootstrap: str,
) -> None:
    names = [spec.name for spec in TOPICS]
    counts = asyncio.run(partition_counts(kafka_bootstrap, names))
    missing = sorted(set(names) - set(counts))
    assert not missing, (
        f"topics not created on {kafka_bootstrap}: {missing}; `scripts/infra start` creates"
        " them (or `python -m hourbank_common.kafka_topics` against another broker)"
    )
    assert counts == {spec.name: spec.partitions for spec in TOPICS}
    # The dead letters of a source partition land on the partition of the same number.
    assert counts[LEDGER_DEAD_LETTER_TOPIC] == topic_spec("hourbank.learning.events").partitions
    configs = asyncio.run(_topic_configs(kafka_bootstrap, names))
    for spec in TOPICS:
        assert {key: configs[spec.name][key] for key in spec.config} == spec.config, spec.name


def test_ensure_topics_creates_grows_and_corrects_but_never_shrinks(
    kafka_bootstrap: str,
) -> None:
    name = f"it.{uuid.uuid4().hex[:10]}.topics"
    spec = TopicSpec(name, 2, {"retention.ms": "-1", "cleanup.policy": "delete"})

    first = asyncio.run(ensure_topics(kafka_bootstrap, [spec]))
    assert first.created == [f"{name} (2 partitions)"]
    again = asyncio.run(ensure_topics(kafka_bootstrap, [spec]))
    assert again.lines() == []  # idempotent: scripts/infra runs it on every start

    grown = TopicSpec(name, 3, {"retention.ms": "86400000", "cleanup.policy": "delete"})
    changes = asyncio.run(ensure_topics(kafka_bootstrap, [grown]))
    assert changes.partitions_added == [f"{name} 2 -> 3"]
    assert len(changes.reconfigured) == 1
    assert asyncio.run(partition_counts(kafka_bootstrap, [name])) == {name: 3}
    assert asyncio.run(_topic_configs(kafka_bootstrap, [name]))[name]["retention.ms"] == (
        "86400000"
    )

    with pytest.raises(TopicMismatch, match=f"{name} has 3, defined 1"):
        asyncio.run(ensure_topics(kafka_bootstrap, [TopicSpec(name, 1)]))
