"""Process entrypoint: ``python -m hourbank_learning.entrypoints.relay``."""

from __future__ import annotations

import asyncio
import signal

from hourbank_common.logging import configure_logging
from hourbank_learning.bootstrap import build_relay
from hourbank_learning.config import RelaySettings


async def _main() -> None:
    settings = RelaySettings()
    configure_logging("learning-relay", settings.log_level, json=settings.log_json)
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
