"""Process entrypoint: ``python -m hourbank_ledger.entrypoints.consumer``."""

from __future__ import annotations

import asyncio

from faststream import FastStream

from hourbank_common.healing import until_healed, until_healed_async
from hourbank_common.kafka import make_broker
from hourbank_common.logging import configure_logging
from hourbank_common.runtime import settle_startup_objects
from hourbank_ledger.adapters.kafka_consumer import register_ledger_consumer
from hourbank_ledger.application.ledger import Ledger
from hourbank_ledger.bootstrap import build_ledger
from hourbank_ledger.config import LedgerConsumerSettings


def build_app(settings: LedgerConsumerSettings, ledger: Ledger | None = None) -> FastStream:
    broker = make_broker(settings.kafka_bootstrap_servers, client_id="ledger-consumer")
    register_ledger_consumer(
        broker,
        ledger or build_ledger(settings, region_code=settings.ledger_region_code),
        topics=settings.ledger_topics,
        group_id=settings.ledger_group_id,
        dead_letter_topic=settings.ledger_dead_letter_topic,
    )
    return FastStream(broker)


def main() -> None:
    settings = LedgerConsumerSettings()
    configure_logging("ledger-consumer", settings.log_level, json=settings.log_json)
    # Started while PostgreSQL or the broker is down (or restarting): wait with backoff
    # instead of exiting. A broker that failed to start is not reused: each attempt builds
    # a fresh one around the same ledger.
    ledger = until_healed(
        lambda: build_ledger(settings, region_code=settings.ledger_region_code),
        what="ledger start",
    )
    # +15 % events/s in an A/B on the projection benchmark (runtime.py).
    settle_startup_objects()

    async def run() -> None:
        await build_app(settings, ledger).run()

    asyncio.run(until_healed_async(run, what="ledger consumer"))


if __name__ == "__main__":
    main()
