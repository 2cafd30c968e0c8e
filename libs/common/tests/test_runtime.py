"""Garbage-collector settings for long-running processes."""

from __future__ import annotations

import gc

from hourbank_common.runtime import ALLOCATION_HEAVY_THRESHOLDS, settle_startup_objects


def test_settling_startup_objects_freezes_them_and_tunes_heavy_processes() -> None:
    before = gc.get_threshold()
    try:
        settle_startup_objects()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == before  # an API keeps the default cadence
        settle_startup_objects(allocation_heavy=True)
        assert gc.get_threshold() == ALLOCATION_HEAVY_THRESHOLDS
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
