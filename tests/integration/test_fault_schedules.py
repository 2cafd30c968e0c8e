"""Seeded fault schedules (tests.support.chaos): nothing lost, nothing doubled, every process
back up by itself. A few schedules here (HOURBANK_CHAOS_SCHEDULES, 2); many with scripts/chaos.

A failing run prints the seed of each failed schedule; replay one with
``HOURBANK_CHAOS_SEED=<seed> HOURBANK_CHAOS_SCHEDULES=1`` or ``scripts/chaos --schedules 1
--seed <seed>``.
"""

from __future__ import annotations

import os

import pytest

from tests.support.chaos import run_schedules, settings_from


@pytest.mark.chaos
@pytest.mark.restarts_infra
@pytest.mark.timeout(int(os.environ.get("HOURBANK_CHAOS_SCHEDULES", "2")) * 300)
def test_seeded_fault_schedules_lose_and_double_nothing(
    kafka_bootstrap: str, database_url: str
) -> None:
    settings = settings_from(os.environ)
    report = run_schedules(settings, kafka_bootstrap=kafka_bootstrap, database_url=database_url)
    print(report.summary())
    assert len(report.results) == settings.schedules
    assert not report.failures, report.summary()
