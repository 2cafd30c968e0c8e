"""Composition root of the ledger service: the one place that builds its infrastructure.

``bootstrap(settings)`` builds the ledger on PostgreSQL (in the city mode the settings name,
if they name one); its read views and its projector are built from it. Tests pass
``persistence=Persistence.in_memory()`` instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from eventsourcing.persistence import TrackingRecorder
from eventsourcing.utils import get_topic

from hourbank_common.persistence import Persistence
from hourbank_common.settings import PostgresSettings, ServiceSettings
from hourbank_ledger.adapters.postgres_directory import PostgresPersonDirectory
from hourbank_ledger.adapters.postgres_ledger_recorder import PostgresLedgerRecorder
from hourbank_ledger.adapters.postgres_view import PostgresHourBankView
from hourbank_ledger.application.directory import (
    DirectoryProjection,
    InMemoryPersonDirectory,
    PersonDirectoryView,
)
from hourbank_ledger.application.ledger import Ledger
from hourbank_ledger.application.paged_projection import PagedProjector
from hourbank_ledger.application.read_model import (
    HourBankProjection,
    HourBankView,
    InMemoryHourBankView,
)
from hourbank_ledger.config import LedgerRegionSettings
from hourbank_ledger.domain.intake import FactIntake
from hourbank_ledger.domain.policy import load_all_policies


@dataclass(frozen=True)
class LedgerService:
    """What the ledger's processes run on: the ledger and where it and its views are kept."""

    persistence: Persistence
    ledger: Ledger

    def view(self) -> HourBankView:
        return hour_bank_view(self.persistence)

    def directory(self) -> PersonDirectoryView:
        return person_directory(self.persistence)

    def projector(self) -> PagedProjector[TrackingRecorder]:
        """The projector process's work: the hour-bank read model and the person directory,
        each projected a page per transaction from the ledger's event store."""
        return PagedProjector(
            self.ledger,
            [HourBankProjection(view=self.view()), DirectoryProjection(view=self.directory())],
        )


def bootstrap(
    settings: ServiceSettings, *, persistence: Persistence | None = None
) -> LedgerService:
    """The ledger of the city ``settings.ledger_region_code``, or the provincial one (no
    region). The region only matters to what the ledger accepts, so the processes that only
    read it (the projector) need not name one."""
    persistence = Persistence.of(settings, persistence)
    region_code = (
        settings.ledger_region_code if isinstance(settings, LedgerRegionSettings) else None
    )
    return LedgerService(persistence, _ledger(persistence, region_code))


def _ledger(persistence: Persistence, region_code: str | None) -> Ledger:
    intake = FactIntake.of(region_code, load_all_policies())

    def ledger_on(env: dict[str, str]) -> Ledger:
        # The ledger's recorder on PostgreSQL (docs/adr/0011), named with eventsourcing's
        # setting for it; in memory the Ledger builds its own and this is not read.
        recorder = {"PROCESS_RECORDER_TOPIC": get_topic(PostgresLedgerRecorder)}
        return Ledger(env={**env, **recorder}, intake=intake)

    return persistence.application(ledger_on)


def hour_bank_view(persistence: Persistence) -> HourBankView:
    return persistence.view(
        HourBankProjection.name, postgres=PostgresHourBankView, in_memory=InMemoryHourBankView
    )


def person_directory(persistence: Persistence) -> PersonDirectoryView:
    return persistence.view(
        DirectoryProjection.name,
        postgres=PostgresPersonDirectory,
        in_memory=InMemoryPersonDirectory,
    )


# --- on PostgreSQL, one part at a time (the API, the rebuild, tests and benchmarks) ---------


def build_ledger(settings: PostgresSettings, *, region_code: str | None = None) -> Ledger:
    return _ledger(Persistence.postgres(settings), region_code)


def build_view(settings: PostgresSettings) -> PostgresHourBankView:
    view = hour_bank_view(Persistence.postgres(settings))
    assert isinstance(view, PostgresHourBankView)
    return view


def build_directory(settings: PostgresSettings) -> PostgresPersonDirectory:
    directory = person_directory(Persistence.postgres(settings))
    assert isinstance(directory, PostgresPersonDirectory)
    return directory


def build_projector(settings: PostgresSettings) -> PagedProjector[TrackingRecorder]:
    return bootstrap(settings).projector()
