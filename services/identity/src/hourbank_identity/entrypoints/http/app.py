"""The identity HTTP app: the routers of each verb family on the shared plumbing (problem
documents, one handler per error family, health), and ``main`` for the process."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from hourbank_common.auth import install_authentication
from hourbank_common.http import install_http_plumbing, run_api
from hourbank_identity.adapters.tokens import JwtTokens
from hourbank_identity.application.identity import IdentityServices
from hourbank_identity.application.organisation_search import OrganisationSearchView
from hourbank_identity.config import IdentityApiSettings
from hourbank_identity.entrypoints.http import accounts, legacy, organisations, persons
from hourbank_identity.entrypoints.http.uploads import install_csv_problems


def create_app(
    identity: IdentityServices,
    search: OrganisationSearchView,
    tokens: JwtTokens,
    *,
    trusted_proxies: Sequence[str] = (),
) -> FastAPI:
    """``trusted_proxies``: addresses or CIDR networks of reverse proxies whose
    X-Forwarded-For names the client (uvicorn's ProxyHeadersMiddleware); none by default,
    so that a client cannot choose the address it is throttled under."""
    app = FastAPI(
        title="hourbank identity",
        version="1.0.0",
        description="Organisations, professionals, accounts and access tokens.",
    )
    install_http_plumbing(app)
    install_csv_problems(app)
    install_authentication(app, tokens.verifier)
    if trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(trusted_proxies))
    app.state.identity = identity
    app.state.organisation_search = search
    app.state.tokens = tokens
    # Registration order is the order of the paths in the OpenAPI document.
    for family in (organisations, persons, legacy, accounts):
        app.include_router(family.router)
    return app


def build_app(settings: IdentityApiSettings) -> FastAPI:
    from hourbank_identity.bootstrap import build_identity_services, build_tokens
    from hourbank_identity.bootstrap_search import build_search_view

    tokens = build_tokens(settings)
    return create_app(
        build_identity_services(settings, tokens),
        build_search_view(settings),
        tokens,
        trusted_proxies=[str(network) for network in settings.http_trusted_proxies],
    )


def main() -> None:
    run_api("identity-api", IdentityApiSettings, build_app)
