"""Rebuilding the read model from the ledger's own event store.

The read tables are derived data: dropping them and replaying every stored fact must give
the same rows. Run it with the projector stopped (it is the read model's only writer).
"""

from __future__ import annotations

from eventsourcing.persistence import Tracking

from hourbank_ledger.application.ledger import Ledger
from hourbank_ledger.application.read_model import HourBankProjection, HourBankView


def rebuild_read_model(ledger: Ledger, view: HourBankView, *, batch_size: int = 1000) -> int:
    """Clear ``view`` and project every stored fact into it; returns the events replayed."""
    view.clear()
    projection = HourBankProjection(view=view)
    replayed = 0
    position = 0
    while True:
        notifications = ledger.recorder.select_notifications(
            start=position + 1, limit=batch_size, topics=HourBankProjection.topics
        )
        if not notifications:
            return replayed
        for notification in notifications:
            projection.process_event(
                ledger.mapper.to_domain_event(notification),
                Tracking(ledger.name, notification.id),
            )
            replayed += 1
        position = notifications[-1].id
