"""What the ledger endpoints are given, read from the app's state (set once by
``create_app``): declare ``queries: Queries`` (and so on) in an endpoint to get it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from hourbank_ledger.application.directory import PersonDirectory
from hourbank_ledger.application.queries import HourBankQueries
from hourbank_ledger.application.statements import Statements, StatementsDisabled

# The getters are async: FastAPI runs a plain ``def`` dependency in its thread pool, a hop
# not worth taking to read an attribute.


async def get_queries(request: Request) -> HourBankQueries:
    queries: HourBankQueries = request.app.state.queries
    return queries


async def get_directory(request: Request) -> PersonDirectory:
    directory: PersonDirectory = request.app.state.directory
    return directory


async def get_statements(request: Request) -> Statements | None:
    """The statement issuer, or None when this ledger has no signing key. Endpoints call
    ``require_statements`` after authorizing, so that a caller learns whether statements
    are enabled only once they may read the person."""
    statements: Statements | None = request.app.state.statements
    return statements


async def get_statement_font(request: Request) -> Path:
    font: Path = request.app.state.statement_font
    return font


Queries = Annotated[HourBankQueries, Depends(get_queries)]
Directory = Annotated[PersonDirectory, Depends(get_directory)]
MaybeStatements = Annotated[Statements | None, Depends(get_statements)]
StatementFont = Annotated[Path, Depends(get_statement_font)]


def require_statements(statements: Statements | None) -> Statements:
    if statements is None:
        raise StatementsDisabled("this ledger has no STATEMENT_SIGNING_KEY configured")
    return statements
