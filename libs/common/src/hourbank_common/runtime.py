"""Garbage-collector settings for long-running service processes.

Everything a process builds at startup (the app, its models and routes, policies, library
modules) lives until it exits, yet CPython's collector walks it again on every full
collection, pausing request handling and batches. Freezing it once startup is done takes it
out of the collector's sight. The thresholds stay at CPython's defaults: collecting less
often traded memory and long pauses for little throughput. The measurements behind both
choices are in docs/benchmarks.md ("Hot-path changes").
"""

from __future__ import annotations

import gc


def settle_startup_objects() -> None:
    """Call once startup is done: move what exists now out of the collector's sight."""
    gc.collect()
    gc.freeze()
