"""The outbox relay: every queued message reaches its receiver, retried with backoff.

One relay for the one outbox; each round serves every channel (domain/outbox.py): DUIS
messages are POSTed to their User, CSP notices applied by the emulated CSP (delivery/csp.py,
exactly once), mail handed to the SMTP server (delivery/mail.py).

For DUIS, each round leases a batch in one short transaction, POSTs outside any
transaction, then records the results in another. A message is marked delivered only after
the User's endpoint answered 2xx, so nothing is lost across restarts.

A message stays leased for the whole of its attempt: every attempt ends (answer, error or
its deadline) `timeout + grace` seconds after it started at the latest, and the lease is
longer than that by a margin kept for the record, so no other round or worker re-sends a
message while a slow receiver is still reading it. The grace is there because giving up
on a receiver that already has the message is exactly what sends it twice. When a
duplicate can still happen: docs/security.md ("Delivery").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from anyio import to_thread

from gbdsp.clock import Clock
from gbdsp.config import MailConfig
from gbdsp.delivery import csp, mail
from gbdsp.delivery.http import Poster, PostFailed
from gbdsp.store.outbox_repositories import OutboxMessage
from gbdsp.store.store import Store

log = logging.getLogger("gbdsp.delivery")


@dataclass(frozen=True, slots=True)
class RelayPolicy:
    batch: int = 50
    lease: timedelta = timedelta(seconds=30)
    first_retry: timedelta = timedelta(seconds=1)
    max_retry: timedelta = timedelta(minutes=5)
    timeout_seconds: float = 5.0
    """Connecting must succeed within this; a receiver should answer within it too."""
    grace_seconds: float = 15.0
    """How much longer an answer is awaited once the request is sent: a slow receiver
    that already has the message is not abandoned (abandoning it is what duplicates)."""
    record_margin_seconds: float = 5.0
    """Lease time kept after the attempt's deadline for recording its result."""
    idle_poll_seconds: float = 0.5

    def __post_init__(self) -> None:
        needed = self.attempt_deadline + self.record_margin_seconds
        if self.lease.total_seconds() < needed:
            raise ValueError(
                f"the lease ({self.lease.total_seconds()} s) must outlast an "
                f"attempt and its record ({needed} s)"
            )

    @property
    def attempt_deadline(self) -> float:
        """Seconds after which an attempt has ended whatever the receiver does."""
        return self.timeout_seconds + self.grace_seconds

    def retry_after(self, attempts: int) -> timedelta:
        """Exponential backoff: 1 s, 2 s, 4 s ... capped at 5 minutes."""
        delay: timedelta = self.first_retry * (2 ** min(attempts, 20))
        return min(delay, self.max_retry)


@dataclass(frozen=True, slots=True)
class Attempt:
    message: OutboxMessage
    error: str | None


class Relay:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        post: Poster,
        policy: RelayPolicy | None = None,
        on_result: Callable[[bool], None] = lambda ok: None,
        mail: MailConfig | None = None,
    ) -> None:
        self.mail = mail
        self.store = store
        self.clock = clock
        self.post = post
        self.policy = policy or RelayPolicy()
        self.on_result = on_result

    async def run(self, wake: asyncio.Event) -> None:
        """Deliver until cancelled; sleep when idle until woken or the next poll."""
        while True:
            try:
                sent = await self.deliver_once()
            except Exception:  # a database hiccup must not end delivery for good
                log.exception("outbox round failed; retrying")
                sent = 0
            if sent == 0:
                wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), self.policy.idle_poll_seconds)

    async def deliver_once(self) -> int:
        """One round of every channel; returns how many DUIS messages were tried and CSP
        notices applied (mail only when `[mail]` is set: how many the server took)."""
        tried = await self.deliver_duis()
        tried += await to_thread.run_sync(csp.deliver_due, self.store, self.clock)
        if self.mail is not None:
            tried += await to_thread.run_sync(mail.send_due, self.store, self.clock, self.mail)
        return tried

    async def deliver_duis(self) -> int:
        """The DUIS channel's round: lease, POST concurrently, record."""
        messages = await to_thread.run_sync(self._claim)
        if not messages:
            return 0
        attempts = await asyncio.gather(*(self._post(m) for m in messages))
        await to_thread.run_sync(self._record, attempts)
        return len(attempts)

    def _claim(self) -> list[OutboxMessage]:
        now = self.clock.now()
        with self.store.transaction() as tx:
            return tx.outbox.claim_due(now, now + self.policy.lease, self.policy.batch)

    async def _post(self, message: OutboxMessage) -> Attempt:
        try:
            # The client's timeouts may be per read; this deadline bounds a slow trickle
            # too, so the attempt always ends inside its lease.
            status = await asyncio.wait_for(
                self.post(message.url, message.body), self.policy.attempt_deadline
            )
        except TimeoutError:
            return Attempt(message, f"no answer within {self.policy.attempt_deadline} s")
        except PostFailed as e:
            return Attempt(message, str(e))
        if 200 <= status < 300:
            return Attempt(message, None)
        return Attempt(message, f"HTTP {status}")

    def _record(self, attempts: list[Attempt]) -> None:
        now = self.clock.now()
        with self.store.transaction() as tx:
            tx.outbox.delivered_many([a.message.id for a in attempts if a.error is None], now)
            for attempt in attempts:
                m = attempt.message
                if attempt.error is not None:
                    retry_at = now + self.policy.retry_after(m.attempts)
                    tx.outbox.failed(m.id, retry_at, attempt.error)
                    log.warning(
                        "delivery of %s to User %s failed (%s); retry at %s",
                        m.response_id,
                        m.user_id,
                        attempt.error,
                        retry_at.isoformat(),
                    )
        for attempt in attempts:
            self.on_result(attempt.error is None)
