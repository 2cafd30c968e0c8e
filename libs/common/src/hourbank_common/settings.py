"""Settings read from the environment only. There are no defaults for secrets or endpoints:
a process that lacks them refuses to start with a message naming the variable."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Settings every hourbank process needs."""

    # An empty variable counts as unset (e.g. LEDGER_REGION_CODE= selects provincial mode).
    model_config = SettingsConfigDict(
        env_prefix="", extra="ignore", frozen=True, env_ignore_empty=True
    )

    log_level: str = Field(default="INFO", description="Root log level.")
    log_json: bool | None = Field(
        default=None, description="Force JSON logs on/off; default: JSON unless on a terminal."
    )


class PostgresSettings(ServiceSettings):
    database_url: SecretStr = Field(
        description="postgresql://user:password@host:port/dbname of this service's database."
    )
    database_schema: str = Field(
        default="public",
        description="Schema holding this service's tables; tests give each run its own.",
    )


class ApiSettings(PostgresSettings):
    """What every HTTP API process needs; each service sets its own default port."""

    http_host: str = Field(default="127.0.0.1", description="Address the API binds to.")
    http_port: int = Field(default=8000, description="Port the API listens on.")


class KafkaSettings(ServiceSettings):
    kafka_bootstrap_servers: str = Field(description="Comma-separated host:port list.")


class ProcessSettings(ServiceSettings):
    """A process without an HTTP API of its own (relay, consumer, projector): where it
    answers liveness, readiness and metrics (``hourbank_common.health``)."""

    health_host: str = Field(
        default="127.0.0.1", description="Address /healthz, /readyz and /metrics listen on."
    )
    health_port: int = Field(
        default=0,
        ge=0,
        le=65535,
        description="Port of /healthz, /readyz and /metrics; 0: any free port (logged).",
    )
    liveness_timeout_seconds: float = Field(
        default=60,
        gt=0,
        description=(
            "/healthz fails once the process's loop has not moved for this long (a hung"
            " loop is restarted); it is longer than any batch or outage backoff step."
        ),
    )


class ProjectorSettings(PostgresSettings, ProcessSettings):
    """A projector process: its service's database and its health port."""


class OutboxRelaySettings(PostgresSettings, KafkaSettings, ProcessSettings):
    """An outbox relay process; each service adds the topic it publishes to."""

    relay_batch_size: int = Field(default=500, ge=1, le=10_000)
    relay_idle_poll_seconds: float = Field(
        default=0.2, gt=0, description="How often an idle relay looks for new notifications."
    )


def eventsourcing_env(database_url: str, schema: str = "public") -> dict[str, str]:
    """Translate a DATABASE_URL into the POSTGRES_* variables eventsourcing's factory reads."""
    parts = urlsplit(database_url)
    if parts.scheme not in {"postgresql", "postgres"}:
        msg = "DATABASE_URL must start with postgresql://"
        raise ValueError(msg)
    dbname = parts.path.lstrip("/")
    if not (parts.hostname and dbname and parts.username):
        msg = "DATABASE_URL must name a user, a host and a database"
        raise ValueError(msg)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": parts.hostname,
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_USER": unquote(parts.username),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_SCHEMA": schema,
        "CREATE_TABLE": "y",
        # After a PostgreSQL restart the pool holds connections the server dropped: check
        # each before handing it out (one empty round trip) instead of failing a request.
        "POSTGRES_PRE_PING": "y",
        # How long a caller waits for a pooled connection while the server is away (its
        # default is 30 s, and eventsourcing retries up to ten times).
        "POSTGRES_CONNECT_TIMEOUT": "5",
    }
