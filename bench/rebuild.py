"""Benchmark 2: rebuilding the read model from the ledger's event store.

The store is filled once, by the Ledger application itself (hour banks recording facts and
saved in chunks). Subject: the real rebuild command (``hourbank_ledger.entrypoints.rebuild``),
timed by its own ``rebuild.done`` line. Baseline, alternating with it: the live projector
process catching up on the same store from an empty read model, over its first
``baseline_rows`` rows (a full catch-up at the live rate would take most of the run).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from pydantic import SecretStr

from bench.harness import ROOT, Infra, alternate, log, ratios, series, service
from bench.projection import PROJECTOR, RowCounter, time_rows
from bench.workload import SOURCE, Workload, _event
from hourbank_common.settings import PostgresSettings
from hourbank_contracts import envelope_for, event_id_for
from hourbank_ledger.application.contract_facts import fact_from
from hourbank_ledger.bootstrap import build_ledger, build_view
from hourbank_ledger.domain.hour_bank import HourBank

SAVE_CHUNK = 500  # banks per save(): one transaction each


@dataclass
class RebuildBench:
    infra: Infra
    events: int
    persons: int
    baseline_rows: int
    timeout: float
    schema: str = ""

    def prepare(self) -> None:
        self.schema = self.infra.new_schema("store")
        settings = self.settings()
        ledger = build_ledger(settings)
        build_view(settings)  # the read model's tables, as the projector would make them
        log(f"b2: filling the event store with {self.events:,} facts of {self.persons:,} persons")
        started = time.perf_counter()
        workload = Workload(self.events, self.persons)
        persons = workload.person_ids()
        rng = random.Random("rebuild")  # noqa: S311 - a reproducible workload, not a secret
        per_person, extra = divmod(self.events, self.persons)
        banks: list[HourBank] = []
        number = 0
        for index, person in enumerate(persons):
            bank = HourBank(person)
            region, year = workload.region_year(index)
            for _ in range(per_person + (1 if index < extra else 0)):
                self._record(bank, rng, number, person, region, year)
                number += 1
            banks.append(bank)
            if len(banks) == SAVE_CHUNK:
                ledger.save(*banks)
                banks.clear()
        if banks:
            ledger.save(*banks)
        ledger.close()
        log(f"b2: store filled in {time.perf_counter() - started:.0f}s")

    @staticmethod
    def _record(
        bank: HourBank, rng: random.Random, number: int, person: UUID, region: str, year: int
    ) -> None:
        data = _event(rng, number, person, region, year, None)
        envelope = envelope_for(data, source=SOURCE, event_id=event_id_for(SOURCE, person, number))
        fact = fact_from(envelope)
        assert fact is not None
        bank.record(
            fact,
            study_year=data.study_year,
            region_code=data.region_code,
            event_type=envelope.type,
            source=envelope.source,
            source_ref=data.source_ref,
        )

    def settings(self) -> PostgresSettings:
        return PostgresSettings(
            database_url=SecretStr(self.infra.database_url), database_schema=self.schema
        )

    def env(self) -> dict[str, str]:
        return {"DATABASE_URL": self.infra.database_url, "DATABASE_SCHEMA": self.schema}

    def subject(self, number: int) -> dict[str, float]:
        completed = subprocess.run(  # noqa: S603 - our own entrypoint, fixed arguments
            [sys.executable, "-m", "hourbank_ledger.entrypoints.rebuild"],
            cwd=ROOT,
            env={**os.environ, **self.env(), "LOG_JSON": "true"},
            capture_output=True,
            text=True,
            timeout=self.timeout,
            check=False,
        )
        done = _rebuild_done(completed.stdout + completed.stderr)
        if completed.returncode != 0 or done is None:
            msg = f"rebuild failed ({completed.returncode}):\n{completed.stderr[-3000:]}"
            raise RuntimeError(msg)
        if int(done["events"]) != self.events:
            msg = f"rebuild replayed {done['events']} events, expected {self.events}"
            raise RuntimeError(msg)
        counter = RowCounter(self.infra.database_url, self.schema)
        try:
            rows = counter()
        finally:
            counter.close()
        if rows != self.events:
            msg = f"rebuild left {rows:,} rows for {self.events:,} facts"
            raise RuntimeError(msg)
        seconds = float(done["seconds"])
        return {"rate": self.events / seconds, "seconds": seconds}

    def baseline(self, number: int) -> dict[str, float]:
        build_view(self.settings()).clear()
        counter = RowCounter(self.infra.database_url, self.schema)
        try:
            with service("projector", PROJECTOR, self.env()) as projector:
                timing = time_rows(
                    counter,
                    self.baseline_rows,
                    alive=projector.assert_running,
                    timeout=self.timeout,
                    what="b2 baseline",
                )
        finally:
            counter.close()
        return {"rate": timing.rate, "rows": timing.rows}

    def run(self, pairs: int) -> dict[str, Any]:
        self.prepare()
        base, subj = alternate(pairs, self.baseline, self.subject, label="b2")
        return {
            "events": self.events,
            "persons": self.persons,
            "pairs": pairs,
            "rebuild_seconds": series(subj, "seconds"),
            "rebuild_rate": series(subj, "rate"),
            "live_projector_rate": series(base, "rate"),
            "live_projector_rows_measured": self.baseline_rows,
            "ratio_to_live": ratios(subj, base, "rate"),
            "load1": series([*base, *subj], "load1"),
            "runs": {"baseline": base, "subject": subj},
        }


def _rebuild_done(output: str) -> dict[str, Any] | None:
    for line in output.splitlines():
        if '"rebuild.done"' in line:
            parsed: dict[str, Any] = json.loads(line)
            return parsed
    return None
