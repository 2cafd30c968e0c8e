"""Projecting an application's event store into read tables a page at a time, parking what
cannot be written, and surviving PostgreSQL restarts.

eventsourcing's ``ProjectionRunner`` hands a projection one event at a time, and a projection
that keeps its rows and its position together commits once per event: three round trips and
a commit for every fact, which held the ledger's live read model to a few thousand events a
second (docs/benchmarks.md). Here each page of up to ``page_size`` notifications is written in
one transaction with the position of the page's end.

A page is read up to the newest notification id seen *before* the page was selected, and the
position advances to that id even when no notification in the range has the projection's
topics. That keeps a projection of rare events from rescanning every event recorded since its
last one on each wake-up. It is sound because eventsourcing's PostgreSQL recorder serialises
its inserting transactions with a table lock: once an id is visible, every lower id is
committed or will never exist.

A page that cannot be written (an error that is not a dependency being away) is written again
one event at a time; an event that still fails is parked (``hourbank_common.parked``) with
its position, and the projection goes on. ``PagedProjector.retry_parked`` writes a parked
event after a fix, under a position of its own, so exactly once.

``run_projector`` is a projector process's loop: catch up, then sleep until the recorder sends
a PostgreSQL notification (or at most ``idle_wait`` seconds); when PostgreSQL goes away it
waits with backoff, listens again and resumes from the committed positions
(``hourbank_common.processes.run_projector_process`` runs it as a process).

Metrics, by projection: ``hourbank_projector_position`` (the notification id its view has
seen up to), ``hourbank_projector_head`` (the newest notification id in the store at the last
catch-up), ``hourbank_projector_lag`` (their difference) and ``hourbank_projector_events_total``.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any, Generic, Protocol, TypeVar

from eventsourcing.application import Application
from eventsourcing.persistence import Notification, Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresApplicationRecorder
from prometheus_client import Counter, Gauge
from psycopg import Connection
from psycopg.sql import SQL, Identifier

from hourbank_common.healing import OUTAGES, is_transient, until_healed
from hourbank_common.health import Heartbeat
from hourbank_common.logging import get_logger
from hourbank_common.parked import (
    ParkedItem,
    ParkedRecord,
    ParkingLot,
    parked_notification,
    parking_lot_for,
    retry_tracking,
)

DEFAULT_PAGE_SIZE = 1000

View_co = TypeVar("View_co", bound=TrackingRecorder, covariant=True)
_log = get_logger("hourbank.projector")

PROJECTOR_POSITION = Gauge(
    "hourbank_projector_position",
    "Notification id the projection's view has seen up to.",
    ["projection"],
)
PROJECTOR_HEAD = Gauge(
    "hourbank_projector_head",
    "Newest notification id in the projected store at the projection's last catch-up.",
    ["projection"],
)
PROJECTOR_LAG = Gauge(
    "hourbank_projector_lag",
    "Notifications recorded but not yet projected (head - position).",
    ["projection"],
)
PROJECTOR_EVENTS = Counter(
    "hourbank_projector_events", "Events handed to the projection.", ["projection"]
)


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
    app: Application[Any],
    projection: PagedProjection[TrackingRecorder],
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    parking: ParkingLot | None = None,
    heartbeat: Heartbeat | None = None,
) -> int:
    """Project everything recorded so far that ``projection`` has not seen; returns the
    number of events handed to it. Safe to call again at any time: it resumes from the
    position the view committed last. Without ``parking`` an event that cannot be written
    raises (the rebuild wants that); with it, the event is parked and skipped.
    ``heartbeat`` beats after every page: a long catch-up is alive, not hung."""
    if page_size < 1:
        msg = "page_size must be at least 1"
        raise ValueError(msg)
    position = projection.view.max_tracking_id(app.name) or 0
    newest = app.recorder.max_notification_id() or 0
    projected = 0
    while position < newest:
        notifications = app.recorder.select_notifications(
            start=position,
            limit=page_size,
            stop=newest,
            topics=tuple(projection.topics),
            inclusive_of_start=False,
        )
        # A full page may stop short of `newest`; a short one has seen the whole range.
        end = notifications[-1].id if len(notifications) == page_size else newest
        try:
            events = [app.mapper.to_domain_event(n) for n in notifications]
            projection.project_page(events, Tracking(app.name, end))
        except Exception as error:
            if parking is None or is_transient(error):
                raise
            _project_one_by_one(app, projection, notifications, end, parking)
        position = end
        projected += len(notifications)
        if heartbeat is not None:
            heartbeat.beat()
        PROJECTOR_EVENTS.labels(projection.name).inc(len(notifications))
    PROJECTOR_POSITION.labels(projection.name).set(position)
    PROJECTOR_HEAD.labels(projection.name).set(max(newest, position))
    PROJECTOR_LAG.labels(projection.name).set(max(newest - position, 0))
    return projected


def _project_one_by_one(
    app: Application[Any],
    projection: PagedProjection[TrackingRecorder],
    notifications: Sequence[Notification],
    end: int,
    parking: ParkingLot,
) -> None:
    """A page failed: find the events that cannot be written, park them, write the rest."""
    for notification in notifications:
        tracking = Tracking(app.name, notification.id)
        try:
            projection.project_page([app.mapper.to_domain_event(notification)], tracking)
        except Exception as error:
            if is_transient(error):
                raise
            parking.park([ParkedItem.of(app.name, notification, error)], tracking)
    if not notifications or notifications[-1].id < end:
        parking.park([], Tracking(app.name, end))


class PagedProjector(Generic[View_co]):
    """Keeps several paged projections of one application up to date; ``run_once`` catches
    every projection up and reports how many events it projected. Each projection parks
    what it cannot write beside its view (line = the projection's name)."""

    def __init__(
        self,
        app: Application[Any],
        projections: Sequence[PagedProjection[TrackingRecorder]],
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        parking: Mapping[str, ParkingLot] | None = None,
    ) -> None:
        self.app = app
        self.projections = list(projections)
        self.page_size = page_size
        self.parking = dict(parking or {})
        for projection in self.projections:
            if projection.name not in self.parking:
                self.parking[projection.name] = parking_lot_for(projection.view, projection.name)

    def run_once(self, heartbeat: Heartbeat | None = None) -> int:
        return sum(
            project_available(
                self.app,
                projection,
                page_size=self.page_size,
                parking=self.parking[projection.name],
                heartbeat=heartbeat,
            )
            for projection in self.projections
        )

    def positions(self) -> dict[str, int | None]:
        return {
            projection.name: projection.view.max_tracking_id(self.app.name)
            for projection in self.projections
        }

    def retrier(self, name: str) -> ParkedProjectionRetrier:
        """What ``hourbank_common.parked.retry_parked`` needs to retry one projection."""
        for projection in self.projections:
            if projection.name == name:
                return ParkedProjectionRetrier(self.app, projection, self.parking[name])
        raise KeyError(name)


class ParkedProjectionRetrier:
    def __init__(
        self,
        app: Application[Any],
        projection: PagedProjection[TrackingRecorder],
        parking: ParkingLot,
    ) -> None:
        self.app = app
        self.projection = projection
        self.parking = parking

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        yield

    async def retry_parked(self, record: ParkedRecord) -> None:
        await asyncio.to_thread(self._retry, record)

    def _retry(self, record: ParkedRecord) -> None:
        tracking = retry_tracking(record)
        if self.projection.view.has_tracking_id(
            tracking.application_name, tracking.notification_id
        ):
            return  # written by an earlier retry that stopped before marking it resolved
        notification = parked_notification(self.app.recorder.select_notifications, record)
        self.projection.project_page([self.app.mapper.to_domain_event(notification)], tracking)


class RecordedEventsWakeup:
    """Waking a projector when the recorder records events (PostgreSQL LISTEN/NOTIFY).

    eventsourcing's PostgreSQL recorder sends ``NOTIFY <channel>`` in every transaction that
    inserts events. Listening starts before the first catch-up, so a notification sent while
    the projector is busy is queued on the connection and ends the next wait at once.
    """

    def __init__(self, connection: Connection[Any]) -> None:
        self._connection = connection

    def wait(self, timeout: float) -> bool:
        """Block until something new is recorded or ``timeout`` seconds pass; True when woken
        by a notification. Every notification queued so far is consumed."""
        woken = False
        for _ in self._connection.notifies(timeout=timeout, stop_after=1):
            woken = True
        if woken:
            # Drain the rest without blocking: one catch-up covers all of them.
            for _ in self._connection.notifies(timeout=0):
                pass
        return woken


@contextlib.contextmanager
def listening_to(recorder: PostgresApplicationRecorder) -> Iterator[RecordedEventsWakeup]:
    with recorder.datastore.get_connection() as connection:
        # LISTEN takes effect when its transaction commits.
        connection.autocommit = True
        connection.execute(SQL("LISTEN {}").format(Identifier(recorder.channel_name)))
        try:
            yield RecordedEventsWakeup(connection)
        finally:
            # A connection the server dropped cannot UNLISTEN, and needs not to.
            with contextlib.suppress(Exception):
                connection.execute(SQL("UNLISTEN {}").format(Identifier(recorder.channel_name)))


def run_projector(
    projector: PagedProjector[TrackingRecorder],
    stop: threading.Event,
    *,
    idle_wait: float,
    heartbeat: Heartbeat | None = None,
) -> None:
    """Catch up, sleep until woken, again, until ``stop`` is set; a PostgreSQL restart is
    waited out with backoff (the positions are in the database, so nothing is skipped).
    ``heartbeat`` beats on every turn: at least every ``idle_wait`` seconds while idle."""
    recorder = projector.app.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    what = "projector"

    def follow() -> None:
        with listening_to(recorder) as wakeup:
            _log.info("projector.following", **projector.positions())
            while not stop.is_set():
                if heartbeat is not None:
                    heartbeat.beat()
                projected = projector.run_once(heartbeat)
                # follow() returns only when stopped: a catch-up that worked ends an outage.
                OUTAGES.end(what)
                if projected:
                    _log.debug("projector.projected", events=projected, **projector.positions())
                else:
                    wakeup.wait(idle_wait)

    until_healed(follow, what=what)
