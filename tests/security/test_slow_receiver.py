"""Finding 8: a receiver slower than the relay's timeout gets each ResponseID once.

A real HTTP receiver on loopback (http.server in a thread) that takes longer to answer
than the relay's timeout, a real relay with the system clock, both databases. The
control case (no grace) shows the same receiver getting duplicates, so the count can
fail."""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gbdsp.clock import SystemClock
from gbdsp.delivery import http
from gbdsp.delivery.http import AiohttpPoster
from gbdsp.delivery.relay import Relay, RelayPolicy
from gbdsp.domain.ids import UserId
from gbdsp.services.users import register_test_users, set_response_url
from gbdsp.store.store import Store
from tests.duis_support import SUPPLIER

SLOW_SECONDS = 0.6
MESSAGES = 24


class SlowReceiver(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a listen backlog for a whole relay batch

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[bytes] = []
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: SlowReceiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(SLOW_SECONDS)  # the receiver works on it (and keeps it) however slow
        with self.server.lock:
            self.server.received.append(body)
        try:
            self.send_response(204)
            self.end_headers()
        except OSError:
            pass  # the relay gave up waiting: the message was received all the same

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def receiver(store: Store) -> Iterator[SlowReceiver]:
    server = SlowReceiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    register_test_users(store)
    set_response_url(
        store, UserId.parse(SUPPLIER), f"http://127.0.0.1:{server.server_address[1]}/duis"
    )
    now = SystemClock().now()
    with store.transaction() as tx:
        tx.outbox.add_many(
            [
                {
                    "response_id": f"r{n}",
                    "user_id": UserId.parse(SUPPLIER),
                    "body": f"<m n='{n}'/>".encode(),
                    "created_at": now,
                    "attempts": 0,
                    "next_attempt_at": now,
                }
                for n in range(MESSAGES)
            ]
        )
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def relay_rounds(store: Store, policy: RelayPolicy, seconds: float) -> None:
    """Run a relay (two, racing, as two workers would) until the outbox is empty or
    `seconds` have passed."""

    async def worker() -> None:
        async with http.session() as session:
            relay = Relay(store, SystemClock(), AiohttpPoster(session, policy), policy)
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                with store.read() as tx:
                    if tx.outbox.pending() == 0:
                        return
                if not await relay.deliver_once():
                    await asyncio.sleep(0.05)

    async def both() -> None:
        await asyncio.gather(worker(), worker())

    asyncio.run(both())


FAST = functools.partial(
    RelayPolicy,
    batch=8,
    first_retry=timedelta(milliseconds=100),
    max_retry=timedelta(milliseconds=200),
    timeout_seconds=0.25,
)


def test_a_receiver_slower_than_the_timeout_gets_each_message_once(
    store: Store, receiver: SlowReceiver
) -> None:
    policy = FAST(grace_seconds=1.5, record_margin_seconds=0.5, lease=timedelta(seconds=2.5))
    relay_rounds(store, policy, seconds=30)
    with store.read() as tx:
        assert tx.outbox.pending() == 0
    counts = Counter(receiver.received)
    assert counts == {f"<m n='{n}'/>".encode(): 1 for n in range(MESSAGES)}


def test_control_without_a_grace_the_same_receiver_gets_duplicates(
    store: Store, receiver: SlowReceiver
) -> None:
    policy = FAST(grace_seconds=0.0, record_margin_seconds=0.5, lease=timedelta(seconds=1))
    relay_rounds(store, policy, seconds=3)
    time.sleep(SLOW_SECONDS + 0.2)  # let the abandoned requests finish on the receiver
    duplicates = sum(c - 1 for c in Counter(receiver.received).values())
    assert duplicates > 0


def test_a_lease_shorter_than_an_attempt_is_refused() -> None:
    with pytest.raises(ValueError, match="lease"):
        RelayPolicy(lease=timedelta(seconds=10))  # 5 s + 15 s grace + 5 s margin
    assert RelayPolicy().attempt_deadline + RelayPolicy().record_margin_seconds <= 30
