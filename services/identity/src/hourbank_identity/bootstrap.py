"""Composition root of the identity service: the one place that builds its infrastructure.

``bootstrap(settings)`` builds what identity's keyless processes share (its event log, read
through ``IdentityEventLog``: the relay and the search projector hold no key); the API builds
the services that write, with its keys, through ``build_identity_services``. Tests pass
``persistence=Persistence.in_memory()``, an in-memory vault and fast password hashing
instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from eventsourcing.persistence import TrackingRecorder

from hourbank_common.kafka import KafkaEnvelopePublisher, make_broker
from hourbank_common.persistence import Persistence, PostgresPersistence
from hourbank_common.projection import PagedProjector
from hourbank_common.relay import Outbox, OutboxRelay
from hourbank_common.settings import PostgresSettings, ServiceSettings
from hourbank_identity.adapters.contracts import PUBLISHED_EVENTS, to_public_event
from hourbank_identity.adapters.pii_postgres import PostgresPiiVault
from hourbank_identity.adapters.postgres_organisation_search import (
    PostgresOrganisationSearchView,
)
from hourbank_identity.adapters.throttle_postgres import PostgresThrottleStore
from hourbank_identity.adapters.tokens import JwtTokens
from hourbank_identity.application.event_log import IdentityEventLog
from hourbank_identity.application.identity import IdentityServices
from hourbank_identity.application.login_throttle import (
    InMemoryThrottleStore,
    LoginThrottle,
    ThrottleStore,
)
from hourbank_identity.application.organisation_search import (
    InMemoryOrganisationSearchView,
    OrganisationSearchProjection,
    OrganisationSearchView,
)
from hourbank_identity.application.pii_vault import InMemoryPiiVault, PiiCipher, PiiVault
from hourbank_identity.application.store import IdentityApplication
from hourbank_identity.config import IdentityApiSettings, IdentityRelaySettings
from hourbank_identity.domain.passwords import PasswordHasher

RELAY_LINE = "identity-relay"
"""The relay's name: its position and parked items are in ``identity_relay_tracking``."""


@dataclass(frozen=True)
class Identity:
    """What identity's keyless processes run on: its event log and where it is stored."""

    persistence: Persistence
    event_log: IdentityEventLog

    def search_view(self) -> OrganisationSearchView:
        """The organisation search read model (the API searches it, the projector writes)."""
        return organisation_search_view(self.persistence)

    def search_projector(self) -> PagedProjector[TrackingRecorder]:
        """Follows the event log into the search view, a page per transaction, parking what
        cannot be written (``hourbank_common.projection``)."""
        return PagedProjector(
            self.event_log, [OrganisationSearchProjection(view=self.search_view())]
        )

    @property
    def outbox(self) -> Outbox:
        """What the relay publishes: the identity store's notification log as contracts."""
        return Outbox(self.persistence, self.event_log, to_public_event, RELAY_LINE)


def bootstrap(settings: ServiceSettings, *, persistence: Persistence | None = None) -> Identity:
    persistence = Persistence.of(settings, persistence)
    return Identity(persistence, persistence.application(IdentityEventLog))


def organisation_search_view(persistence: Persistence) -> OrganisationSearchView:
    return persistence.view(
        OrganisationSearchProjection.name,
        postgres=PostgresOrganisationSearchView,
        in_memory=InMemoryOrganisationSearchView,
    )


def build_tokens(settings: IdentityApiSettings) -> JwtTokens:
    return JwtTokens.from_private_key(
        settings.auth_jwt_private_key.get_secret_value(),
        issuer=settings.auth_jwt_issuer,
        audience=settings.auth_jwt_audience,
        access_ttl=settings.access_ttl,
        refresh_ttl=settings.refresh_ttl,
    )


def _keyed_stores(persistence: Persistence, cipher: PiiCipher) -> tuple[PiiVault, ThrottleStore]:
    """The vault of ID numbers and the failed-login counts, beside the event store."""
    if not isinstance(persistence, PostgresPersistence):
        return InMemoryPiiVault(cipher), InMemoryThrottleStore()
    url, schema = persistence.database_url, persistence.schema
    vault = PostgresPiiVault(cipher, url, schema)
    # The vault takes the schema's DDL lock itself: do not hold creating_tables() here.
    vault.create_tables()
    # Counted in PostgreSQL so that every API replica sees the same counts.
    throttle_store = PostgresThrottleStore(url, schema)
    with persistence.creating_tables():
        throttle_store.create_tables()
    return vault, throttle_store


def build_identity_services(
    settings: IdentityApiSettings,
    tokens: JwtTokens | None = None,
    *,
    persistence: Persistence | None = None,
    hasher: PasswordHasher | None = None,
) -> IdentityServices:
    """The services that write identity's events, with the keys only the API holds."""
    persistence = Persistence.of(settings, persistence)
    cipher = PiiCipher.from_base64(
        settings.identity_pii_master_key.get_secret_value(),
        settings.identity_lookup_key.get_secret_value(),
    )
    vault, throttle_store = _keyed_stores(persistence, cipher)
    return IdentityServices.assemble(
        persistence.application(IdentityApplication),
        vault=vault,
        hasher=hasher or PasswordHasher(),
        # Failure keys hashed with a key derived from the lookup key.
        throttle=LoginThrottle(throttle_store, cipher.derived_key("login-throttle")),
        tokens=tokens or build_tokens(settings),
    )


def build_publisher(bootstrap_servers: str, topic: str) -> KafkaEnvelopePublisher:
    return KafkaEnvelopePublisher(
        make_broker(bootstrap_servers, client_id="identity-relay"), PUBLISHED_EVENTS, topic=topic
    )


def build_relay(settings: IdentityRelaySettings) -> OutboxRelay:
    """The relay process's work (``entrypoints/relay.py``, ``entrypoints/parked.py``)."""
    publisher = build_publisher(settings.kafka_bootstrap_servers, settings.identity_topic)
    return bootstrap(settings).outbox.relay(
        publisher, batch_size=settings.relay_batch_size, broker=publisher.broker
    )


def build_search_projector(settings: PostgresSettings) -> PagedProjector[TrackingRecorder]:
    """The projector process's work (``entrypoints/projector.py``, ``entrypoints/parked.py``)."""
    return bootstrap(settings).search_projector()


def build_search_view(settings: PostgresSettings) -> PostgresOrganisationSearchView:
    """The search view on its own, for the API to search with (creates its tables if
    missing), without the event log."""
    view = organisation_search_view(Persistence.postgres(settings))
    assert isinstance(view, PostgresOrganisationSearchView)
    return view
