"""Generate (--write) or check (--check) the AsyncAPI document of each service.

The documents come from the services' own faststream brokers, so they describe the topics
and payload schemas the code really publishes and subscribes to. Checked in under
contracts/asyncapi/; tests/contract/test_asyncapi.py fails when they drift.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI

from hourbank_common.kafka import make_broker
from hourbank_contracts import IDENTITY_TOPIC, LEARNING_TOPIC
from hourbank_identity.bootstrap import build_publisher as build_identity_publisher
from hourbank_learning.adapters.kafka import build_publisher
from hourbank_ledger.adapters.kafka_consumer import register_ledger_consumer
from hourbank_ledger.application.ledger import Ledger
from hourbank_ledger.config import LedgerConsumerSettings

OUT = Path(__file__).resolve().parent.parent / "contracts" / "asyncapi"
# The documented server, not a real address: documents must not depend on the machine.
DOC_SERVER = "kafka:9092"


def _identity() -> KafkaBroker:
    return build_identity_publisher(DOC_SERVER, IDENTITY_TOPIC).broker


def _learning() -> KafkaBroker:
    return build_publisher(DOC_SERVER, LEARNING_TOPIC).broker


def _ledger() -> KafkaBroker:
    broker = make_broker(DOC_SERVER, client_id="ledger-consumer")
    defaults = LedgerConsumerSettings.model_fields
    register_ledger_consumer(
        broker,
        Ledger(),  # in-memory: generating a document touches no infrastructure
        topics=defaults["ledger_topics"].default,
        group_id=defaults["ledger_group_id"].default,
        dead_letter_topic=defaults["ledger_dead_letter_topic"].default,
    )
    return broker


SERVICES: dict[str, Callable[[], KafkaBroker]] = {
    "identity": _identity,
    "learning": _learning,
    "ledger": _ledger,
}


def document(service: str) -> dict[str, Any]:
    spec = AsyncAPI(
        SERVICES[service](),
        title=f"hourbank {service}",
        version="1.0.0",
        description=f"Kafka channels of the hourbank {service} service.",
        schema_version="3.0.0",
    )
    jsonable: dict[str, Any] = spec.to_specification().to_jsonable()
    return jsonable


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
        print("AsyncAPI documents drifted: run `uv run python scripts/asyncapi.py --write`")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
