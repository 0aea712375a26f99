"""Duplicates at a receiver slower than the relay's timeout (issue 18, finding 8).

A ThreadingHTTPServer on loopback takes SLOW seconds per message (and keeps every message
it read, answered in time or not); two relays race over one database, as two workers do.
Prints messages, received, duplicates and the time taken, for the relay's policy as it
is (timeout + grace inside the lease) and without the grace (the behaviour before).

    .venv/bin/python bench/slow_receiver.py --backend sqlite --messages 600 --slow 6
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_support import temporary_database
from gbdsp.clock import SystemClock
from gbdsp.delivery import http
from gbdsp.delivery.http import AiohttpPoster
from gbdsp.delivery.relay import Relay, RelayPolicy
from gbdsp.domain.ids import UserId
from gbdsp.services.users import register_test_users, set_response_url
from gbdsp.store.store import Store

SUPPLIER = UserId.parse("90-B3-D5-1F-30-01-00-00")


def receiver(slow: float) -> tuple[ThreadingHTTPServer, list[bytes]]:
    received: list[bytes] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            time.sleep(slow)
            with lock:
                received.append(body)
            try:
                self.send_response(204)
                self.end_headers()
            except OSError:
                pass

        def log_message(self, format: str, *args: object) -> None:
            pass

    class Receiver(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 128  # a listen backlog for a whole relay batch

    server = Receiver(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, received


def run(url: str, policy: RelayPolicy, messages: int, slow: float, budget: float) -> str:
    store = Store.open(url, migrate_schema=True)
    server, received = receiver(slow)
    register_test_users(store)
    set_response_url(store, SUPPLIER, f"http://127.0.0.1:{server.server_address[1]}/duis")
    now = SystemClock().now()
    with store.transaction() as tx:
        tx.outbox.add_many(
            [
                {
                    "response_id": f"r{n}",
                    "user_id": SUPPLIER,
                    "body": f"<m n='{n}'/>".encode(),
                    "created_at": now,
                    "attempts": 0,
                    "next_attempt_at": now,
                }
                for n in range(messages)
            ]
        )
    started = time.monotonic()

    async def worker() -> None:
        async with http.session() as session:
            relay = Relay(store, SystemClock(), AiohttpPoster(session, policy), policy)
            while time.monotonic() - started < budget:
                with store.read() as tx:
                    if tx.outbox.pending() == 0:
                        return
                if not await relay.deliver_once():
                    await asyncio.sleep(0.1)

    async def both() -> None:
        await asyncio.gather(worker(), worker())

    asyncio.run(both())
    seconds = time.monotonic() - started
    time.sleep(slow + 1)  # abandoned requests finish on the receiver
    with store.read() as tx:
        pending = tx.outbox.pending()
    server.shutdown()
    store.close()
    counts = Counter(received)
    duplicates = sum(c - 1 for c in counts.values())
    return (
        f"messages {messages}, received {len(received)} ({len(counts)} distinct), "
        f"duplicates {duplicates}, still pending {pending}, {seconds:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--slow", type=float, default=6.0)
    parser.add_argument("--budget", type=float, default=120.0, help="seconds each run may take")
    args = parser.parse_args()
    policies = {
        "timeout 5 s + grace 15 s (now)": RelayPolicy(),
        "timeout 5 s, no grace (before)": RelayPolicy(grace_seconds=0.0),
    }
    for name, policy in policies.items():
        with (
            tempfile.TemporaryDirectory() as directory,
            temporary_database(args.backend, Path(directory)) as url,
        ):
            print(
                f"{args.backend}, receiver {args.slow} s, {name}: "
                f"{run(url, policy, args.messages, args.slow, args.budget)}",
                flush=True,
            )


if __name__ == "__main__":
    main()
