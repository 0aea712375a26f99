"""The portal's sign-in limit: growing delays per (account, address) and per address.

No public text sets this (the SEC asks for "appropriate" access controls, G5.14); our safe
reading (docs/security.md, "Portal"):

- The count is kept per account name *and* client address, so a guesser at one address
  locks only itself: the person with the right password at another address signs in.
- A client address is also counted over all the names it tries (password spraying).
- The first failures are free; each further one locks the key for twice as long as the
  last (1, 2, 4 ... minutes, at most an hour). While locked, no password is checked.
- An attempt takes its slot *before* its password is checked (services/portal_accounts.py
  records it in the same locked transaction as the check), so a burst of parallel guesses
  gets no more checks than the limit. A success clears its (account, address) count.
- A count is forgotten after a quiet day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

FREE_FAILURES_PER_ACCOUNT = 5
"""Failures of one account name from one address before delays start."""
FREE_FAILURES_PER_ADDRESS = 20
"""Failures from one address, whatever the names, before delays start."""
FIRST_DELAY = timedelta(minutes=1)
LONGEST_DELAY = timedelta(hours=1)
FORGET_AFTER = timedelta(days=1)
ANY_ACCOUNT = ""
"""The name under which an address's failures over all accounts are counted."""


@dataclass(frozen=True, slots=True)
class Counter:
    """The stored state of one key (account name and address, or an address alone)."""

    failures: int = 0
    last_failure_at: datetime | None = None
    locked_until: datetime | None = None


def delay_after(failures: int, free: int) -> timedelta | None:
    """How long a key stays locked after its `failures`-th failure (None: not locked)."""
    if failures < free:
        return None
    longer: timedelta = FIRST_DELAY * (2 ** min(failures - free, 16))
    return min(LONGEST_DELAY, longer)


def locked_until(counter: Counter, now: datetime) -> datetime | None:
    """When the key opens again, or None when an attempt may go ahead now."""
    if counter.locked_until is not None and counter.locked_until > now:
        return counter.locked_until
    return None


def take_slot(counter: Counter, now: datetime, free: int) -> Counter:
    """The counter after an attempt takes its slot: counted as a failure until its password
    proves right (so parallel attempts cannot all pass the check)."""
    if counter.last_failure_at is not None and now - counter.last_failure_at > FORGET_AFTER:
        counter = Counter()
    failures = counter.failures + 1
    delay = delay_after(failures, free)
    return Counter(failures, now, now + delay if delay else None)


def free_for(name: str) -> int:
    return FREE_FAILURES_PER_ADDRESS if name == ANY_ACCOUNT else FREE_FAILURES_PER_ACCOUNT


def wait_text(until: datetime, now: datetime) -> str:
    """'wait 2 minutes': how long, rounded up to a minute, for the refusal message."""
    minutes = max(1, -(-int((until - now).total_seconds()) // 60))
    return f"wait {minutes} minute{'s' if minutes != 1 else ''}"


def refund(counter: Counter) -> Counter:
    """An address's counter after one of its attempts proved right: that slot is given
    back (a shared address of many real people is not locked by their successes)."""
    failures = max(0, counter.failures - 1)
    delay = delay_after(failures, FREE_FAILURES_PER_ADDRESS)
    last = counter.last_failure_at
    return Counter(failures, last, last + delay if delay and last else None)
