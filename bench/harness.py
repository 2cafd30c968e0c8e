"""What every benchmark shares: alternating pairs, robust statistics, the machine, and the
infrastructure names of one run (fresh schemas and topics, so no one else's data is touched).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from tests.support.processes import ServiceProcess

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Infra:
    database_url: str
    kafka_bootstrap: str
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    schemas: list[str] = field(default_factory=list)

    @classmethod
    def from_env(cls) -> Infra:
        try:
            return cls(os.environ["DATABASE_URL"], os.environ["KAFKA_BOOTSTRAP_SERVERS"])
        except KeyError as missing:
            msg = f"{missing} is not set: run through scripts/bench, or eval scripts/infra env"
            raise SystemExit(msg) from None

    def topic(self, name: str) -> str:
        return f"bench.{self.run_id}.{name}"

    def new_schema(self, name: str) -> str:
        schema = f"bench_{self.run_id}_{name}_{len(self.schemas)}"
        self.schemas.append(schema)
        return schema

    def drop_schema(self, schema: str) -> None:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))

    def drop_schemas(self) -> None:
        for schema in self.schemas:
            self.drop_schema(schema)
        self.schemas.clear()

    def ledger_env(self, schema: str, topic: str, group: str) -> dict[str, str]:
        return {
            "DATABASE_URL": self.database_url,
            "DATABASE_SCHEMA": schema,
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap,
            "LEDGER_TOPICS": json.dumps([topic]),
            "LEDGER_GROUP_ID": group,
            "LEDGER_DEAD_LETTER_TOPIC": self.topic("dead-letter"),
        }


@dataclass(frozen=True)
class Spread:
    """Median and range of one series of measurements."""

    median: float
    low: float
    high: float
    values: tuple[float, ...]

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        return cls(statistics.median(values), min(values), max(values), tuple(values))

    def show(self, digits: int = 0) -> str:
        return f"{self.median:,.{digits}f} ({self.low:,.{digits}f}–{self.high:,.{digits}f})"


def alternate(
    pairs: int,
    baseline: Callable[[int], dict[str, float]],
    subject: Callable[[int], dict[str, float]],
    *,
    label: str,
) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    """Run baseline then subject ``pairs`` times, interleaved, so drift (a neighbour's load,
    a warming cache) falls on both sides alike; each call gets its pair number."""
    base_runs: list[dict[str, float]] = []
    subject_runs: list[dict[str, float]] = []
    for number in range(pairs):
        base = baseline(number)
        base["load1"] = os.getloadavg()[0]
        base_runs.append(base)
        done = subject(number)
        done["load1"] = os.getloadavg()[0]
        subject_runs.append(done)
        log(f"{label} pair {number + 1}/{pairs}: baseline {_brief(base)} | subject {_brief(done)}")
    return base_runs, subject_runs


def series(runs: list[dict[str, float]], key: str) -> Spread:
    return Spread.of([run[key] for run in runs])


def ratios(
    numerators: list[dict[str, float]],
    denominators: list[dict[str, float]],
    key: str,
    denominator_key: str | None = None,
) -> Spread:
    """Per-pair ratios (each subject run against the baseline run beside it)."""
    other = denominator_key or key
    return Spread.of([n[key] / d[other] for n, d in zip(numerators, denominators, strict=True)])


def _brief(run: dict[str, float]) -> str:
    return ", ".join(f"{k}={v:,.2f}" for k, v in run.items())


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def peak_rss_mib(pid: int) -> float:
    """Peak resident set (VmHWM) of a live process, from /proc (no psutil in the lock file)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    msg = f"no VmHWM for pid {pid}"
    raise RuntimeError(msg)


def own_peak_rss_mib() -> float:
    return peak_rss_mib(os.getpid())


@contextmanager
def service(name: str, module: str, env: dict[str, str]) -> Iterator[ServiceProcess]:
    """A real service process, stopped (and its log removed) however the block ends."""
    process = ServiceProcess(name, module, {"LOG_LEVEL": "INFO", **env}).start()
    try:
        yield process
    finally:
        process.stop()
        Path(process._log.name).unlink(missing_ok=True)


def pid_of(process: ServiceProcess) -> int:
    assert process.process is not None
    return process.process.pid


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line),
        platform.processor() or "unknown",
    )
    mem_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "ram_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "load_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def save(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=_plain) + "\n")


def _plain(value: object) -> object:
    if isinstance(value, Spread):
        return asdict(value)
    raise TypeError(type(value).__name__)
