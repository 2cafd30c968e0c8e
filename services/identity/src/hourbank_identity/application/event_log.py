"""Identity's event store as the relay and the projector see it: no keys, no vault."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import Application


class IdentityEventLog(Application[UUID]):
    """Reads identity's stored events and notification log; never writes.

    The relay and the search projector run with this rather than ``IdentityApplication``
    (the writer, ``store.py``): they only read, and the processes that run them are built
    without the keys that protect ID numbers and sign tokens.
    """

    name = "identity"
