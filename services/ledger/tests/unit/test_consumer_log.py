"""The consumer logs one line per batch: counts by outcome and the offsets it covered."""

from __future__ import annotations

from uuid import uuid4

from structlog.testing import capture_logs

from hourbank_ledger.adapters.kafka_consumer import _log_batch
from hourbank_ledger.application.ledger import KafkaPosition, Outcome
from services.ledger.tests.unit.test_ledger import TOPIC, completion


def test_a_batch_line_counts_outcomes_and_spans_offsets_per_partition() -> None:
    person = uuid4()
    deliveries = [
        (completion(person, version=1), KafkaPosition(TOPIC, 0, 7)),
        (completion(person, version=2), KafkaPosition(TOPIC, 0, 9)),
        (completion(person, version=1), KafkaPosition(TOPIC, 2, 3)),
    ]
    outcomes = [Outcome.APPLIED, Outcome.APPLIED, Outcome.DUPLICATE_EVENT]
    with capture_logs() as lines:
        _log_batch(deliveries, outcomes, 12.5)
    (line,) = [entry for entry in lines if entry["event"] == "ledger.batch"]
    assert line["messages"] == 3
    assert (line["applied"], line["duplicate_event"], line["already_tracked"]) == (2, 1, 0)
    assert line["offsets"] == {f"{TOPIC}:0": "7-9", f"{TOPIC}:2": "3-3"}
    assert line["duration_ms"] == 12.5
