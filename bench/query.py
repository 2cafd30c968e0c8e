"""Benchmark 3: the hour-bank query at a fixed offered rate (open loop).

Subject: ``GET /v1/persons/{id}/years/{y}/hours`` and the 1,000-person ``POST /v1/hours/batch``
on the real ledger API process, over the read model benchmark 1 left (50,000 persons).
Baseline, alternating with each: ``/healthz`` of the same server at the same rate.

Open loop: request *i* is due at ``start + i / rate`` whether or not earlier ones have
answered, and its latency is counted from when it was due, so a slow server cannot slow the
load down and hide its own queueing (coordinated omission). The client is a minimal
HTTP/1.1 keep-alive client on asyncio streams, cheap enough to leave the CPU to the server.
"""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import dataclass
from typing import Any

from bench.harness import Infra, alternate, log, ratios, series, service
from bench.workload import Workload
from hourbank_common.auth import Principal, Role, TokenSigner, generate_signing_keypair
from tests.support.processes import free_port

API = "hourbank_ledger.entrypoints.http"
MAX_CONNECTIONS = 256


@dataclass(frozen=True)
class LoadResult:
    latencies_ms: list[float]
    errors: int
    seconds: float

    def summary(self) -> dict[str, float]:
        ordered = sorted(self.latencies_ms)

        def pct(p: float) -> float:
            return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

        return {
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
            "max_ms": ordered[-1],
            "throughput": len(ordered) / self.seconds,
            "requests": float(len(ordered)),
            "errors": float(self.errors),
        }


async def open_loop(port: int, requests: list[bytes], rate: float) -> LoadResult:
    """Send ``requests`` at ``rate`` per second, each on an idle keep-alive connection."""
    loop = asyncio.get_running_loop()
    idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    latencies: list[float] = []
    errors = 0
    opened = 0

    async def one(request: bytes, due: float) -> None:
        nonlocal errors, opened
        if idle.empty() and opened < MAX_CONNECTIONS:
            opened += 1
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        else:
            # Every connection busy: the request queues here, and its latency (counted
            # from when it was due) shows it.
            reader, writer = await idle.get()
        writer.write(request)
        status = await reader.readline()
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await reader.readexactly(length)
        latencies.append((loop.time() - due) * 1000)
        if not status.startswith(b"HTTP/1.1 200"):
            errors += 1
        idle.put_nowait((reader, writer))

    start = loop.time() + 0.05
    tasks = []
    for number, request in enumerate(requests):
        due = start + number / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)  # the schedule itself: open loop
        tasks.append(asyncio.create_task(one(request, due)))
    await asyncio.gather(*tasks)
    seconds = loop.time() - start
    while not idle.empty():
        idle.get_nowait()[1].close()
    return LoadResult(latencies, errors, seconds)


def get(path: str, token: str) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n"
    ).encode()


def post(path: str, token: str, body: dict[str, Any]) -> bytes:
    payload = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


@dataclass
class QueryBench:
    infra: Infra
    workload: Workload
    schema: str
    rate: float
    seconds: float
    batch_rate: float
    batch_seconds: float

    def run(self, pairs: int) -> dict[str, Any]:
        keys = generate_signing_keypair()
        principal = Principal(subject="bench", role=Role.TITLE_CLIENT, region_code="370000")
        token = TokenSigner(keys.private_pem).access_token(principal)
        port = free_port()
        env = {
            "DATABASE_URL": self.infra.database_url,
            "DATABASE_SCHEMA": self.schema,
            "HTTP_PORT": str(port),
            "AUTH_JWT_PUBLIC_KEY": keys.public_pem,
        }
        rng = random.Random("query")  # noqa: S311 - a reproducible workload, not a secret
        persons = self.workload.person_ids()
        zaozhuang = [
            p for i, p in enumerate(persons) if self.workload.region_year(i)[0] == "370400"
        ]

        def hours_request() -> bytes:
            index = rng.randrange(len(persons))
            region, year = self.workload.region_year(index)
            return get(f"/v1/persons/{persons[index]}/years/{year}/hours?region={region}", token)

        def batch_request() -> bytes:
            chosen = rng.sample(zaozhuang, 1000)
            body = {"study_year": 2024, "region": "370400", "person_ids": [str(p) for p in chosen]}
            return post("/v1/hours/batch", token, body)

        health = get("/healthz", token)
        count = int(self.rate * self.seconds)
        batch_count = int(self.batch_rate * self.batch_seconds)

        def measure(requests: list[bytes], rate: float) -> dict[str, float]:
            result = asyncio.run(open_loop(port, requests, rate)).summary()
            if result["errors"]:
                msg = f"b3: {result['errors']:.0f} requests did not answer 200"
                raise RuntimeError(msg)
            return result

        with service("ledger-api", API, env) as api:
            api.wait_healthy(f"http://127.0.0.1:{port}")
            # Warm-up (connections, the policy cache, the view's prepared statements).
            measure([hours_request() for _ in range(int(self.rate))], self.rate)
            measure([batch_request() for _ in range(3)], self.batch_rate)
            log(f"b3: single query at {self.rate:.0f}/s for {self.seconds:.0f}s per run")
            single = alternate(
                pairs,
                lambda _: measure([health] * count, self.rate),
                lambda _: measure([hours_request() for _ in range(count)], self.rate),
                label="b3 single",
            )
            log(f"b3: 1,000-person batch at {self.batch_rate:.0f}/s per run")
            batch = alternate(
                pairs,
                lambda _: measure([health] * batch_count, self.batch_rate),
                lambda _: measure([batch_request() for _ in range(batch_count)], self.batch_rate),
                label="b3 batch",
            )
        return {
            "rate": self.rate,
            "seconds_per_run": self.seconds,
            "batch_rate": self.batch_rate,
            "batch_seconds_per_run": self.batch_seconds,
            "pairs": pairs,
            "single": _summarise(*single),
            "batch": _summarise(*batch),
        }


def _summarise(base: list[dict[str, float]], subj: list[dict[str, float]]) -> dict[str, Any]:
    return {
        "subject_p50_ms": series(subj, "p50_ms"),
        "subject_p99_ms": series(subj, "p99_ms"),
        "subject_throughput": series(subj, "throughput"),
        "healthz_p50_ms": series(base, "p50_ms"),
        "healthz_p99_ms": series(base, "p99_ms"),
        "healthz_throughput": series(base, "throughput"),
        "p99_ratio": ratios(subj, base, "p99_ms"),
        "load1": series([*base, *subj], "load1"),
        "runs": {"baseline": base, "subject": subj},
    }
