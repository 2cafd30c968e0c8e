"""Process entrypoint: ``python -m hourbank_learning.entrypoints.relay``."""

from __future__ import annotations

import asyncio

from hourbank_common.logging import configure_logging
from hourbank_common.relay import run_until_signalled
from hourbank_learning.bootstrap import build_relay
from hourbank_learning.config import RelaySettings


async def _main() -> None:
    settings = RelaySettings()
    configure_logging("learning-relay", settings.log_level, json=settings.log_json)
    relay, publisher = build_relay(settings)
    await run_until_signalled(
        relay, publisher.broker, idle_poll_seconds=settings.relay_idle_poll_seconds
    )


def main() -> None:
    asyncio.run(_main())


if __name__ == "__main__":
    main()
