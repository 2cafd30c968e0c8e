"""Projecting the ledger's event store into its read tables a page at a time.

The paged loop, with parking of events that cannot be written, is shared with identity's
projector: ``hourbank_common.projection`` (its docstring explains the paging and why the
position may advance past notifications without the projection's topics). This module keeps
the ledger's names for it.
"""

from __future__ import annotations

from typing import TypeVar

from eventsourcing.persistence import TrackingRecorder

from hourbank_common.projection import DEFAULT_PAGE_SIZE, PagedProjection, project_available
from hourbank_common.projection import PagedProjector as _PagedProjector
from hourbank_ledger.application.ledger import Ledger

__all__ = ["DEFAULT_PAGE_SIZE", "PagedProjection", "PagedProjector", "project_available"]

View_co = TypeVar("View_co", bound=TrackingRecorder, covariant=True)


class PagedProjector(_PagedProjector[View_co]):
    """The ledger's projections (read model, directory) over its event store."""

    @property
    def ledger(self) -> Ledger:
        assert isinstance(self.app, Ledger)
        return self.app
