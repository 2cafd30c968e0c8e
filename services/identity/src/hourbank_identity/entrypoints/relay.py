"""Process entrypoint: ``python -m hourbank_identity.entrypoints.relay``.

Publishes identity's public events (organisations, person registrations, migrated hours) to
its topic (``hourbank_common.processes.run_relay``: health on ``HEALTH_PORT``). Holds no key:
it reads the event store only.
"""

from __future__ import annotations

from hourbank_common.processes import run_relay
from hourbank_identity.bootstrap import build_relay
from hourbank_identity.config import IdentityRelaySettings


def main() -> None:
    run_relay("identity-relay", IdentityRelaySettings, build_relay)


if __name__ == "__main__":
    main()
