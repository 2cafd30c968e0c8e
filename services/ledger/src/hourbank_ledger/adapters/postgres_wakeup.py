"""Waking the projector when the ledger records events (PostgreSQL LISTEN/NOTIFY).

The ledger's recorder sends ``NOTIFY <channel>`` in every transaction that inserts events;
eventsourcing's own subscription listens the same way. Listening starts before the first
catch-up, so a notification sent while the projector is busy is queued on the connection and
ends the next wait at once: nothing recorded in between is left waiting for the timeout.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import Connection
from psycopg.sql import SQL, Identifier


class RecordedEventsWakeup:
    def __init__(self, connection: Connection[Any]) -> None:
        self._connection = connection

    def wait(self, timeout: float) -> bool:
        """Block until the ledger has recorded something new or ``timeout`` seconds pass;
        True when woken by a notification. Every notification queued so far is consumed."""
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
            connection.execute(SQL("UNLISTEN {}").format(Identifier(recorder.channel_name)))
