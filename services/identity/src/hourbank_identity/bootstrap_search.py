"""Builders for the organisation search read model and its projector.

Kept apart from ``bootstrap.py`` so that the API (which serves searches) and the projector
(which writes them) build the view the same way; ``bootstrap.py`` re-exports them.
"""

from __future__ import annotations

from eventsourcing.persistence import InfrastructureFactory, TrackingRecorder
from eventsourcing.utils import Environment

from hourbank_common.postgres import ensure_schema, table_creation_lock
from hourbank_common.projection import PagedProjector
from hourbank_common.settings import PostgresSettings, eventsourcing_env
from hourbank_identity.adapters.postgres_organisation_search import (
    PostgresOrganisationSearchView,
)
from hourbank_identity.application.organisation_search import OrganisationSearchProjection


def _search_env(settings: PostgresSettings) -> dict[str, str]:
    url = settings.database_url.get_secret_value()
    ensure_schema(url, settings.database_schema)
    return eventsourcing_env(url, settings.database_schema)


def build_search_view(settings: PostgresSettings) -> PostgresOrganisationSearchView:
    """The view on its own, for the API to search with (creates its tables if missing)."""
    env = Environment(OrganisationSearchProjection.name, _search_env(settings))
    with table_creation_lock(settings.database_url.get_secret_value(), settings.database_schema):
        factory = InfrastructureFactory[PostgresOrganisationSearchView].construct(env)
        return factory.tracking_recorder(PostgresOrganisationSearchView)


def build_search_projector(settings: PostgresSettings) -> PagedProjector[TrackingRecorder]:
    """Follows identity's event store into the search view, a page per transaction, parking
    what cannot be written (``hourbank_common.projection``).

    It reads identity's events through ``IdentityEventLog`` (read-only, no keys) rather than
    ``IdentityApplication``, the writer the API's services share.
    Imported on call: only the projector needs it, not the API that builds just the view.
    """
    from hourbank_identity.application.event_log import IdentityEventLog

    env = _search_env(settings)
    with table_creation_lock(settings.database_url.get_secret_value(), settings.database_schema):
        app = IdentityEventLog(env=env)
    return PagedProjector(app, [OrganisationSearchProjection(view=build_search_view(settings))])
