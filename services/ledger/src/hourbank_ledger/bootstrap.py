"""Composition root of the ledger service: the one place that builds real infrastructure."""

from __future__ import annotations

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment

from hourbank_common.postgres import ensure_schema
from hourbank_common.settings import PostgresSettings, eventsourcing_env
from hourbank_ledger.adapters.postgres_view import PostgresHourBankView
from hourbank_ledger.application.ledger import Ledger
from hourbank_ledger.application.read_model import HourBankProjection


def ledger_env(settings: PostgresSettings) -> dict[str, str]:
    url = settings.database_url.get_secret_value()
    ensure_schema(url, settings.database_schema)
    return eventsourcing_env(url, settings.database_schema)


def build_ledger(settings: PostgresSettings) -> Ledger:
    return Ledger(env=ledger_env(settings))


def build_view(settings: PostgresSettings) -> PostgresHourBankView:
    env = Environment(HourBankProjection.name, ledger_env(settings))
    factory = InfrastructureFactory[PostgresHourBankView].construct(env)
    return factory.tracking_recorder(PostgresHourBankView)
