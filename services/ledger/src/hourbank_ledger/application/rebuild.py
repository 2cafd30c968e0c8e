"""Rebuilding the read model from the ledger's own event store.

The read tables are derived data: dropping them and replaying every stored fact must give
the same rows. Run it with the projector stopped (it is the read model's only writer).
"""

from __future__ import annotations

from hourbank_ledger.application.ledger import Ledger
from hourbank_ledger.application.paged_projection import DEFAULT_PAGE_SIZE, project_available
from hourbank_ledger.application.read_model import HourBankProjection, HourBankView


def rebuild_read_model(
    ledger: Ledger, view: HourBankView, *, batch_size: int = DEFAULT_PAGE_SIZE
) -> int:
    """Clear ``view`` and project every stored fact into it; returns the events replayed.

    The same paged loop as the live projector: each page of ``batch_size`` notifications is
    written in one transaction with its position, not one transaction per event.
    """
    view.clear()
    return project_available(ledger, HourBankProjection(view=view), page_size=batch_size)
