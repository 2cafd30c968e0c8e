"""The backoff policy, the address keys, and the in-memory throttle store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from hourbank_identity.application.login_throttle import InMemoryThrottleStore, address_key
from hourbank_identity.domain.throttling import LOGIN_POLICIES, Backoff, ThrottleScope

from ..throttle_store_cases import ThrottleStoreCases


class TestInMemoryThrottleStore(ThrottleStoreCases):
    @pytest.fixture
    def store(self) -> InMemoryThrottleStore:
        return InMemoryThrottleStore()

    @pytest.fixture
    def stored_values(self, store: InMemoryThrottleStore) -> Callable[[], list[object]]:
        def values() -> list[object]:
            rows = store.counts(list(store._rows))
            return [*rows, *(v for row in rows.values() for v in row)]

        return values


def test_the_wait_doubles_after_the_free_failures_up_to_the_cap() -> None:
    backoff = LOGIN_POLICIES[ThrottleScope.LOGIN_FROM_ADDRESS]
    waits = [backoff.wait_after(n).total_seconds() for n in range(12)]
    assert waits == [0, 0, 0, 0, 0, 15, 30, 60, 120, 240, 480, 900]
    assert backoff.wait_after(10_000) == timedelta(minutes=15)


def test_the_login_from_anywhere_waits_at_most_a_minute() -> None:
    """Strangers spread over many addresses can delay the owner briefly, never lock."""
    backoff = LOGIN_POLICIES[ThrottleScope.LOGIN]
    assert max(backoff.wait_after(n) for n in range(1000)) == timedelta(seconds=60)


def test_a_count_is_forgotten_after_its_period() -> None:
    backoff = Backoff(1, timedelta(seconds=10), timedelta(seconds=10), timedelta(minutes=1))
    last = datetime(2026, 1, 1, tzinfo=UTC)
    assert backoff.retry_after(3, last, last + timedelta(seconds=4)) == timedelta(seconds=6)
    assert backoff.current(3, last, last + timedelta(minutes=2)) == 0


def test_a_policy_cannot_forget_before_its_longest_wait_ends() -> None:
    with pytest.raises(ValueError, match="outlast"):
        Backoff(1, timedelta(seconds=10), timedelta(hours=1), timedelta(minutes=1))


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("203.0.113.5", "203.0.113.5"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),  # same subscriber, same key
        ("::ffff:203.0.113.5", "203.0.113.5"),
        ("testclient", "testclient"),
    ],
)
def test_address_keys(host: str, key: str) -> None:
    assert address_key(host) == key
