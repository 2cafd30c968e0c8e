"""``python -m hourbank_identity.entrypoints.parked {list,retry} --line LINE``: the stored
events identity's relay or search projector parked, listed or retried after a fix
(``hourbank_common.parked``). Lines: ``identity-relay``, ``identity_organisation_search``."""

from __future__ import annotations

from hourbank_common.logging import configure_logging
from hourbank_common.parked import ParkedItemRetrier, run
from hourbank_common.settings import PostgresSettings
from hourbank_identity.config import IdentityRelaySettings


def _relay() -> ParkedItemRetrier:
    from hourbank_identity.bootstrap import build_relay

    return build_relay(IdentityRelaySettings())


def _search() -> ParkedItemRetrier:
    from hourbank_identity.application.organisation_search import OrganisationSearchProjection
    from hourbank_identity.bootstrap import build_search_projector

    projector = build_search_projector(PostgresSettings())
    return projector.retrier(OrganisationSearchProjection.name)


def main() -> None:
    settings = PostgresSettings()
    configure_logging("identity-parked", settings.log_level, json=settings.log_json)
    run({"identity-relay": _relay, "identity_organisation_search": _search})


if __name__ == "__main__":
    main()
