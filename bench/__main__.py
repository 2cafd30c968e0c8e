"""``python -m bench`` (or ``scripts/bench``): the ledger benchmark suite, docs/benchmarks.md.

Not part of the CI test command: it takes about 35 minutes at full size. ``--quick`` runs
every benchmark at a small size to check that the suite itself works.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.e2e import EndToEndBench
from bench.harness import Infra, log, machine, save
from bench.projection import ProjectionBench
from bench.query import QueryBench
from bench.rebuild import RebuildBench
from bench.report import summary
from bench.workload import Workload

ALL = ("projection", "rebuild", "query", "e2e")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke check")
    parser.add_argument("--only", choices=ALL, action="append", help="run only these")
    parser.add_argument("--pairs", type=int, default=5, help="baseline/subject pairs (≥ 5)")
    parser.add_argument(
        "--out", type=Path, default=None, help="JSON results (default bench/results/<time>.json)"
    )
    args = parser.parse_args()
    chosen = args.only or list(ALL)
    infra = Infra.from_env()
    results: dict[str, Any] = {
        "machine": machine(),
        "quick": args.quick,
        "pairs": args.pairs,
        "command": " ".join(["scripts/bench", *sys.argv[1:]]),
    }
    out = args.out or Path("bench/results") / f"{time.strftime('%Y%m%d-%H%M%S')}.json"
    log(f"run {infra.run_id}: {', '.join(chosen)}; machine {results['machine']}")
    quick = args.quick
    size = Workload(20_000, 5_000) if quick else Workload(200_000, 50_000)
    projection = ProjectionBench(infra, size, timeout=1800)

    def query() -> dict[str, Any]:
        if projection.kept_schema is None:
            # The query needs a populated read model: project the workload once.
            projection.prepare()
            projection.subject(0, keep=True)
        assert projection.kept_schema is not None
        bench = QueryBench(
            infra,
            size,
            projection.kept_schema,
            rate=500,
            seconds=5 if quick else 20,
            batch_rate=2,
            batch_seconds=5 if quick else 30,
        )
        return bench.run(args.pairs)

    benchmarks: dict[str, Callable[[], dict[str, Any]]] = {
        "projection": lambda: projection.run(args.pairs),
        "rebuild": lambda: (
            RebuildBench(infra, 50_000, 12_500, baseline_rows=20_000, timeout=600)
            if quick
            else RebuildBench(infra, 1_000_000, 250_000, baseline_rows=100_000, timeout=900)
        ).run(args.pairs),
        "query": query,
        "e2e": lambda: EndToEndBench(infra, rate=1000, seconds=5 if quick else 30).run(args.pairs),
    }
    failed = []
    try:
        for name in chosen:
            try:
                results[name] = benchmarks[name]()
            except Exception as error:  # noqa: BLE001 - one failed benchmark must not hide the rest
                traceback.print_exc()
                results[name] = {"error": f"{type(error).__name__}: {error}"}
                failed.append(name)
            save(results, out)
    finally:
        infra.drop_schemas()
    results["load_at_end"] = [round(x, 2) for x in os.getloadavg()]
    save(results, out)
    print(summary(results), flush=True)
    log(f"results in {out}")
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
