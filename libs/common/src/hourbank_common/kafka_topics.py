"""Creating topics explicitly, from their one definition (``hourbank_contracts.TOPICS``).

Brokers run with ``auto.create.topics.enable=false``: a topic gets the partitions and
retention it is defined with, or it does not exist and its publisher fails loudly.
:func:`ensure_topics` is idempotent, so ``scripts/infra start`` runs it on every start:
it creates what is missing, adds partitions up to the definition and corrects topic
configuration that drifted. It never deletes and never shrinks (Kafka cannot remove
partitions): a topic with more partitions than defined is reported as an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import TopicAlreadyExistsError, for_code

from hourbank_contracts import TopicSpec


class TopicMismatch(Exception):
    """An existing topic cannot be brought to its definition without deleting it."""


@dataclass
class TopicChanges:
    """What :func:`ensure_topics` did, one line per change, for the caller to print."""

    created: list[str] = field(default_factory=list)
    partitions_added: list[str] = field(default_factory=list)
    reconfigured: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            *(f"created {line}" for line in self.created),
            *(f"added partitions: {line}" for line in self.partitions_added),
            *(f"reconfigured {line}" for line in self.reconfigured),
        ]


async def ensure_topics(
    bootstrap_servers: str,
    specs: Iterable[TopicSpec],
    *,
    replication_factor: int = 1,
    request_timeout_ms: int = 30_000,
) -> TopicChanges:
    """Make every topic in ``specs`` exist with its partitions and configuration."""
    wanted = {spec.name: spec for spec in specs}
    changes = TopicChanges()
    if not wanted:
        return changes
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers.split(","), request_timeout_ms=request_timeout_ms
    )
    await admin.start()
    try:
        existing = await _partition_counts(admin, list(wanted))
        missing = [spec for name, spec in wanted.items() if name not in existing]
        if missing:
            await _create(admin, missing, replication_factor, request_timeout_ms)
            changes.created.extend(
                f"{spec.name} ({spec.partitions} partitions)" for spec in missing
            )
        present = [spec for name, spec in wanted.items() if name in existing]
        await _add_partitions(admin, present, existing, changes)
        await _align_configs(admin, present, changes)
    finally:
        await admin.close()
    return changes


async def partition_counts(bootstrap_servers: str, names: Sequence[str]) -> dict[str, int]:
    """Partition count of each of ``names`` that exists (absent names are left out)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers.split(","))
    await admin.start()
    try:
        return await _partition_counts(admin, list(names))
    finally:
        await admin.close()


async def _partition_counts(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for topic in await admin.describe_topics(names):
        # UNKNOWN_TOPIC_OR_PARTITION (3) for a topic that does not exist; with automatic
        # creation off, asking for metadata does not create it.
        if topic["error_code"] == 0:
            counts[topic["topic"]] = len(topic["partitions"])
    return counts


async def _create(
    admin: AIOKafkaAdminClient,
    specs: list[TopicSpec],
    replication_factor: int,
    timeout_ms: int,
) -> None:
    response = await admin.create_topics(
        [
            NewTopic(
                spec.name,
                num_partitions=spec.partitions,
                replication_factor=replication_factor,
                topic_configs=dict(spec.config),
            )
            for spec in specs
        ],
        timeout_ms=timeout_ms,
    )
    for name, code, *message in response.topic_errors:
        if code == 0:
            continue
        error = for_code(code)
        # Two creators at once (parallel tests, two starts): the other one won.
        if error is TopicAlreadyExistsError:
            continue
        raise error(f"could not create topic {name}: {message[0] if message else ''}")


async def _add_partitions(
    admin: AIOKafkaAdminClient,
    specs: list[TopicSpec],
    existing: dict[str, int],
    changes: TopicChanges,
) -> None:
    too_many = [spec for spec in specs if existing[spec.name] > spec.partitions]
    if too_many:
        names = ", ".join(
            f"{spec.name} has {existing[spec.name]}, defined {spec.partitions}" for spec in too_many
        )
        raise TopicMismatch(
            f"topics with more partitions than defined (Kafka cannot remove partitions;"
            f" delete and recreate them): {names}"
        )
    grow = {
        spec.name: NewPartitions(spec.partitions)
        for spec in specs
        if existing[spec.name] < spec.partitions
    }
    if grow:
        await admin.create_partitions(grow)
        changes.partitions_added.extend(
            f"{name} {existing[name]} -> {new.total_count}" for name, new in grow.items()
        )


async def _align_configs(
    admin: AIOKafkaAdminClient, specs: list[TopicSpec], changes: TopicChanges
) -> None:
    configured = [spec for spec in specs if spec.config]
    if not configured:
        return
    responses = await admin.describe_configs(
        [
            ConfigResource(ConfigResourceType.TOPIC, spec.name, dict(spec.config))
            for spec in configured
        ]
    )
    current: dict[str, dict[str, str]] = {}
    for response in responses:
        for code, message, _type, name, entries in response.resources:
            if code:
                raise for_code(code)(f"could not read the configuration of {name}: {message}")
            current[name] = {entry[0]: entry[1] for entry in entries}
    drifted = [
        spec
        for spec in configured
        if any(current.get(spec.name, {}).get(k) != v for k, v in spec.config.items())
    ]
    if not drifted:
        return
    # AlterConfigs sets a topic's whole configuration; the definition is all of it.
    for response in await admin.alter_configs(
        [ConfigResource(ConfigResourceType.TOPIC, spec.name, dict(spec.config)) for spec in drifted]
    ):
        for code, message, _type, name in response.resources:
            if code:
                raise for_code(code)(f"could not configure topic {name}: {message}")
    changes.reconfigured.extend(
        f"{spec.name} ({', '.join(f'{k}={v}' for k, v in sorted(spec.config.items()))})"
        for spec in drifted
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m hourbank_common.kafka_topics``: create or update every defined topic."""
    import argparse
    import asyncio
    import os
    import sys

    from hourbank_contracts import TOPICS

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument(
        "--bootstrap-servers",
        default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"),
        help="host:port[,host:port] (default: $KAFKA_BOOTSTRAP_SERVERS)",
    )
    parser.add_argument(
        "--replication-factor",
        type=int,
        default=1,
        help="replicas of each topic created now (1 for a single local broker)",
    )
    args = parser.parse_args(argv)
    if not args.bootstrap_servers:
        parser.error("give --bootstrap-servers or set KAFKA_BOOTSTRAP_SERVERS")
    try:
        changes = asyncio.run(
            ensure_topics(
                args.bootstrap_servers, TOPICS, replication_factor=args.replication_factor
            )
        )
    except TopicMismatch as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for line in changes.lines():
        print(f"kafka topics: {line}", file=sys.stderr)
    print(f"kafka topics: {len(TOPICS)} defined topics in place", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
