"""The outbox relay every write-side service runs: its notification log, published to Kafka.

Position is recorded only after the broker acknowledged every record of a batch, so a crash
re-publishes at most the unacknowledged tail, with the same ``ce_id`` (consumers dedupe).
Each service supplies the translation from its stored domain events to public envelopes.

A stored event that cannot be translated is parked (``hourbank_common.parked``) in the same
transaction as the advanced position, and the relay goes on with the next; ``retry_parked``
publishes it after a fix. While PostgreSQL or the broker is away the relay waits with backoff
(``hourbank_common.healing``) instead of exiting.

Metrics, by relay (its line's name, e.g. ``learning-relay``): ``hourbank_relay_position`` (the
last notification id published), ``hourbank_relay_head`` (the newest notification id in the
store when the relay last looked), ``hourbank_relay_lag`` (their difference) and
``hourbank_relay_published_total``. ``outbox_relay`` builds a service's relay on its
persistence; ``hourbank_common.processes.run_relay`` runs it as a process.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Tracking, TrackingRecorder
from prometheus_client import Counter, Gauge

from hourbank_common.healing import until_healed_async
from hourbank_common.health import Heartbeat
from hourbank_common.logging import get_logger
from hourbank_common.parked import (
    ParkedItem,
    ParkedRecord,
    ParkingLot,
    parked_notification,
    parking_lot_for,
)
from hourbank_common.persistence import Persistence
from hourbank_common.settings import OutboxRelaySettings
from hourbank_contracts import Envelope

_log = get_logger("hourbank.relay")

RELAY_POSITION = Gauge(
    "hourbank_relay_position", "Last notification id the relay published.", ["relay"]
)
RELAY_HEAD = Gauge(
    "hourbank_relay_head",
    "Newest notification id in the relay's store when it last looked.",
    ["relay"],
)
RELAY_LAG = Gauge(
    "hourbank_relay_lag",
    "Notifications recorded but not yet published (head - position).",
    ["relay"],
)
RELAY_PUBLISHED = Counter(
    "hourbank_relay_published", "Public events the relay published.", ["relay"]
)

Translate = Callable[[object], Envelope | None]
"""A stored domain event → its public envelope, or None when the event is internal only."""


class EnvelopePublisher(Protocol):
    async def publish_all(self, envelopes: Sequence[Envelope]) -> None:
        """Publish every envelope and return only once the broker acknowledged all of them."""


class Broker(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


@dataclass(frozen=True)
class BatchResult:
    last_notification_id: int
    published: int
    parked: int = 0


class OutboxRelay:
    def __init__(
        self,
        app: Application[UUID],
        position: TrackingRecorder,
        publisher: EnvelopePublisher,
        translate: Translate,
        *,
        batch_size: int = 500,
        parking: ParkingLot | None = None,
        broker: Broker | None = None,
    ) -> None:
        self._app = app
        self._translate = translate
        self._position = position
        self._publisher = publisher
        self._batch_size = batch_size
        # Beside the position, so that a parked item and the position move together.
        self.parking = parking or parking_lot_for(position, f"{app.name}-relay")
        self._broker = broker

    def position(self) -> int:
        return self._position.max_tracking_id(self._app.name) or 0

    async def relay_batch(self) -> BatchResult | None:
        """Publish the next batch of notifications; None when there was nothing new."""
        start = await asyncio.to_thread(self.position)
        notifications = await asyncio.to_thread(
            self._app.recorder.select_notifications,
            start=start + 1,
            limit=self._batch_size,
        )
        if not notifications:
            self._measure(start, head=start)
            return None
        envelopes: list[Envelope] = []
        parked: list[ParkedItem] = []
        for notification in notifications:
            try:
                envelope = self._translate(self._app.mapper.to_domain_event(notification))
            except Exception as error:  # noqa: BLE001 - whatever it is, it is parked
                # A stored event the contract refuses must not stop the line.
                parked.append(ParkedItem.of(self._app.name, notification, error))
                continue
            if envelope is not None:
                envelopes.append(envelope)
        if envelopes:
            await self._publisher.publish_all(envelopes)
        last = notifications[-1].id
        # Only now, after every acknowledgement, does the position move (with what was
        # parked, in one transaction).
        await asyncio.to_thread(self.parking.park, parked, Tracking(self._app.name, last))
        self._log_published(envelopes)
        RELAY_PUBLISHED.labels(self.parking.line).inc(len(envelopes))
        # A short batch reached the head; only behind a full one is it worth a query.
        full = len(notifications) == self._batch_size
        head = await asyncio.to_thread(self._app.recorder.max_notification_id) if full else last
        self._measure(last, head=max(head or 0, last))
        return BatchResult(last_notification_id=last, published=len(envelopes), parked=len(parked))

    def _measure(self, position: int, *, head: int) -> None:
        line = self.parking.line
        RELAY_POSITION.labels(line).set(position)
        RELAY_HEAD.labels(line).set(head)
        RELAY_LAG.labels(line).set(head - position)

    @staticmethod
    def _log_published(envelopes: Sequence[Envelope]) -> None:
        for envelope in envelopes:
            _log.info(
                "relay.published",
                ce_id=envelope.id,
                ce_type=envelope.type,
                correlation_id=envelope.correlation_id,
                **envelope.subject_ids(),
            )

    # --- retrying parked items (hourbank_common.parked.retry_parked) ----------------------

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        if self._broker is None:
            yield
            return
        await until_healed_async(self._broker.start, what="broker start")
        try:
            yield
        finally:
            await self._broker.stop()

    async def retry_parked(self, record: ParkedRecord) -> None:
        """Translate and publish a parked event again (same ``ce_id`` as it would have had)."""
        notification = await asyncio.to_thread(
            parked_notification, self._app.recorder.select_notifications, record
        )
        envelope = self._translate(self._app.mapper.to_domain_event(notification))
        if envelope is not None:
            await self._publisher.publish_all([envelope])
            self._log_published([envelope])

    async def run(
        self,
        stop: asyncio.Event,
        idle_poll_seconds: float,
        heartbeat: Heartbeat | None = None,
    ) -> None:
        _log.info("relay.started", position=await asyncio.to_thread(self.position))
        while not stop.is_set():
            if heartbeat is not None:
                heartbeat.beat()
            # PostgreSQL restarting or the broker away: wait with backoff, never exit.
            result = await until_healed_async(self.relay_batch, what="relay batch")
            if result is None:
                # Nothing new: wait for the next poll or for a stop request.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=idle_poll_seconds)
        _log.info("relay.stopped", position=await asyncio.to_thread(self.position))


def outbox_relay(
    persistence: Persistence,
    app: Application[UUID],
    publisher: EnvelopePublisher,
    translate: Translate,
    *,
    line: str,
    batch_size: int,
    broker: Broker | None = None,
) -> OutboxRelay:
    """The relay of ``app``'s notification log, called ``line`` (e.g. ``learning-relay``):
    its position and its parked items are kept in ``<line>_tracking`` (dashes become
    underscores) on ``persistence``."""
    position = persistence.tracking_recorder(line.replace("-", "_"))
    return OutboxRelay(
        app,
        position,
        publisher,
        translate,
        batch_size=batch_size,
        broker=broker,
        parking=parking_lot_for(position, line),
    )


DEFAULT_RELAY_BATCH_SIZE = OutboxRelaySettings.model_fields["relay_batch_size"].default


@dataclass(frozen=True)
class Outbox:
    """A service's outbox: the notification log of its store, how its stored events become
    contract events, and the relay line (``line``) that publishes them. A service's
    composition root names it once; the relay process and the tests build relays from it."""

    persistence: Persistence
    log: Application[UUID]
    translate: Translate
    line: str

    def relay(
        self,
        publisher: EnvelopePublisher,
        *,
        batch_size: int = DEFAULT_RELAY_BATCH_SIZE,
        broker: Broker | None = None,
    ) -> OutboxRelay:
        """Publishes with ``publisher``; ``broker`` (the publisher's) is started and stopped
        with the relay."""
        return outbox_relay(
            self.persistence,
            self.log,
            publisher,
            self.translate,
            line=self.line,
            batch_size=batch_size,
            broker=broker,
        )
