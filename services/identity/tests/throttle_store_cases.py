"""One abstract test case for the ThrottleStore port, run against every implementation,
and for LoginThrottle on top of it.

Subclasses provide the fixture ``store`` (an empty ThrottleStore) and ``stored_values``
(every value the implementation stored, to check that nothing is kept in clear).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hourbank_identity.application.login_throttle import LoginThrottle, ThrottleStore
from services.identity.tests.synthetic import national_id_text

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


class ThrottleStoreCases:
    def test_failures_are_counted_per_key_and_forgotten_after_their_period(
        self, store: ThrottleStore
    ) -> None:
        forget = NOW - timedelta(hours=1)
        store.record_failures({"a": forget, "b": forget}, NOW)
        store.record_failures({"a": forget}, NOW + timedelta(seconds=1))
        assert store.counts(["a", "b", "c"]) == {
            "a": (2, NOW + timedelta(seconds=1)),
            "b": (1, NOW),
        }
        later = NOW + timedelta(hours=2)
        store.record_failures({"a": later - timedelta(hours=1)}, later)
        assert store.counts(["a"]) == {"a": (1, later)}  # the old count had lapsed

    def test_forget_and_purge(self, store: ThrottleStore) -> None:
        forget = NOW - timedelta(hours=1)
        store.record_failures({"old": forget}, NOW)
        store.record_failures({"new": forget, "mine": forget}, NOW + timedelta(hours=2))
        store.forget(["mine"])
        assert store.purge(NOW + timedelta(hours=1)) == 1
        assert set(store.counts(["old", "new", "mine"])) == {"new"}

    def test_concurrent_failures_are_all_counted(self, store: ThrottleStore) -> None:
        forget = NOW - timedelta(hours=1)
        threads = [
            threading.Thread(
                target=lambda: [
                    store.record_failures({"x": forget, "y": forget}, NOW) for _ in range(10)
                ]
            )
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert store.counts(["x", "y"]) == {"x": (40, NOW), "y": (40, NOW)}

    def test_logins_and_addresses_are_stored_only_as_keyed_hashes(
        self, store: ThrottleStore, stored_values: Callable[[], list[object]]
    ) -> None:
        throttle = LoginThrottle(store, os.urandom(32))
        id_number = national_id_text("370303", sequence="123")
        for _ in range(3):
            throttle.failed(f"id:{id_number}", "203.0.113.5", NOW)
        assert throttle.retry_after(f"id:{id_number}", "203.0.113.5", NOW) is None
        blob = " ".join(str(value) for value in stored_values())
        assert id_number not in blob
        assert id_number[:17] not in blob
        assert "203.0.113.5" not in blob

    def test_the_throttle_backs_off_and_is_shared_by_instances_on_one_store(
        self, store: ThrottleStore
    ) -> None:
        secret = os.urandom(32)
        one, other = LoginThrottle(store, secret), LoginThrottle(store, secret)
        for _ in range(5):
            one.failed("name:someone", "203.0.113.5", NOW)
        # Another API replica with the same store and key sees the same wait.
        assert other.retry_after("name:someone", "203.0.113.5", NOW) == timedelta(seconds=15)
        assert other.retry_after("name:someone", "192.0.2.1", NOW) is None
        other.succeeded("name:someone", "203.0.113.5")
        assert one.retry_after("name:someone", "203.0.113.5", NOW) is None
