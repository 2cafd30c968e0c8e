"""Composition root of the ledger service: the one place that builds real infrastructure."""

from __future__ import annotations

from eventsourcing.persistence import InfrastructureFactory, TrackingRecorder
from eventsourcing.utils import Environment, get_topic

from hourbank_common.postgres import ensure_schema, table_creation_lock
from hourbank_common.settings import PostgresSettings, eventsourcing_env
from hourbank_ledger.adapters.postgres_directory import PostgresPersonDirectory
from hourbank_ledger.adapters.postgres_ledger_recorder import PostgresLedgerRecorder
from hourbank_ledger.adapters.postgres_view import PostgresHourBankView
from hourbank_ledger.application.directory import DirectoryProjection
from hourbank_ledger.application.ledger import Ledger
from hourbank_ledger.application.paged_projection import PagedProjector
from hourbank_ledger.application.read_model import HourBankProjection
from hourbank_ledger.domain.intake import FactIntake
from hourbank_ledger.domain.policy import load_all_policies


def ledger_env(settings: PostgresSettings) -> dict[str, str]:
    url = settings.database_url.get_secret_value()
    ensure_schema(url, settings.database_schema)
    return eventsourcing_env(url, settings.database_schema)


def build_ledger(settings: PostgresSettings, *, region_code: str | None = None) -> Ledger:
    """The ledger of the city ``region_code``, or the provincial one (None). The region only
    matters to what the ledger accepts, so the processes that read it need not name it."""
    env = {**ledger_env(settings), "PROCESS_RECORDER_TOPIC": get_topic(PostgresLedgerRecorder)}
    intake = FactIntake.of(region_code, load_all_policies())
    with table_creation_lock(settings.database_url.get_secret_value(), settings.database_schema):
        return Ledger(env=env, intake=intake)


def build_view(settings: PostgresSettings) -> PostgresHourBankView:
    env = Environment(HourBankProjection.name, ledger_env(settings))
    with table_creation_lock(settings.database_url.get_secret_value(), settings.database_schema):
        factory = InfrastructureFactory[PostgresHourBankView].construct(env)
        return factory.tracking_recorder(PostgresHourBankView)


def build_directory(settings: PostgresSettings) -> PostgresPersonDirectory:
    env = Environment(DirectoryProjection.name, ledger_env(settings))
    with table_creation_lock(settings.database_url.get_secret_value(), settings.database_schema):
        factory = InfrastructureFactory[PostgresPersonDirectory].construct(env)
        return factory.tracking_recorder(PostgresPersonDirectory)


def build_projector(settings: PostgresSettings) -> PagedProjector[TrackingRecorder]:
    """The projector process's work: the hour-bank read model and the person directory,
    each projected a page per transaction from the ledger's event store."""
    return PagedProjector(
        build_ledger(settings),
        [
            HourBankProjection(view=build_view(settings)),
            DirectoryProjection(view=build_directory(settings)),
        ],
    )
