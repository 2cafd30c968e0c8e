"""The outbox relay every write-side service runs: its notification log, published to Kafka.

Position is recorded only after the broker acknowledged every record of a batch, so a crash
re-publishes at most the unacknowledged tail, with the same ``ce_id`` (consumers dedupe).
Each service supplies the translation from its stored domain events to public envelopes.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Tracking, TrackingRecorder

from hourbank_common.logging import get_logger
from hourbank_common.runtime import settle_startup_objects
from hourbank_contracts import Envelope

_log = get_logger("hourbank.relay")

Translate = Callable[[object], Envelope | None]
"""A stored domain event → its public envelope, or None when the event is internal only."""


class EnvelopePublisher(Protocol):
    async def publish_all(self, envelopes: Sequence[Envelope]) -> None:
        """Publish every envelope and return only once the broker acknowledged all of them."""


@dataclass(frozen=True)
class BatchResult:
    last_notification_id: int
    published: int


class OutboxRelay:
    def __init__(
        self,
        app: Application[UUID],
        position: TrackingRecorder,
        publisher: EnvelopePublisher,
        translate: Translate,
        *,
        batch_size: int = 500,
    ) -> None:
        self._app = app
        self._translate = translate
        self._position = position
        self._publisher = publisher
        self._batch_size = batch_size

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
            return None
        envelopes = [
            envelope
            for notification in notifications
            if (envelope := self._translate(self._app.mapper.to_domain_event(notification)))
            is not None
        ]
        if envelopes:
            await self._publisher.publish_all(envelopes)
        last = notifications[-1].id
        # Only now, after every acknowledgement, does the position move.
        await asyncio.to_thread(self._position.insert_tracking, Tracking(self._app.name, last))
        for envelope in envelopes:
            _log.info(
                "relay.published",
                ce_id=envelope.id,
                ce_type=envelope.type,
                correlation_id=envelope.correlation_id,
                **envelope.subject_ids(),
            )
        return BatchResult(last_notification_id=last, published=len(envelopes))

    async def run(self, stop: asyncio.Event, idle_poll_seconds: float) -> None:
        _log.info("relay.started", position=await asyncio.to_thread(self.position))
        while not stop.is_set():
            result = await self.relay_batch()
            if result is None:
                # Nothing new: wait for the next poll or for a stop request.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=idle_poll_seconds)
        _log.info("relay.stopped", position=await asyncio.to_thread(self.position))


class _Broker(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


async def run_until_signalled(
    relay: OutboxRelay, broker: _Broker, *, idle_poll_seconds: float
) -> None:
    """A relay process's main loop: start the broker, relay until SIGINT/SIGTERM, stop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await broker.start()
    settle_startup_objects()
    try:
        await relay.run(stop, idle_poll_seconds)
    finally:
        await broker.stop()
