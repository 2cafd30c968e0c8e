"""Composition root of the ledger service: the one place that builds real infrastructure."""

from __future__ import annotations

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.projection import ProjectionRunner
from eventsourcing.utils import Environment

from hourbank_common.postgres import ensure_schema, table_creation_lock
from hourbank_common.settings import PostgresSettings, eventsourcing_env
from hourbank_ledger.adapters.postgres_directory import PostgresPersonDirectory
from hourbank_ledger.adapters.postgres_view import PostgresHourBankView
from hourbank_ledger.application.directory import DirectoryProjection, PersonDirectoryView
from hourbank_ledger.application.ledger import Ledger
from hourbank_ledger.application.read_model import HourBankProjection, HourBankView


def ledger_env(settings: PostgresSettings) -> dict[str, str]:
    url = settings.database_url.get_secret_value()
    ensure_schema(url, settings.database_schema)
    return eventsourcing_env(url, settings.database_schema)


def build_ledger(settings: PostgresSettings) -> Ledger:
    env = ledger_env(settings)
    with table_creation_lock(settings.database_url.get_secret_value(), settings.database_schema):
        return Ledger(env=env)


def build_view(settings: PostgresSettings) -> PostgresHourBankView:
    env = Environment(HourBankProjection.name, ledger_env(settings))
    with table_creation_lock(settings.database_url.get_secret_value(), settings.database_schema):
        factory = InfrastructureFactory[PostgresHourBankView].construct(env)
        return factory.tracking_recorder(PostgresHourBankView)


def build_projection_runner(
    settings: PostgresSettings,
) -> ProjectionRunner[Ledger, HourBankView]:
    env = ledger_env(settings)
    with table_creation_lock(settings.database_url.get_secret_value(), settings.database_schema):
        return ProjectionRunner(
            application_class=Ledger,
            projection_class=HourBankProjection,
            view_class=PostgresHourBankView,
            env=env,
        )


def build_directory(settings: PostgresSettings) -> PostgresPersonDirectory:
    env = Environment(DirectoryProjection.name, ledger_env(settings))
    with table_creation_lock(settings.database_url.get_secret_value(), settings.database_schema):
        factory = InfrastructureFactory[PostgresPersonDirectory].construct(env)
        return factory.tracking_recorder(PostgresPersonDirectory)


def build_directory_runner(
    settings: PostgresSettings,
) -> ProjectionRunner[Ledger, PersonDirectoryView]:
    """The person directory, projected by the same projector process as the read model."""
    env = ledger_env(settings)
    with table_creation_lock(settings.database_url.get_secret_value(), settings.database_schema):
        return ProjectionRunner(
            application_class=Ledger,
            projection_class=DirectoryProjection,
            view_class=PostgresPersonDirectory,
            env=env,
        )
