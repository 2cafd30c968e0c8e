"""Process entrypoint: ``python -m hourbank_identity.entrypoints.relay``.

Publishes identity's public events (organisations, person registrations, migrated hours) to
its topic. Holds no key: it reads the event store only.
"""

from __future__ import annotations

import asyncio

from hourbank_common.logging import configure_logging
from hourbank_common.relay import run_until_signalled
from hourbank_identity.bootstrap import build_relay
from hourbank_identity.config import IdentityRelaySettings


async def _main() -> None:
    settings = IdentityRelaySettings()
    configure_logging("identity-relay", settings.log_level, json=settings.log_json)
    relay, publisher = build_relay(settings)
    await run_until_signalled(
        relay, publisher.broker, idle_poll_seconds=settings.relay_idle_poll_seconds
    )


def main() -> None:
    asyncio.run(_main())


if __name__ == "__main__":
    main()
