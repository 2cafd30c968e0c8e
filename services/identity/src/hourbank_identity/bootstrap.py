"""Composition root of the identity service: the one place that builds real infrastructure.

Tests build the same objects with in-memory persistence, an in-memory vault and fast
password hashing instead.
"""

from __future__ import annotations

from eventsourcing.persistence import InfrastructureFactory, TrackingRecorder
from eventsourcing.utils import Environment

from hourbank_common.kafka import KafkaEnvelopePublisher, make_broker
from hourbank_common.parked import parking_lot_for
from hourbank_common.postgres import ensure_schema, table_creation_lock
from hourbank_common.relay import OutboxRelay
from hourbank_common.settings import PostgresSettings, eventsourcing_env
from hourbank_identity.adapters.contracts import PUBLISHED_EVENTS, to_public_event
from hourbank_identity.adapters.pii_postgres import PostgresPiiVault
from hourbank_identity.adapters.throttle_postgres import PostgresThrottleStore
from hourbank_identity.adapters.tokens import JwtTokens
from hourbank_identity.application.event_log import IdentityEventLog
from hourbank_identity.application.identity import IdentityServices
from hourbank_identity.application.login_throttle import LoginThrottle
from hourbank_identity.application.pii_vault import PiiCipher
from hourbank_identity.application.store import IdentityApplication
from hourbank_identity.config import IdentityApiSettings, IdentityRelaySettings
from hourbank_identity.domain.passwords import PasswordHasher


def build_tokens(settings: IdentityApiSettings) -> JwtTokens:
    return JwtTokens.from_private_key(
        settings.auth_jwt_private_key.get_secret_value(),
        issuer=settings.auth_jwt_issuer,
        audience=settings.auth_jwt_audience,
        access_ttl=settings.access_ttl,
        refresh_ttl=settings.refresh_ttl,
    )


def build_identity_services(
    settings: IdentityApiSettings, tokens: JwtTokens | None = None
) -> IdentityServices:
    url = settings.database_url.get_secret_value()
    schema = settings.database_schema
    ensure_schema(url, schema)
    cipher = PiiCipher.from_base64(
        settings.identity_pii_master_key.get_secret_value(),
        settings.identity_lookup_key.get_secret_value(),
    )
    vault = PostgresPiiVault(cipher, url, schema)
    # The vault takes the schema's DDL lock itself: do not hold table_creation_lock here.
    vault.create_tables()
    # Failed credential attempts, counted in PostgreSQL so that every API replica sees the
    # same counts; keys hashed with a key derived from the lookup key.
    throttle_store = PostgresThrottleStore(url, schema)
    with table_creation_lock(url, schema):
        throttle_store.create_tables()
        app = IdentityApplication(env=eventsourcing_env(url, schema))
    return IdentityServices.assemble(
        app,
        vault=vault,
        hasher=PasswordHasher(),
        throttle=LoginThrottle(throttle_store, cipher.derived_key("login-throttle")),
        tokens=tokens or build_tokens(settings),
    )


def build_event_log(settings: PostgresSettings) -> IdentityEventLog:
    url = settings.database_url.get_secret_value()
    ensure_schema(url, settings.database_schema)
    with table_creation_lock(url, settings.database_schema):
        return IdentityEventLog(env=eventsourcing_env(url, settings.database_schema))


def build_relay_position(settings: PostgresSettings) -> TrackingRecorder:
    """Where the relay records how far it published (table identity_relay_tracking)."""
    url = settings.database_url.get_secret_value()
    env = eventsourcing_env(url, settings.database_schema)
    factory = InfrastructureFactory[TrackingRecorder].construct(Environment("identity_relay", env))
    with table_creation_lock(url, settings.database_schema):
        return factory.tracking_recorder()


def build_publisher(bootstrap_servers: str, topic: str) -> KafkaEnvelopePublisher:
    return KafkaEnvelopePublisher(
        make_broker(bootstrap_servers, client_id="identity-relay"), PUBLISHED_EVENTS, topic=topic
    )


def build_relay(settings: IdentityRelaySettings) -> tuple[OutboxRelay, KafkaEnvelopePublisher]:
    publisher = build_publisher(settings.kafka_bootstrap_servers, settings.identity_topic)
    position = build_relay_position(settings)
    relay = OutboxRelay(
        build_event_log(settings),
        position,
        publisher,
        to_public_event,
        batch_size=settings.relay_batch_size,
        broker=publisher.broker,
        parking=parking_lot_for(position, "identity-relay"),
    )
    return relay, publisher
