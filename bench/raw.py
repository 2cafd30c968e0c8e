"""Baselines of benchmark 1, each in its own process like the subject's consumer and projector
(so its peak memory is its own): ``python -m bench.raw drain|pgwrite ...``.

Each prints one JSON line: seconds measured, the rate and the process's peak RSS. Start-up
(imports, connecting, generating the rows) is outside the measured window, as it is for the
subject, whose clock starts at its first queryable row.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time

import psycopg
from aiokafka import AIOKafkaConsumer
from psycopg import sql
from psycopg.types.json import Jsonb
from pydantic import SecretStr

from bench.harness import own_peak_rss_mib
from bench.workload import Workload
from hourbank_common.settings import PostgresSettings
from hourbank_ledger.bootstrap import build_view

BATCH = 1000


async def drain(bootstrap: str, topic: str, expected: int) -> dict[str, float]:
    """Read every record of ``topic`` with a bare aiokafka consumer: the transport's ceiling."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        max_partition_fetch_bytes=4 * 1024 * 1024,
    )
    await consumer.start()
    received = 0
    started: float | None = None
    try:
        while received < expected:
            batch = await consumer.getmany(timeout_ms=1000, max_records=10_000)
            if started is None and batch:
                started = time.perf_counter()
            received += sum(len(records) for records in batch.values())
        assert started is not None
        seconds = time.perf_counter() - started
    finally:
        await consumer.stop()
    return {"seconds": seconds, "events": received, "rate": received / seconds}


def pgwrite(database_url: str, schema: str, workload: Workload) -> dict[str, float]:
    """Write the rows the events project to, 1,000 per transaction with a pipelined
    executemany, into a table built by the real view's own DDL: the database's ceiling."""
    build_view(PostgresSettings(database_url=SecretStr(database_url), database_schema=schema))
    rows = [(*row[:7], Jsonb(row[7])) for row in workload.rows()]
    insert = sql.SQL("INSERT INTO {}.ledger_facts VALUES (%s, %s, %s, %s, %s, %s, %s, %s)").format(
        sql.Identifier(schema)
    )
    with psycopg.connect(database_url) as conn:
        started = time.perf_counter()
        for start in range(0, len(rows), BATCH):
            with conn.transaction(), conn.cursor() as cursor:
                cursor.executemany(insert, rows[start : start + BATCH])
        seconds = time.perf_counter() - started
    # Rated per *event*, like the subject: how fast the topic's events could become rows if
    # writing their rows were all there was to do.
    return {"seconds": seconds, "rows": len(rows), "rate": workload.events / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.raw")
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("drain")
    d.add_argument("--bootstrap", required=True)
    d.add_argument("--topic", required=True)
    d.add_argument("--expected", type=int, required=True)
    w = sub.add_parser("pgwrite")
    w.add_argument("--schema", required=True)
    w.add_argument("--events", type=int, required=True)
    w.add_argument("--persons", type=int, required=True)
    args = parser.parse_args()
    if args.command == "drain":
        result = asyncio.run(drain(args.bootstrap, args.topic, args.expected))
    else:
        # The URL (with its password) comes from the environment, not the command line.
        database_url = os.environ["DATABASE_URL"]
        result = pgwrite(database_url, args.schema, Workload(args.events, args.persons))
    result["peak_rss_mib"] = own_peak_rss_mib()
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
