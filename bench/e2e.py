"""Benchmark 4: publish → queryable latency under a steady flow of events.

Subject: events published at a fixed rate (open loop) to the topic the real consumer and
projector processes follow; an event is queryable once the read model's position has
passed its ``FactRecorded`` notification (rows and position commit together). Baseline,
alternating with it: the same publisher at the same rate to a fresh topic, read back by a
bare aiokafka consumer (the Kafka round trip). Latency counts from when each event was
due, so a publisher that falls behind cannot hide it.
"""

from __future__ import annotations

import asyncio
import zlib
from dataclasses import dataclass
from typing import Any

import psycopg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from psycopg import sql

from bench.harness import Infra, Spread, alternate, log, ratios, series, service
from bench.projection import CONSUMER, PARTITIONS, PROJECTOR
from bench.workload import Workload
from hourbank_common.kafka import SAFE_PRODUCER_SETTINGS
from hourbank_contracts import KafkaRecord, to_kafka
from tests.support.kafka_io import create_env_topics, create_topics
from tests.support.ledger_db import FACT_RECORDED_TOPIC
from tests.support.waiting import wait_until

POLL_SECONDS = 0.005
DRAIN_DEADLINE = 120.0


def _percentiles(latencies_ms: list[float]) -> dict[str, float]:
    ordered = sorted(latencies_ms)
    return {
        "p50_ms": ordered[len(ordered) // 2],
        "p99_ms": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
        "max_ms": ordered[-1],
        "events": float(len(ordered)),
    }


async def publish_at_rate(
    producer: AIOKafkaProducer, topic: str, records: list[tuple[str, KafkaRecord]], rate: float
) -> dict[str, float]:
    """Send each record when it is due; returns each ce_id's due time (first publication)."""
    loop = asyncio.get_running_loop()
    due_at: dict[str, float] = {}
    pending = []
    start = loop.time() + 0.05
    for number, (ce_id, record) in enumerate(records):
        due = start + number / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)  # the schedule itself: open loop
        due_at.setdefault(ce_id, due)
        pending.append(
            await producer.send(
                topic, value=record.value, key=record.key, headers=list(record.headers)
            )
        )
    await asyncio.gather(*pending)
    return due_at


