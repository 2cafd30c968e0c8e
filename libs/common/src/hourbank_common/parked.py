"""The parking lot: stored items a line (a relay, a projection) could not handle.

A relay that cannot translate a stored event, or a projection that cannot write one, must not
stop: the item is *parked* — recorded with its reason in the service's ``parked_items`` table
in the same transaction as the line's advanced position, so that nothing is lost and a
restart does not meet it again — logged at ERROR (``line.parked``), counted in the
``hourbank_parked_items_total`` metric, and the line goes on with the next item.

After a fix, ``retry_parked`` (the ``retry`` command of each service's
``entrypoints/parked.py``) hands every unresolved item of a line to the line again; one that
succeeds is marked resolved, one that fails again stays parked with its new reason.

Parked items name the stored event (upstream notification log, notification id, topic,
originator id and version) and the reason — never its payload, which may carry personal data.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import threading
import zlib
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol

import pydantic
from eventsourcing.persistence import Notification, Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresTrackingRecorder
from prometheus_client import Counter
from psycopg.sql import SQL, Identifier

from hourbank_common.healing import is_transient
from hourbank_common.logging import get_logger

TABLE = "parked_items"
REASON_MAX_CHARS = 2000

PARKED_ITEMS = Counter(
    "hourbank_parked_items",
    "Stored items a line (relay or projection) could not handle and parked.",
    ["line"],
)
PARKED_RETRIES = Counter(
    "hourbank_parked_item_retries",
    "Retries of parked items, by line and outcome (resolved or still_parked).",
    ["line", "outcome"],
)
_log = get_logger("hourbank.parked")


def describe(error: BaseException) -> str:
    """Why an item could not be handled, without the values involved (they may be personal
    data): pydantic's errors by field and message only, otherwise the error's own text."""
    if isinstance(error, pydantic.ValidationError):
        fields = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(value)'}: {e['msg']}"
            for e in error.errors(include_url=False, include_input=False, include_context=False)
        )
        text = f"ValidationError for {error.title}: {fields}"
    else:
        text = f"{type(error).__name__}: {error}"
    return text[:REASON_MAX_CHARS]


@dataclass(frozen=True)
class ParkedItem:
    """One stored event a line could not handle, and why."""

    upstream: str
    """Name of the application whose notification log the event is in."""
    notification_id: int
    topic: str
    originator_id: str
    originator_version: int
    reason: str

    @classmethod
    def of(cls, upstream: str, notification: Notification, error: BaseException) -> ParkedItem:
        return cls(
            upstream=upstream,
            notification_id=notification.id,
            topic=notification.topic,
            originator_id=str(notification.originator_id),
            originator_version=notification.originator_version,
            reason=describe(error),
        )


@dataclass(frozen=True)
class ParkedRecord:
    """A parked item as the parking lot keeps it."""

    id: int
    line: str
    item: ParkedItem
    parked_at: datetime
    attempts: int
    """How many times it was tried: 1 when parked, one more per retry."""
    resolved_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "line": self.line,
            **asdict(self.item),
            "parked_at": self.parked_at.isoformat(),
            "attempts": self.attempts,
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
        }


class ParkingLot(ABC):
    """Where one line parks what it cannot handle, next to (and atomically with) its
    position in ``recorder``."""

    def __init__(self, recorder: TrackingRecorder, line: str) -> None:
        self.recorder = recorder
        self.line = line

    def park(self, items: Sequence[ParkedItem], tracking: Tracking) -> None:
        """Record ``items`` (perhaps none) and advance the position to ``tracking``, in one
        transaction; then log each at ERROR and count it."""
        self._park(items, tracking)
        for item in items:
            PARKED_ITEMS.labels(self.line).inc()
            _log.error("line.parked", line=self.line, **asdict(item))

    @abstractmethod
    def _park(self, items: Sequence[ParkedItem], tracking: Tracking) -> None: ...

    @abstractmethod
    def records(self, *, include_resolved: bool = False) -> list[ParkedRecord]:
        """This line's parked items in the order they were met (unresolved ones only,
        unless ``include_resolved``)."""

    @abstractmethod
    def retried(self, parked_id: int, *, reason: str | None) -> None:
        """Count one more attempt: resolved when ``reason`` is None, else still parked
        with the new reason."""


class InMemoryParkingLot(ParkingLot):
    """For unit tests and in-memory persistence: the same behaviour, kept in a list."""

    def __init__(self, recorder: TrackingRecorder, line: str) -> None:
        super().__init__(recorder, line)
        self._lock = threading.Lock()
        self._records: list[ParkedRecord] = []

    def _park(self, items: Sequence[ParkedItem], tracking: Tracking) -> None:
        with self._lock:
            self.recorder.insert_tracking(tracking)
            now = datetime.now(UTC)
            known = {(r.item.upstream, r.item.notification_id) for r in self._records}
            for item in items:
                if (item.upstream, item.notification_id) not in known:
                    record = ParkedRecord(len(self._records) + 1, self.line, item, now, 1, None)
                    self._records.append(record)

    def records(self, *, include_resolved: bool = False) -> list[ParkedRecord]:
        with self._lock:
            return [r for r in self._records if include_resolved or r.resolved_at is None]

    def retried(self, parked_id: int, *, reason: str | None) -> None:
        with self._lock:
            index = parked_id - 1
            record = self._records[index]
            self._records[index] = replace(
                record,
                attempts=record.attempts + 1,
                resolved_at=datetime.now(UTC) if reason is None else None,
                item=record.item if reason is None else replace(record.item, reason=reason),
            )


class PostgresParkingLot(ParkingLot):
    """``parked_items`` in the recorder's schema, shared by every line of the service; one row
    per (line, upstream, notification id)."""

    recorder: PostgresTrackingRecorder

    def __init__(self, recorder: PostgresTrackingRecorder, line: str) -> None:
        super().__init__(recorder, line)
        self.table = SQL("{}.{}").format(Identifier(recorder.datastore.schema), Identifier(TABLE))

    def create_table(self) -> None:
        with self.recorder.datastore.transaction(commit=True) as curs:
            # Every line of every service in the schema creates it at start-up: one at a
            # time (a key of its own, so a caller holding table_creation_lock cannot
            # deadlock with itself).
            curs.execute(
                "SELECT pg_advisory_xact_lock(%s)",
                (zlib.crc32(f"hourbank-ddl:{TABLE}:{self.recorder.datastore.schema}".encode()),),
            )
            curs.execute(
                SQL(
                    "CREATE TABLE IF NOT EXISTS {} ("
                    " id bigserial PRIMARY KEY,"
                    " line text NOT NULL,"
                    " upstream text NOT NULL,"
                    " notification_id bigint NOT NULL,"
                    " topic text NOT NULL,"
                    " originator_id text NOT NULL,"
                    " originator_version bigint NOT NULL,"
                    " reason text NOT NULL,"
                    " parked_at timestamptz NOT NULL DEFAULT now(),"
                    " attempts integer NOT NULL DEFAULT 1,"
                    " last_attempt_at timestamptz NOT NULL DEFAULT now(),"
                    " resolved_at timestamptz NULL,"
                    " UNIQUE (line, upstream, notification_id))"
                ).format(self.table)
            )

    def _park(self, items: Sequence[ParkedItem], tracking: Tracking) -> None:
        with self.recorder.datastore.transaction(commit=True) as curs:
            if items:
                curs.executemany(
                    SQL(
                        "INSERT INTO {} (line, upstream, notification_id, topic, originator_id,"
                        " originator_version, reason) VALUES (%s, %s, %s, %s, %s, %s, %s)"
                        " ON CONFLICT (line, upstream, notification_id) DO NOTHING"
                    ).format(self.table),
                    [
                        (
                            self.line,
                            item.upstream,
                            item.notification_id,
                            item.topic,
                            item.originator_id,
                            item.originator_version,
                            item.reason,
                        )
                        for item in items
                    ],
                )
            self.recorder._insert_tracking(curs, tracking)

    def records(self, *, include_resolved: bool = False) -> list[ParkedRecord]:
        with self.recorder.datastore.transaction(commit=False) as curs:
            curs.execute(
                SQL(
                    "SELECT * FROM {} WHERE line = %s AND (%s OR resolved_at IS NULL)"
                    " ORDER BY upstream, notification_id"
                ).format(self.table),
                (self.line, include_resolved),
            )
            return [
                ParkedRecord(
                    id=row["id"],
                    line=row["line"],
                    item=ParkedItem(
                        upstream=row["upstream"],
                        notification_id=row["notification_id"],
                        topic=row["topic"],
                        originator_id=row["originator_id"],
                        originator_version=row["originator_version"],
                        reason=row["reason"],
                    ),
                    parked_at=row["parked_at"],
                    attempts=row["attempts"],
                    resolved_at=row["resolved_at"],
                )
                for row in curs.fetchall()
            ]

    def retried(self, parked_id: int, *, reason: str | None) -> None:
        with self.recorder.datastore.transaction(commit=True) as curs:
            curs.execute(
                SQL(
                    "UPDATE {} SET attempts = attempts + 1, last_attempt_at = now(),"
                    " reason = coalesce(%s, reason),"
                    " resolved_at = CASE WHEN %s THEN now() END"
                    " WHERE id = %s AND line = %s"
                ).format(self.table),
                (reason, reason is None, parked_id, self.line),
            )


def parking_lot_for(recorder: TrackingRecorder, line: str) -> ParkingLot:
    """The parking lot beside ``recorder``: PostgreSQL for a PostgreSQL recorder (its table
    is created if missing), in memory otherwise."""
    if isinstance(recorder, PostgresTrackingRecorder):
        lot = PostgresParkingLot(recorder, line)
        lot.create_table()
        return lot
    return InMemoryParkingLot(recorder, line)


def retry_tracking(record: ParkedRecord) -> Tracking:
    """The position a retried item is written with, in the line's own tracking table: one
    name per parked item, so that a retry that committed is recognised and never written
    twice (the line's main position is already past it)."""
    return Tracking(f"{record.item.upstream}:parked:{record.id}", record.item.notification_id)


def parked_notification(
    select: Callable[..., Sequence[Notification]], record: ParkedRecord
) -> Notification:
    """The stored event a parked item names, read again from the upstream notification log."""
    found = select(start=record.item.notification_id, limit=1, stop=record.item.notification_id)
    if not found:
        msg = f"notification {record.item.notification_id} of {record.item.upstream} is gone"
        raise LookupError(msg)
    return found[0]


class ParkedItemRetrier(Protocol):
    """A line that can handle one of its parked items again."""

    @property
    def parking(self) -> ParkingLot: ...

    def running(self) -> contextlib.AbstractAsyncContextManager[None]:
        """Whatever the line needs while retrying (for a relay: its broker connection)."""
        ...

    async def retry_parked(self, record: ParkedRecord) -> None:
        """Handle the item again; raise if it still cannot be handled."""


@dataclass
class RetryReport:
    line: str
    resolved: list[int] = field(default_factory=list)
    still_parked: dict[int, str] = field(default_factory=dict)


async def retry_parked(retrier: ParkedItemRetrier, *, only: Sequence[int] = ()) -> RetryReport:
    """Hand each unresolved parked item of the line (or only those with the given ids) to
    it again, in the order they were met. A transient error (a dependency down) stops the
    retry with the item still parked and unchanged."""
    lot = retrier.parking
    report = RetryReport(lot.line)
    async with retrier.running():
        for record in lot.records():
            if only and record.id not in only:
                continue
            try:
                await retrier.retry_parked(record)
            except Exception as error:
                if is_transient(error):
                    raise
                reason = describe(error)
                await asyncio.to_thread(lot.retried, record.id, reason=reason)
                report.still_parked[record.id] = reason
                PARKED_RETRIES.labels(lot.line, "still_parked").inc()
                _log.error("line.still_parked", line=lot.line, parked_id=record.id, reason=reason)
            else:
                await asyncio.to_thread(lot.retried, record.id, reason=None)
                report.resolved.append(record.id)
                PARKED_RETRIES.labels(lot.line, "resolved").inc()
                _log.info("line.parked_resolved", line=lot.line, parked_id=record.id)
    return report


@contextlib.asynccontextmanager
async def nothing_to_run() -> AsyncIterator[None]:
    yield


def main(
    lines: Mapping[str, Callable[[], ParkedItemRetrier]], argv: Sequence[str] | None = None
) -> int:
    """The ``parked`` command of a service: ``list`` or ``retry`` the parked items of one of
    its lines (``lines`` maps each line's name to a builder of it).

    Exit status 0 when nothing is left parked (for ``retry``: every item tried was resolved),
    1 otherwise.
    """
    parser = argparse.ArgumentParser(description="Parked items of a relay or projection.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("list", "print the line's unresolved parked items, one JSON object a line"),
        ("retry", "hand the line's unresolved parked items to it again (after a fix)"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--line", required=True, choices=sorted(lines))
        if name == "retry":
            command.add_argument("--id", type=int, action="append", default=[], dest="ids")
        else:
            command.add_argument("--all", action="store_true", help="resolved ones too")
    args = parser.parse_args(argv)
    retrier = lines[args.line]()
    if args.command == "list":
        records = retrier.parking.records(include_resolved=args.all)
        for record in records:
            print(json.dumps(record.as_dict(), ensure_ascii=False))
        return 1 if any(r.resolved_at is None for r in records) else 0
    report = asyncio.run(retry_parked(retrier, only=args.ids))
    print(json.dumps(asdict(report), ensure_ascii=False))
    return 1 if report.still_parked else 0


def run(lines: Mapping[str, Callable[[], ParkedItemRetrier]]) -> None:
    """Entry point body for ``python -m <service>.entrypoints.parked``."""
    sys.exit(main(lines))
