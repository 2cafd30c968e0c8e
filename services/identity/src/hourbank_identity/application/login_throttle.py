"""Where failed credential attempts are counted: per login, per client address and per
login from one address (policy in ``domain/throttling.py``).

The counts live outside the event store, so that guessing an unknown login creates no
aggregate and leaves no event, and so that every API replica sees the same counts
(PostgreSQL in production, ``adapters/throttle_postgres.py``). Keys are keyed hashes: a
login may be an ID number, and neither it nor a client address is stored in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from hourbank_identity.domain.throttling import LOGIN_POLICIES, Backoff, ThrottleScope

# Rows not added to for longer than the longest forget_after are removed this often.
_PURGE_EVERY_FAILURES = 200


class ThrottleStore(Protocol):
    """Port: failure counts by key, shared by every API instance."""

    def counts(self, keys: Sequence[str]) -> dict[str, tuple[int, datetime]]:
        """``(failures, last_failure)`` of each key that has a count."""
        ...

    def record_failures(self, forget_before: Mapping[str, datetime], now: datetime) -> None:
        """Add one failure at ``now`` to each key, atomically per key; a count whose last
        failure is older than the key's ``forget_before`` starts again at one."""
        ...

    def forget(self, keys: Sequence[str]) -> None: ...

    def purge(self, older_than: datetime) -> int:
        """Remove counts whose last failure is older than ``older_than``; how many."""
        ...


class InMemoryThrottleStore:
    """For tests and single-process tools only: counts die with the process and are not
    shared between API replicas."""

    def __init__(self) -> None:
        self._rows: dict[str, tuple[int, datetime]] = {}
        self._lock = threading.Lock()

    def counts(self, keys: Sequence[str]) -> dict[str, tuple[int, datetime]]:
        with self._lock:
            return {key: self._rows[key] for key in keys if key in self._rows}

    def record_failures(self, forget_before: Mapping[str, datetime], now: datetime) -> None:
        with self._lock:
            for key, cutoff in forget_before.items():
                failures, last = self._rows.get(key, (0, now))
                if last < cutoff:
                    failures = 0
                self._rows[key] = (failures + 1, max(last, now))

    def forget(self, keys: Sequence[str]) -> None:
        with self._lock:
            for key in keys:
                self._rows.pop(key, None)

    def purge(self, older_than: datetime) -> int:
        with self._lock:
            old = [key for key, (_, last) in self._rows.items() if last < older_than]
            for key in old:
                del self._rows[key]
            return len(old)


def address_key(host: str) -> str:
    """The part of a client address that identifies one client: an IPv4 address, or the
    /64 network of an IPv6 address (one subscriber gets a whole /64)."""
    try:
        address = ipaddress.ip_address(host.strip())
    except ValueError:
        return host.strip().lower()
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


class LoginThrottle:
    """Counts failures under the three keys of an attempt and says how long to wait.

    ``secret`` keys the hashes of logins and addresses (HMAC-SHA256), so that the table
    cannot be reversed by hashing every plausible ID number.
    """

    def __init__(
        self,
        store: ThrottleStore,
        secret: bytes,
        policies: Mapping[ThrottleScope, Backoff] = LOGIN_POLICIES,
    ) -> None:
        if len(secret) < 32:
            raise ValueError("the throttle's secret must have at least 32 bytes")
        self._store = store
        self._secret = secret
        self._policies = dict(policies)
        self._longest_memory = max(p.forget_after for p in self._policies.values())
        self._failures_since_purge = 0
        self._purge_lock = threading.Lock()

    def _keys(self, login: str, client_address: str) -> dict[ThrottleScope, str]:
        address = address_key(client_address)
        parts = {
            ThrottleScope.LOGIN_FROM_ADDRESS: f"{login}\x00{address}",
            ThrottleScope.ADDRESS: address,
            ThrottleScope.LOGIN: login,
        }
        return {
            scope: f"{scope.value}:"
            + hmac.new(
                self._secret, f"{scope.value}\x00{text}".encode(), hashlib.sha256
            ).hexdigest()
            for scope, text in parts.items()
            if scope in self._policies
        }

    def retry_after(self, login: str, client_address: str, now: datetime) -> timedelta | None:
        """How long this login from this address must wait, or None if it may try now.
        ``login`` is the normalised login (the caller's: the same for every spelling)."""
        keys = self._keys(login, client_address)
        counts = self._store.counts(list(keys.values()))
        waits = [
            self._policies[scope].retry_after(*counts[key], now)
            for scope, key in keys.items()
            if key in counts
        ]
        longest = max(waits, default=timedelta(0))
        return longest if longest > timedelta(0) else None

    def failed(self, login: str, client_address: str, now: datetime) -> None:
        keys = self._keys(login, client_address)
        self._store.record_failures(
            {key: now - self._policies[scope].forget_after for scope, key in keys.items()}, now
        )
        with self._purge_lock:
            self._failures_since_purge += 1
            due = self._failures_since_purge >= _PURGE_EVERY_FAILURES
            if due:
                self._failures_since_purge = 0
        if due:
            # Keeps the table as small as the last hour's failures (unknown logins too).
            self._store.purge(now - self._longest_memory)

    def succeeded(self, login: str, client_address: str) -> None:
        """The owner got in from this address: their typing mistakes there are forgotten.
        The address's and the login's other counts stay (see the domain module)."""
        key = self._keys(login, client_address).get(ThrottleScope.LOGIN_FROM_ADDRESS)
        if key is not None:
            self._store.forget([key])
