"""What endpoints get injected: the verb-family services ``create_app`` put in
``app.state``, and the caller's address."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hourbank_identity.adapters.tokens import JwtTokens
from hourbank_identity.application.accounts import Accounts
from hourbank_identity.application.identity import IdentityServices
from hourbank_identity.application.legacy import LegacyImport
from hourbank_identity.application.organisation_search import OrganisationSearchView
from hourbank_identity.application.organisations import Organisations
from hourbank_identity.application.persons import Persons


def _services(request: Request) -> IdentityServices:
    services: IdentityServices = request.app.state.identity
    return services


def get_organisations(request: Request) -> Organisations:
    return _services(request).organisations


def get_accounts(request: Request) -> Accounts:
    return _services(request).accounts


def get_persons(request: Request) -> Persons:
    return _services(request).persons


def get_legacy_import(request: Request) -> LegacyImport:
    return _services(request).legacy


def get_search(request: Request) -> OrganisationSearchView:
    search: OrganisationSearchView = request.app.state.organisation_search
    return search


def get_tokens(request: Request) -> JwtTokens:
    tokens: JwtTokens = request.app.state.tokens
    return tokens


def client_address(request: Request) -> str:
    """The caller's address for throttling: the TCP peer, or, behind a trusted proxy (see
    ``create_app``'s ``trusted_proxies``), the address that proxy reports."""
    return request.client.host if request.client else "unknown"


OrganisationsDep = Annotated[Organisations, Depends(get_organisations)]
AccountsDep = Annotated[Accounts, Depends(get_accounts)]
PersonsDep = Annotated[Persons, Depends(get_persons)]
LegacyImportDep = Annotated[LegacyImport, Depends(get_legacy_import)]
SearchDep = Annotated[OrganisationSearchView, Depends(get_search)]
TokensDep = Annotated[JwtTokens, Depends(get_tokens)]
ClientAddress = Annotated[str, Depends(client_address)]
