"""The PostgreSQL organisation search passes the same test cases as the in-memory one, and
its projector follows identity's event store in PostgreSQL."""

from __future__ import annotations

from uuid import UUID

import psycopg
import pytest
from eventsourcing.application import Application
from eventsourcing.projection import ProjectionRunner
from pydantic import SecretStr

from hourbank_common.settings import PostgresSettings, eventsourcing_env
from hourbank_identity.adapters.postgres_organisation_search import (
    PostgresOrganisationSearchView,
)
from hourbank_identity.application.organisation_search import (
    OrganisationSearchProjection,
    OrganisationSearchView,
)
from hourbank_identity.bootstrap import build_search_view
from services.identity.tests.organisation_search_cases import (
    OrganisationSearchViewCases,
    registry,
)


def settings(database_url: str, schema: str) -> PostgresSettings:
    return PostgresSettings(database_url=SecretStr(database_url), database_schema=schema)


class TestPostgresOrganisationSearchView(OrganisationSearchViewCases):
    @pytest.fixture
    def view(self, database_url: str, schema: str) -> OrganisationSearchView:
        return build_search_view(settings(database_url, schema))


def test_creating_the_tables_again_and_in_another_schema_shares_one_extension(
    database_url: str, schema: str
) -> None:
    first = build_search_view(settings(database_url, schema))
    build_search_view(settings(database_url, schema)).create_table()
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}_b"')
        try:
            other = build_search_view(settings(database_url, f"{schema}_b"))
            other.search("淄博")
            # Dropping a service's schema leaves the extension to the others.
            conn.execute(f'DROP SCHEMA "{schema}_b" CASCADE')
            first.search("淄博")
        finally:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}_b" CASCADE')
        row = conn.execute(
            "SELECT n.nspname FROM pg_extension e"
            " JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
        ).fetchone()
    assert row is not None
    assert row[0] not in {schema, f"{schema}_b"}


def test_a_name_query_uses_the_trigram_index(database_url: str, schema: str) -> None:
    view = build_search_view(settings(database_url, schema))
    table = f'"{schema}".identity_organisation_search'
    with psycopg.connect(database_url) as conn:
        trgm = conn.execute(
            "SELECT n.nspname FROM pg_extension e"
            " JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
        ).fetchone()
        assert trgm is not None
        conn.execute("SET LOCAL enable_seqscan = off")
        plan = conn.execute(
            f"EXPLAIN SELECT * FROM {table}"
            f" WHERE name_normalised LIKE '%第一医院%'"
            f" OR '淄博第一医院' OPERATOR(\"{trgm[0]}\".<%) name_normalised"
        ).fetchall()
    assert "identity_organisation_search_name_trgm" in "\n".join(r[0] for r in plan)
    assert view.search("淄博").total == 0


class IdentityEvents(Application[UUID]):
    name = "identity"


def test_the_projector_follows_identity_events_in_postgres(database_url: str, schema: str) -> None:
    env = eventsourcing_env(database_url, schema)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    with ProjectionRunner(
        application_class=IdentityEvents,
        projection_class=OrganisationSearchProjection,
        view_class=PostgresOrganisationSearchView,
        env=env,
    ) as runner:
        hr, health, hospital = registry()
        runner.app.save(hr, health, hospital)
        hospital.approve(approved_by=hr.id)
        recordings = runner.app.save(hospital)
        runner.view.wait(runner.app.name, recordings[-1].notification.id, timeout=10)
        found = runner.view.search("淄博市第一醫院", status="active")
        assert [e.organisation_id for e in found.items] == [hospital.id]
        assert runner.view.search(None, region_code="370300").total == 3
