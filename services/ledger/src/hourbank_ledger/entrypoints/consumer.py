"""Process entrypoint: ``python -m hourbank_ledger.entrypoints.consumer``.

Applies the facts of the topics it subscribes to (``adapters/kafka_consumer.py``) until
SIGTERM or SIGINT (``hourbank_common.processes.run_consumer``: health on ``HEALTH_PORT``).
"""

from __future__ import annotations

from faststream import FastStream

from hourbank_common.kafka import make_broker
from hourbank_common.processes import run_consumer
from hourbank_ledger.adapters.kafka_consumer import register_ledger_consumer
from hourbank_ledger.application.ledger import Ledger
from hourbank_ledger.bootstrap import bootstrap
from hourbank_ledger.config import LedgerConsumerSettings


def build_app(settings: LedgerConsumerSettings, ledger: Ledger) -> FastStream:
    broker = make_broker(settings.kafka_bootstrap_servers, client_id="ledger-consumer")
    register_ledger_consumer(
        broker,
        ledger,
        topics=settings.ledger_topics,
        group_id=settings.ledger_group_id,
        dead_letter_topic=settings.ledger_dead_letter_topic,
    )
    return FastStream(broker)


def build_ledger(settings: LedgerConsumerSettings) -> Ledger:
    return bootstrap(settings).ledger


def main() -> None:
    run_consumer("ledger-consumer", LedgerConsumerSettings, build_ledger, build_app)


if __name__ == "__main__":
    main()
