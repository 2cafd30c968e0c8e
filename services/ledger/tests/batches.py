"""The tests' shorthand for one delivery, which the ledger applies as a batch of one."""

from __future__ import annotations

from hourbank_contracts import Envelope
from hourbank_ledger.application.ledger import Decision, KafkaPosition, Ledger


def apply_one(ledger: Ledger, envelope: Envelope, position: KafkaPosition) -> Decision:
    (decision,) = ledger.apply_batch([(envelope, position)])
    return decision