@dataclass
class EndToEndBench:
    infra: Infra
    rate: float
    seconds: float
    persons: int = 5_000

    def records(self, number: int, kind: str) -> list[tuple[str, KafkaRecord]]:
        # A seed per run and side: every run publishes events (and ce_ids) of its own.
        seed = zlib.crc32(f"{self.infra.run_id}:{kind}:{number}".encode())
        workload = Workload(int(self.rate * self.seconds), self.persons, seed=seed)
        return [(envelope.id, to_kafka(envelope)) for envelope in workload.envelopes()]

    async def _bare(self, number: int) -> dict[str, float]:
        topic = self.infra.topic(f"bare-{number}")
        await create_topics(self.infra.kafka_bootstrap, [topic], PARTITIONS)
        records = self.records(number, "bare")
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=self.infra.kafka_bootstrap,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            group_id=None,
        )
        producer = AIOKafkaProducer(
            bootstrap_servers=self.infra.kafka_bootstrap, **SAFE_PRODUCER_SETTINGS
        )
        await consumer.start()
        await producer.start()
        loop = asyncio.get_running_loop()
        arrived: dict[str, float] = {}
        expected = len({ce_id for ce_id, _ in records})

        async def receive() -> None:
            while len(arrived) < expected:
                batch = await consumer.getmany(timeout_ms=100)
                now = loop.time()
                for partition_records in batch.values():
                    for record in partition_records:
                        ce_id = dict(record.headers)["ce_id"].decode()
                        arrived.setdefault(ce_id, now)

        try:
            receiving = asyncio.create_task(receive())
            due_at = await publish_at_rate(producer, topic, records, self.rate)
            await asyncio.wait_for(receiving, DRAIN_DEADLINE)
        finally:
            await producer.stop()
            await consumer.stop()
        return _percentiles([(arrived[i] - due) * 1000 for i, due in due_at.items()])

    async def _ledger(self, number: int, topic: str, schema: str) -> dict[str, float]:
        records = self.records(number, "ledger")
        producer = AIOKafkaProducer(
            bootstrap_servers=self.infra.kafka_bootstrap, **SAFE_PRODUCER_SETTINGS
        )
        await producer.start()
        loop = asyncio.get_running_loop()
        queryable: dict[str, float] = {}
        expected = {ce_id for ce_id, _ in records}
        # New facts the read model's position has passed since the last probe.
        probe = sql.SQL(
            "SELECT e.notification_id, convert_from(e.state, 'UTF8')::jsonb ->> 'entry_id'"
            " FROM {schema}.ledger_events e WHERE e.topic = %s AND e.notification_id > %s"
            " AND e.notification_id <= (SELECT max(notification_id)"
            " FROM {schema}.ledger_read_model_tracking WHERE application_name = 'ledger')"
            " ORDER BY e.notification_id"
        ).format(schema=sql.Identifier(schema))
        conn = await psycopg.AsyncConnection.connect(self.infra.database_url, autocommit=True)
        last = (
            await (
                await conn.execute(
                    sql.SQL(
                        "SELECT coalesce(max(notification_id), 0) FROM {}.ledger_events"
                    ).format(sql.Identifier(schema))
                )
            ).fetchone()
        )[0]  # type: ignore[index]

        async def watch() -> None:
            nonlocal last
            while not expected <= queryable.keys():
                rows = await (await conn.execute(probe, (FACT_RECORDED_TOPIC, last))).fetchall()
                now = loop.time()
                for notification_id, entry_id in rows:
                    queryable.setdefault(entry_id, now)
                    last = notification_id
                await asyncio.sleep(POLL_SECONDS)  # a polling interval, not a wait

        try:
            watching = asyncio.create_task(watch())
            due_at = await publish_at_rate(producer, topic, records, self.rate)
            await asyncio.wait_for(watching, DRAIN_DEADLINE)
        finally:
            await producer.stop()
            await conn.close()
        return _percentiles([(queryable[i] - due) * 1000 for i, due in due_at.items()])

    def run(self, pairs: int) -> dict[str, Any]:
        topic = self.infra.topic("e2e")
        schema = self.infra.new_schema("e2e")
        env = self.infra.ledger_env(schema, topic, f"bench-e2e-{self.infra.run_id}")
        asyncio.run(create_env_topics(self.infra.kafka_bootstrap, env, PARTITIONS))
        log(f"b4: {self.rate:.0f} events/s for {self.seconds:.0f}s per run")
        with (
            service("consumer", CONSUMER, env) as consumer,
            service("projector", PROJECTOR, env) as projector,
        ):
            wait_until(
                lambda: _tables_exist(self.infra.database_url, schema),
                timeout=60,
                what="the ledger's tables",
            )
            # Warm-up run: processes started, tables created, connections pooled.
            asyncio.run(self._ledger(-1, topic, schema))

            def subject(number: int) -> dict[str, float]:
                consumer.assert_running()
                projector.assert_running()
                return asyncio.run(self._ledger(number, topic, schema))

            base, subj = alternate(pairs, lambda n: asyncio.run(self._bare(n)), subject, label="b4")
        return {
            "rate": self.rate,
            "seconds_per_run": self.seconds,
            "pairs": pairs,
            "subject_p50_ms": series(subj, "p50_ms"),
            "subject_p99_ms": series(subj, "p99_ms"),
            "bare_p50_ms": series(base, "p50_ms"),
            "bare_p99_ms": series(base, "p99_ms"),
            "p99_minus_bare_ms": _differences(subj, base, "p99_ms"),
            "p99_ratio": ratios(subj, base, "p99_ms"),
            "load1": series([*base, *subj], "load1"),
            "runs": {"baseline": base, "subject": subj},
        }


def _tables_exist(database_url: str, schema: str) -> bool:
    with psycopg.connect(database_url) as conn:
        found = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s"
            " AND table_name IN ('ledger_events', 'ledger_read_model_tracking')",
            (schema,),
        ).fetchone()
    return found is not None and found[0] == 2


def _differences(subject: list[dict[str, float]], base: list[dict[str, float]], key: str) -> Spread:
    return Spread.of([s[key] - b[key] for s, b in zip(subject, base, strict=True)])
