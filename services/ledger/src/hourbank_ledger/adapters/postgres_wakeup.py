"""Waking the projector when the ledger records events (PostgreSQL LISTEN/NOTIFY): shared
with identity's projector, in ``hourbank_common.projection``."""

from __future__ import annotations

from hourbank_common.projection import RecordedEventsWakeup, listening_to

__all__ = ["RecordedEventsWakeup", "listening_to"]
