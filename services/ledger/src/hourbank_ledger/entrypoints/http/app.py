"""The ledger API's application: ``create_app`` wires what the endpoints depend on into the
app's state once, and ``main`` builds the real ones from the environment."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from hourbank_common.auth import TokenVerifier, install_authentication
from hourbank_common.http import install_http_plumbing, run_api
from hourbank_ledger.adapters.statement_pdf import DEFAULT_FONT
from hourbank_ledger.application.directory import PersonDirectory
from hourbank_ledger.application.queries import HourBankQueries
from hourbank_ledger.application.statements import Statements
from hourbank_ledger.config import LedgerApiSettings
from hourbank_ledger.entrypoints.http import hours
from hourbank_ledger.entrypoints.http import statements as statement_routes


def create_app(
    queries: HourBankQueries,
    statements: Statements | None = None,
    *,
    directory: PersonDirectory,
    verifier: TokenVerifier,
    statement_font: Path = DEFAULT_FONT,
) -> FastAPI:
    """The API over the read model; ``statements`` None disables statements (503).
    Tests pass in-memory views and directories."""
    app = FastAPI(
        title="hourbank ledger",
        version="1.0.0",
        description="A person's hour bank, as the title-evaluation system reads it.",
    )
    install_http_plumbing(app)
    install_authentication(app, verifier)
    app.state.queries = queries
    app.state.directory = directory
    app.state.statements = statements
    app.state.statement_font = statement_font
    app.include_router(hours.router)
    app.include_router(statement_routes.router)
    return app


def build_app(settings: LedgerApiSettings) -> FastAPI:
    from hourbank_ledger.bootstrap import build_directory, build_view

    queries = HourBankQueries(build_view(settings), default_region=settings.ledger_region_code)
    key = settings.statement_signing_key
    statements = Statements(queries, key.get_secret_value().encode()) if key else None
    return create_app(
        queries,
        statements,
        directory=build_directory(settings),
        verifier=settings.verifier(),
        statement_font=settings.statement_font,
    )


def main() -> None:
    run_api("ledger-api", LedgerApiSettings, build_app)
