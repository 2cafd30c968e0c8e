"""Garbage-collector settings for long-running processes."""

from __future__ import annotations

import gc

from hourbank_common.runtime import settle_startup_objects


def test_settling_freezes_what_exists_and_keeps_the_default_cadence() -> None:
    thresholds = gc.get_threshold()
    try:
        settle_startup_objects()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == thresholds
    finally:
        gc.unfreeze()
