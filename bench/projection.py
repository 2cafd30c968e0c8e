"""Benchmark 1 (ledger projection) and 5 (peak memory of each process during it).

Subject: the real consumer and projector processes, on a fresh schema and consumer group,
turning a pre-filled topic into queryable ``ledger_facts`` rows. Baselines, alternating with
it: (a) a bare aiokafka drain of the same topic, (b) a batched PostgreSQL write of the same
rows. Exactly-once is checked after every subject run.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from aiokafka import AIOKafkaProducer
from psycopg import sql

from bench.harness import (
    ROOT,
    Infra,
    alternate,
    log,
    peak_rss_mib,
    pid_of,
    ratios,
    series,
    service,
)
from bench.workload import Workload
from hourbank_common.kafka import SAFE_PRODUCER_SETTINGS
from hourbank_contracts import KafkaRecord
from tests.support.kafka_io import create_topics
from tests.support.ledger_db import LedgerTables

CONSUMER = "hourbank_ledger.entrypoints.consumer"
PROJECTOR = "hourbank_ledger.entrypoints.projector"
PARTITIONS = 4


async def produce_all(bootstrap: str, topic: str, records: list[KafkaRecord]) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        **{**SAFE_PRODUCER_SETTINGS, "linger_ms": 20, "max_batch_size": 256 * 1024},
    )
    await producer.start()
    try:
        pending = [
            await producer.send(topic, value=r.value, key=r.key, headers=list(r.headers))
            for r in records
        ]
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


class RowCounter:
    """Counts the read model's rows over one kept connection (a probe every 0.2 s must not
    cost a connection set-up each time)."""

    def __init__(self, database_url: str, schema: str) -> None:
        self.conn = psycopg.connect(database_url, autocommit=True)
        self.query = sql.SQL("SELECT count(*) FROM {}.ledger_facts").format(sql.Identifier(schema))

    def __call__(self) -> int:
        try:
            row = self.conn.execute(self.query).fetchone()
        except psycopg.errors.UndefinedTable:
            return 0  # the projector has not created its table yet
        return int(row[0]) if row else 0

    def close(self) -> None:
        self.conn.close()


@dataclass(frozen=True)
class RowTiming:
    """When rows first appeared and when the target count was reached (perf_counter)."""

    first_at: float
    first_rows: int
    done_at: float
    rows: int

    @property
    def seconds(self) -> float:
        return self.done_at - self.first_at

    @property
    def rate(self) -> float:
        return (self.rows - self.first_rows) / self.seconds


def time_rows(
    counter: RowCounter, target: int, *, alive: Callable[[], None], timeout: float, what: str
) -> RowTiming:
    """Probe the row count until it reaches ``target``; the clock starts at the first row
    seen, so process start-up is not part of the measurement. ``alive`` raises if a process
    under test has died."""
    first: tuple[float, int] | None = None
    deadline = time.monotonic() + timeout
    while True:
        alive()
        rows = counter()
        now = time.perf_counter()
        if rows and first is None:
            first = (now, rows)
        if rows >= target:
            assert first is not None
            return RowTiming(first[0], first[1], now, rows)
        if time.monotonic() > deadline:
            msg = f"{what}: {rows:,}/{target:,} rows at the deadline"
            raise RuntimeError(msg)
        time.sleep(0.2)  # a polling interval, not a wait for a condition


@dataclass
class ProjectionBench:
    infra: Infra
    workload: Workload
    timeout: float
    topic: str = ""
    expected_rows: int = 0
    kept_schema: str | None = None

    def prepare(self) -> None:
        self.topic = self.infra.topic("events")
        log(f"b1: generating {self.workload.events:,} events for {self.workload.persons:,} persons")
        records = self.workload.records()
        self.expected_rows = self.workload.distinct_facts()
        # The dead-letter topic too: brokers do not create topics on first use.
        asyncio.run(
            create_topics(
                self.infra.kafka_bootstrap,
                [self.topic, self.infra.topic("dead-letter")],
                PARTITIONS,
            )
        )
        started = time.perf_counter()
        asyncio.run(produce_all(self.infra.kafka_bootstrap, self.topic, records))
        log(
            f"b1: topic {self.topic} filled ({len(records):,} records, "
            f"{self.expected_rows:,} distinct facts) in {time.perf_counter() - started:.1f}s"
        )

    def baseline(self, number: int) -> dict[str, float]:
        drain = _raw(
            "drain",
            "--bootstrap",
            self.infra.kafka_bootstrap,
            "--topic",
            self.topic,
            "--expected",
            str(self.workload.events),
        )
        schema = self.infra.new_schema("raw")
        try:
            write = _raw(
                "pgwrite",
                "--schema",
                schema,
                "--events",
                str(self.workload.events),
                "--persons",
                str(self.workload.persons),
            )
        finally:
            self.infra.drop_schema(schema)
        assert int(write["rows"]) == self.expected_rows
        return {
            "drain_rate": drain["rate"],
            "pg_rate": write["rate"],
            "ceiling": min(drain["rate"], write["rate"]),
            "drain_rss_mib": drain["peak_rss_mib"],
            "pgwrite_rss_mib": write["peak_rss_mib"],
        }

    def subject(self, number: int, *, keep: bool = False) -> dict[str, float]:
        schema = self.infra.new_schema("ledger")
        env = self.infra.ledger_env(schema, self.topic, f"bench-{self.infra.run_id}-{number}")
        counter = RowCounter(self.infra.database_url, schema)
        tables = LedgerTables(self.infra.database_url, schema)
        try:
            with (
                service("consumer", CONSUMER, env) as consumer,
                service("projector", PROJECTOR, env) as projector,
            ):

                def alive() -> None:
                    consumer.assert_running()
                    projector.assert_running()

                timing = time_rows(
                    counter,
                    self.expected_rows,
                    alive=alive,
                    timeout=self.timeout,
                    what="b1 subject",
                )
                memory = {
                    "consumer_rss_mib": peak_rss_mib(pid_of(consumer)),
                    "projector_rss_mib": peak_rss_mib(pid_of(projector)),
                }
                exactly_once = self._check_exactly_once(tables, consumer.assert_running)
        finally:
            counter.close()
            if keep:
                self.kept_schema = schema
            else:
                self.infra.drop_schema(schema)
        # Rated per event: the rows measured stand for their share of the topic's events.
        share = (self.expected_rows - timing.first_rows) / self.expected_rows
        return {
            "rate": self.workload.events * share / timing.seconds,
            "seconds": timing.seconds,
            **memory,
            "exactly_once": exactly_once,
        }

    def _check_exactly_once(self, tables: LedgerTables, alive: Any) -> float:
        """Every record consumed once, every distinct fact recorded and projected once."""
        deadline = time.monotonic() + 60
        while tables.consumed(self.topic) < self.workload.events:
            alive()
            if time.monotonic() > deadline:
                msg = "b1: consumer did not record every offset"
                raise RuntimeError(msg)
            time.sleep(0.2)
        checks = {
            "consumed": (tables.consumed(self.topic), self.workload.events),
            "recorded": (tables.recorded_facts(), self.expected_rows),
            "distinct": (tables.distinct_recorded_entries(), self.expected_rows),
            "rows": (tables.read_model_rows(), self.expected_rows),
        }
        wrong = {name: pair for name, pair in checks.items() if pair[0] != pair[1]}
        if wrong:
            msg = f"b1: exactly-once violated (found, expected): {wrong}"
            raise RuntimeError(msg)
        return 1.0

    def run(self, pairs: int) -> dict[str, Any]:
        self.prepare()
        last = pairs - 1
        base, subj = alternate(
            pairs,
            self.baseline,
            lambda n: self.subject(n, keep=n == last),
            label="b1",
        )
        return {
            "events": self.workload.events,
            "persons": self.workload.persons,
            "distinct_facts": self.expected_rows,
            "partitions": PARTITIONS,
            "pairs": pairs,
            "subject_rate": series(subj, "rate"),
            "drain_rate": series(base, "drain_rate"),
            "pg_rate": series(base, "pg_rate"),
            "ratio_to_ceiling": ratios(subj, base, "rate", "ceiling"),
            "ratio_to_drain": ratios(subj, base, "rate", "drain_rate"),
            "ratio_to_pg": ratios(subj, base, "rate", "pg_rate"),
            "memory_mib": {
                "consumer": series(subj, "consumer_rss_mib"),
                "projector": series(subj, "projector_rss_mib"),
                "raw_drain": series(base, "drain_rss_mib"),
                "raw_pgwrite": series(base, "pgwrite_rss_mib"),
            },
            "load1": series([*base, *subj], "load1"),
            "runs": {"baseline": base, "subject": subj},
        }


def _raw(*args: str) -> dict[str, float]:
    completed = subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "bench.raw", *args],
        cwd=ROOT,
        env=os.environ,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        msg = f"bench.raw {args[0]} failed:\n{completed.stderr[-3000:]}"
        raise RuntimeError(msg)
    result: dict[str, float] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result
