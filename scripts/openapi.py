"""Generate (--write) or check (--check) the OpenAPI document of each HTTP service.

The documents come from the services' own FastAPI apps (``create_app``), so they describe
the paths, parameters, bodies, answers and problem documents the code really serves.
Checked in under contracts/openapi/; tests/contract/test_openapi.py fails when they drift.

Each app is built on in-memory persistence with throwaway keys: generating a document
touches no database, no broker and no secret.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from hourbank_common.auth import TokenSigner, TokenVerifier, generate_signing_keypair
from hourbank_identity.adapters.tokens import JwtTokens
from hourbank_identity.application.identity import IdentityServices
from hourbank_identity.application.login_throttle import InMemoryThrottleStore, LoginThrottle
from hourbank_identity.application.organisation_search import InMemoryOrganisationSearchView
from hourbank_identity.application.pii_vault import InMemoryPiiVault, PiiCipher
from hourbank_identity.application.store import IdentityApplication
from hourbank_identity.domain.passwords import PasswordHasher
from hourbank_identity.entrypoints.http import create_app as identity_app
from hourbank_learning.application.service import LearningApplication
from hourbank_learning.entrypoints.http import create_app as learning_app
from hourbank_ledger.application.directory import InMemoryPersonDirectory
from hourbank_ledger.application.queries import HourBankQueries
from hourbank_ledger.application.read_model import InMemoryHourBankView
from hourbank_ledger.entrypoints.http import create_app as ledger_app

OUT = Path(__file__).resolve().parent.parent / "contracts" / "openapi"
IN_MEMORY = {"PERSISTENCE_MODULE": "eventsourcing.popo"}


def _identity() -> FastAPI:
    keys = generate_signing_keypair()
    tokens = JwtTokens(TokenSigner(keys.private_pem), TokenVerifier(keys.public_pem))
    cipher = PiiCipher(os.urandom(32), os.urandom(32))
    identity = IdentityServices.assemble(
        IdentityApplication(env=IN_MEMORY),
        vault=InMemoryPiiVault(cipher),
        # No password is hashed for a document: the cheapest hasher keeps generation fast.
        hasher=PasswordHasher.fast_for_tests(),
        throttle=LoginThrottle(InMemoryThrottleStore(), cipher.derived_key("login-throttle")),
        tokens=tokens,
    )
    return identity_app(identity, InMemoryOrganisationSearchView(), tokens)


def _verifier() -> TokenVerifier:
    return TokenVerifier(generate_signing_keypair().public_pem)


def _learning() -> FastAPI:
    return learning_app(LearningApplication(env=IN_MEMORY), verifier=_verifier())


def _ledger() -> FastAPI:
    # Statements are documented whether or not a signing key is configured.
    return ledger_app(
        HourBankQueries(InMemoryHourBankView(), default_region=None),
        directory=InMemoryPersonDirectory(),
        verifier=_verifier(),
    )


SERVICES: dict[str, Callable[[], FastAPI]] = {
    "identity": _identity,
    "learning": _learning,
    "ledger": _ledger,
}


def document(service: str) -> dict[str, Any]:
    return SERVICES[service]().openapi()


def render(service: str) -> str:
    return json.dumps(document(service), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    args = parser.parse_args()
    drifted = False
    for service in SERVICES:
        path = OUT / f"{service}.json"
        fresh = render(service)
        if args.write:
            OUT.mkdir(parents=True, exist_ok=True)
            path.write_text(fresh, encoding="utf-8")
            print(f"wrote {path.relative_to(OUT.parent.parent)}")
            continue
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != fresh:
            drifted = True
            sys.stdout.writelines(
                difflib.unified_diff(
                    current.splitlines(keepends=True),
                    fresh.splitlines(keepends=True),
                    f"{path.name} (checked in)",
                    f"{path.name} (generated)",
                )
            )
    if drifted:
        print("OpenAPI documents drifted: run `uv run python scripts/openapi.py --write`")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
