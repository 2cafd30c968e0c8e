"""Garbage-collector settings for long-running service processes.

Everything a process builds at startup (the app, its models and routes, policies, library
modules) lives until it exits, yet CPython's collector walks it again on every full
collection. Measured on the ledger (docs/benchmarks.md): full collections paused the API for
60-90 ms several times a minute, and the consumer spent about a sixth of its time collecting.
"""

from __future__ import annotations

import gc

# Collections of the youngest generation start after this many net allocations (CPython's
# default is 700). A consumer allocates tens of objects per event; collecting every few
# events was measurable, and the objects of a batch die together when it is done.
ALLOCATION_HEAVY_THRESHOLDS = (20_000, 20, 20)


def settle_startup_objects(*, allocation_heavy: bool = False) -> None:
    """Call once startup is done: move what exists now out of the collector's sight
    (``gc.freeze``) and, for throughput processes, collect less often."""
    gc.collect()
    gc.freeze()
    if allocation_heavy:
        gc.set_threshold(*ALLOCATION_HEAVY_THRESHOLDS)
