"""Operator commands: ``python -m hourbank_identity.entrypoints.admin create-province-admin``.

The first province administrator cannot be created over the API (nobody could authorize
it), and there is no default account or password. An operator runs this once with the
service's settings; it prints a one-time activation code, and the administrator chooses a
password with POST /v1/accounts/activate.
"""

from __future__ import annotations

import argparse
import json
import sys

from hourbank_common.errors import ServiceError
from hourbank_common.logging import configure_logging
from hourbank_identity.bootstrap import build_identity_services
from hourbank_identity.config import IdentityApiSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser(
        "create-province-admin", help="Create a province administrator account."
    )
    create.add_argument("--login", required=True, help="Login name, e.g. province-admin.")
    arguments = parser.parse_args(argv)

    settings = IdentityApiSettings()
    configure_logging("identity-admin", settings.log_level, json=settings.log_json)
    identity = build_identity_services(settings)
    try:
        activation = identity.organisations.provision_admin(None, None, arguments.login)
    except ServiceError as error:
        print(f"error: {error.field or 'request'}: {error.message}", file=sys.stderr)
        return 1
    # Printed once, to the operator's terminal only; the account keeps only its digest.
    print(
        json.dumps(
            {
                "account_id": str(activation.account_id),
                "login": activation.login,
                "activation_code": activation.activation_code,
                "expires_at": activation.expires_at.isoformat(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
