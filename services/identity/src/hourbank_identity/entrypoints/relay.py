"""Process entrypoint: ``python -m hourbank_identity.entrypoints.relay``.

Publishes identity's public events (organisations, person registrations, migrated hours) to
its topic. Holds no key: it reads the event store only.
"""

from __future__ import annotations

import asyncio
import signal

from hourbank_common.logging import configure_logging
from hourbank_identity.bootstrap import build_relay
from hourbank_identity.config import IdentityRelaySettings


async def _main() -> None:
    settings = IdentityRelaySettings()
    configure_logging("identity-relay", settings.log_level, json=settings.log_json)
    relay, publisher = build_relay(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await publisher.broker.start()
    try:
        await relay.run(stop, settings.relay_idle_poll_seconds)
    finally:
        await publisher.broker.stop()


def main() -> None:
    asyncio.run(_main())


if __name__ == "__main__":
    main()
