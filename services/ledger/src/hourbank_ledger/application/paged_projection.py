"""Projecting the ledger's event store into a read table a page at a time.

eventsourcing's ``ProjectionRunner`` hands a projection one event at a time, and a projection
that keeps its rows and its position together commits once per event: three round trips and
a commit for every fact, which held the live read model to a few thousand events a second
(docs/benchmarks.md). Here each page of up to ``page_size`` notifications is written in one
transaction with the position of the page's end, the same thing the rebuild does.

A page is read up to the newest notification id seen *before* the page was selected, and the
position advances to that id even when no notification in the range has the projection's
topics. That keeps a projection of rare events (the person directory) from rescanning every
fact recorded since its last registration on each wake-up. It is sound because the
PostgreSQL recorder serialises its inserting transactions with a table lock: once an id is
visible, every lower id is committed or will never exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, Protocol, TypeVar

from eventsourcing.persistence import Tracking, TrackingRecorder

from hourbank_ledger.application.ledger import Ledger

DEFAULT_PAGE_SIZE = 1000

View_co = TypeVar("View_co", bound=TrackingRecorder, covariant=True)


class PagedProjection(Protocol, Generic[View_co]):
    """A projection that writes a page of events and the page's position in one transaction."""

    @property
    def name(self) -> str: ...

    @property
    def topics(self) -> Sequence[str]: ...

    @property
    def view(self) -> View_co: ...

    def project_page(self, domain_events: Sequence[object], tracking: Tracking) -> None: ...


def project_available(
    ledger: Ledger,
    projection: PagedProjection[TrackingRecorder],
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> int:
    """Project everything recorded so far that ``projection`` has not seen; returns the
    number of events handed to it. Safe to call again at any time: it resumes from the
    position the view committed last."""
    if page_size < 1:
        msg = "page_size must be at least 1"
        raise ValueError(msg)
    position = projection.view.max_tracking_id(ledger.name) or 0
    newest = ledger.recorder.max_notification_id() or 0
    projected = 0
    while position < newest:
        notifications = ledger.recorder.select_notifications(
            start=position,
            limit=page_size,
            stop=newest,
            topics=tuple(projection.topics),
            inclusive_of_start=False,
        )
        # A full page may stop short of `newest`; a short one has seen the whole range.
        end = notifications[-1].id if len(notifications) == page_size else newest
        events = [ledger.mapper.to_domain_event(n) for n in notifications]
        projection.project_page(events, Tracking(ledger.name, end))
        position = end
        projected += len(events)
    return projected


class PagedProjector(Generic[View_co]):
    """Keeps several paged projections of one ledger up to date; ``run_once`` catches every
    projection up and reports how many events it projected."""

    def __init__(
        self,
        ledger: Ledger,
        projections: Sequence[PagedProjection[TrackingRecorder]],
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        self.ledger = ledger
        self.projections = list(projections)
        self.page_size = page_size

    def run_once(self) -> int:
        return sum(
            project_available(self.ledger, projection, page_size=self.page_size)
            for projection in self.projections
        )

    def positions(self) -> dict[str, int | None]:
        return {
            projection.name: projection.view.max_tracking_id(self.ledger.name)
            for projection in self.projections
        }
