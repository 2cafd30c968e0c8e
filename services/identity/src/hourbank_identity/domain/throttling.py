"""Throttling of credential guesses (logins and activations), without a lock an outsider
could use against a person.

Professionals log in with their ID number, which others may know. So throttling must
neither tell whether a login exists (unknown logins are counted exactly like known ones)
nor let a stranger lock the owner out. Failures are counted under three keys, each with
its own exponential backoff:

* the login *from one client address*: the guesser at that address waits, quickly longer
  (up to 15 minutes), while the owner elsewhere is not affected;
* the client address, across logins: stops one address from trying many logins (and so
  from probing which ID numbers are registered);
* the login from anywhere: slows guessing spread over many addresses, but only in short
  windows (at most a minute), so that strangers can delay the owner a little, never lock
  them out.

A throttled attempt is refused before its password is looked at, and is not counted: only
answered failures extend a wait. A success clears only the count of the login from that
address, so an attacker cannot reset the other counts by logging into an account of theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class ThrottleScope(StrEnum):
    LOGIN_FROM_ADDRESS = "login-address"
    ADDRESS = "address"
    LOGIN = "login"


@dataclass(frozen=True)
class Backoff:
    """``free_failures`` failures cost nothing; then each failure makes the next attempt
    wait ``first_wait``, doubling per further failure up to ``max_wait``. A count not
    added to for ``forget_after`` starts again from zero."""

    free_failures: int
    first_wait: timedelta
    max_wait: timedelta
    forget_after: timedelta

    def __post_init__(self) -> None:
        if self.forget_after < self.max_wait:
            raise ValueError("forget_after must outlast the longest wait")

    def wait_after(self, failures: int) -> timedelta:
        """How long the next attempt waits after ``failures`` consecutive failures."""
        if failures < self.free_failures:
            return timedelta(0)
        doublings = min(failures - self.free_failures, 30)  # 2**30 s is far past any cap
        wait: timedelta = self.first_wait * (1 << doublings)
        return min(wait, self.max_wait)

    def current(self, failures: int, last_failure: datetime, now: datetime) -> int:
        """The count as it stands at ``now``: zero once forgotten."""
        return failures if now - last_failure < self.forget_after else 0

    def retry_after(self, failures: int, last_failure: datetime, now: datetime) -> timedelta:
        """Time left until an attempt is allowed again (zero or less: allowed now)."""
        counted = self.current(failures, last_failure, now)
        return last_failure + self.wait_after(counted) - now


LOGIN_POLICIES: dict[ThrottleScope, Backoff] = {
    # The guesser's own address: 5 free tries (typing mistakes), then 15 s, 30 s, ... 15 min.
    ThrottleScope.LOGIN_FROM_ADDRESS: Backoff(
        free_failures=5,
        first_wait=timedelta(seconds=15),
        max_wait=timedelta(minutes=15),
        forget_after=timedelta(hours=1),
    ),
    # One address trying many logins. Generous, because many people of one employer may
    # share a NAT address; still far below what enumerating ID numbers would need.
    ThrottleScope.ADDRESS: Backoff(
        free_failures=50,
        first_wait=timedelta(seconds=15),
        max_wait=timedelta(minutes=15),
        forget_after=timedelta(hours=1),
    ),
    # One login tried from many addresses: short windows only (the owner may be among
    # the addresses), 1 s doubling to at most 60 s.
    ThrottleScope.LOGIN: Backoff(
        free_failures=20,
        first_wait=timedelta(seconds=1),
        max_wait=timedelta(seconds=60),
        forget_after=timedelta(minutes=15),
    ),
}
