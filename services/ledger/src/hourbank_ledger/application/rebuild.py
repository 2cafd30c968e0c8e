"""Rebuilding the read model from the ledger's own event store.

The read tables are derived data: dropping them and replaying every stored fact must give
the same rows. Run it with the projector stopped (it is the read model's only writer).
"""

from __future__ import annotations

from eventsourcing.persistence import Tracking

from hourbank_ledger.application.ledger import Ledger
from hourbank_ledger.application.read_model import HourBankProjection, HourBankView, fact_row
from hourbank_ledger.domain.hour_bank import HourBank


def rebuild_read_model(ledger: Ledger, view: HourBankView, *, batch_size: int = 1000) -> int:
    """Clear ``view`` and project every stored fact into it; returns the events replayed.

    Each page of ``batch_size`` notifications is written in one transaction with the
    position of its last one, not one transaction per event: a rebuild replays millions.
    """
    view.clear()
    replayed = 0
    position = 0
    while True:
        notifications = ledger.recorder.select_notifications(
            start=position + 1, limit=batch_size, topics=HourBankProjection.topics
        )
        if not notifications:
            return replayed
        rows = []
        for notification in notifications:
            recorded = ledger.mapper.to_domain_event(notification)
            assert isinstance(recorded, HourBank.FactRecorded)  # the only topic selected
            rows.append(fact_row(recorded))
        position = notifications[-1].id
        view.add_facts(rows, Tracking(ledger.name, position))
        replayed += len(rows)
