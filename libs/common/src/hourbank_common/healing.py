"""Surviving a dependency's restart: wait with backoff until PostgreSQL or Kafka is back.

A PostgreSQL restart (even ``pg_ctl restart -m immediate``) or a broker outage is not a reason
for a process to exit: the work it was doing is retried with exponential backoff (stamina,
capped at ``WAIT_MAX_SECONDS``, without limit on attempts or time), and every retry is logged
as ``stamina.retry_scheduled`` and counted in stamina's ``stamina_retries_total`` metric.

Only errors that say "the dependency is unreachable" are retried here (``is_transient``).
Anything else is a property of the item being handled and goes to the parking lot
(``hourbank_common.parked``) instead, so that neither kind stops a line.

While work is being retried the process is *in an outage*: ``OUTAGES`` names what waits and
when it last tried. A process's readiness (``hourbank_common.health``) is false meanwhile,
and its liveness counts each attempt as a sign of life, so that an orchestrator stops routing
to the process during an outage but does not restart it for waiting.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import aiokafka.errors
import psycopg
import stamina
from eventsourcing.persistence import InterfaceError, OperationalError

T = TypeVar("T")

WAIT_INITIAL_SECONDS = 0.2
WAIT_MAX_SECONDS = 5.0
WAIT_JITTER_SECONDS = 0.5

_TRANSIENT_TYPES: tuple[type[BaseException], ...] = (
    # eventsourcing wraps psycopg's connection errors in these (its own retries give up
    # after about two seconds, shorter than a restart takes).
    OperationalError,
    InterfaceError,
    # psycopg's own (views that use the connection directly); AdminShutdown, "the database
    # system is starting up" and the pool's PoolTimeout are OperationalErrors too.
    psycopg.OperationalError,
    psycopg.InterfaceError,
    aiokafka.errors.KafkaConnectionError,
    aiokafka.errors.KafkaTimeoutError,
    ConnectionError,
    TimeoutError,
)


def is_transient(error: BaseException) -> bool:
    """True when ``error`` means a dependency is (for now) unreachable, not that the item
    being handled is bad."""
    if isinstance(error, _TRANSIENT_TYPES):
        return True
    # aiokafka marks the errors a client may retry (no leader yet, node not ready, ...).
    return isinstance(error, aiokafka.errors.KafkaError) and bool(error.retriable)


class Outages:
    """What this process is waiting out now: ``what`` → when its latest attempt failed.

    Process-wide, like the outage itself: the relay loop, the consumer's batch in its worker
    thread and a start-up all report here, and the health server reads it from its own
    thread.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._failing: dict[str, float] = {}

    @contextlib.contextmanager
    def attempt(self, what: str) -> Iterator[None]:
        """One attempt at ``what``: a transient failure starts (or continues) its outage,
        success ends it."""
        try:
            yield
        except BaseException as error:
            if is_transient(error):
                with self._lock:
                    self._failing[what] = self._clock()
            raise
        self.end(what)

    def end(self, what: str) -> None:
        """``what`` works again. Work that runs for good inside ``until_healed`` (a loop
        that only returns when stopped) says so itself once it made progress."""
        with self._lock:
            self._failing.pop(what, None)

    def current(self) -> list[str]:
        with self._lock:
            return sorted(self._failing)

    def seconds_since_last_attempt(self) -> float | None:
        """None outside an outage."""
        with self._lock:
            if not self._failing:
                return None
            return self._clock() - max(self._failing.values())

    def clear(self) -> None:
        with self._lock:
            self._failing.clear()


OUTAGES = Outages()


def _backoff(what: str) -> stamina._core._RetryContextIterator:
    return stamina.retry_context(
        on=is_transient,
        attempts=None,
        timeout=None,
        wait_initial=WAIT_INITIAL_SECONDS,
        wait_max=WAIT_MAX_SECONDS,
        wait_jitter=WAIT_JITTER_SECONDS,
    ).with_name(what, (), {})


def until_healed(work: Callable[[], T], *, what: str) -> T:
    """Run ``work``; while it fails with a transient error, wait (backoff) and run it again."""
    for attempt in _backoff(what):
        with attempt, OUTAGES.attempt(what):
            return work()
    raise AssertionError("unreachable: stamina re-raises the last error")  # pragma: no cover


async def until_healed_async(work: Callable[[], Awaitable[T]], *, what: str) -> T:
    """``until_healed`` for a coroutine function."""
    async for attempt in _backoff(what):
        with attempt, OUTAGES.attempt(what):
            return await work()
    raise AssertionError("unreachable: stamina re-raises the last error")  # pragma: no cover
