"""A plain-text summary of one run's results: each subject against its same-run baseline."""

from __future__ import annotations

from typing import Any


def _s(spread: dict[str, Any] | Any, digits: int = 0) -> str:
    if not isinstance(spread, dict):
        spread = {"median": spread.median, "low": spread.low, "high": spread.high}
    return (
        f"{spread['median']:,.{digits}f} ({spread['low']:,.{digits}f}–{spread['high']:,.{digits}f})"
    )


def summary(results: dict[str, Any]) -> str:
    """Median (min–max) over the pairs, per benchmark."""
    lines = ["", "== summary: median (min–max) over the pairs"]
    p = results.get("projection")
    if p and "error" not in p:
        lines += [
            f"1 projection events/s  subject {_s(p['subject_rate'])}",
            f"  raw drain {_s(p['drain_rate'])}  raw pg write {_s(p['pg_rate'])}",
            f"  subject / min(a, b) {_s(p['ratio_to_ceiling'], 3)}  (target ≥ 0.5)",
            "5 peak RSS MiB  " + "  ".join(f"{k} {_s(v)}" for k, v in p["memory_mib"].items()),
        ]
    r = results.get("rebuild")
    if r and "error" not in r:
        lines += [
            f"2 rebuild {r['events']:,} events: seconds {_s(r['rebuild_seconds'], 1)} (≤ 180)",
            f"  rate {_s(r['rebuild_rate'])}  live projector {_s(r['live_projector_rate'])}"
            f"  ratio {_s(r['ratio_to_live'], 2)} (≥ 1)",
        ]
    q = results.get("query")
    if q and "error" not in q:
        for kind, target in (("single", "≤ 10"), ("batch", "≤ 200")):
            x = q[kind]
            lines.append(
                f"3 query {kind}: p50 {_s(x['subject_p50_ms'], 1)} p99 {_s(x['subject_p99_ms'], 1)}"
                f" ms ({target}); /healthz p99 {_s(x['healthz_p99_ms'], 1)} ms;"
                f" throughput {_s(x['subject_throughput'], 1)}/s"
            )
    e = results.get("e2e")
    if e and "error" not in e:
        lines += [
            f"4 e2e at {e['rate']:.0f}/s: p50 {_s(e['subject_p50_ms'], 1)} p99 "
            f"{_s(e['subject_p99_ms'], 1)} ms; bare Kafka p99 {_s(e['bare_p99_ms'], 1)} ms;"
            f" p99 - bare {_s(e['p99_minus_bare_ms'], 1)} ms (≤ 100)",
        ]
    for name in ("projection", "rebuild", "query", "e2e"):
        if name in results and "error" in results[name]:
            lines.append(f"{name}: FAILED {results[name]['error']}")
    return "\n".join(lines)
