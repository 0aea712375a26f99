"""Many workers on one database: anti-replay, outbox delivery and housekeeping stay correct
when several processes (or Stores, each with its own connections) work at the same time."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from gbdsp.clock import ManualClock
from gbdsp.delivery.http import HttpxPoster
from gbdsp.delivery.relay import Relay, RelayPolicy
from gbdsp.domain.housekeeping import HousekeepingRule
from gbdsp.domain.ids import UserId
from gbdsp.gateway.handlers import REPLAY_CODE
from gbdsp.services import housekeeping
from gbdsp.services.users import register_test_users, set_response_url
from gbdsp.store.store import Store
from gbdsp.worlds import fleet
from tests.duis_support import SUPPLIER, dsp_signing_key, read_inventory
from tests.test_cli import Gbdsp
from tests.test_restart import Server, free_port

CODE = re.compile(rb"<sr:ResponseCode>([^<]+)</sr:ResponseCode>")


def other_store(store: Store) -> Store:
    """A second Store on the same database: its own engine and connections, as another
    worker process has."""
    return Store.open(store.engine.url.render_as_string(hide_password=False))


@pytest.fixture
def two_servers(tmp_path: Path, database_url: str) -> Iterator[tuple[Server, Server]]:
    gbdsp = Gbdsp(tmp_path / "data", database_url)
    assert gbdsp("init").returncode == 0
    assert gbdsp("demo", "--premises", "2").returncode == 0
    servers = (Server(gbdsp, free_port()), Server(gbdsp, free_port()))
    try:
        for s in servers:
            s.start()
        yield servers
    finally:
        for s in servers:
            if s.process and s.process.poll() is None:
                s.process.terminate()
                s.process.wait(timeout=20)


@pytest.mark.slow
def test_each_counter_is_accepted_once_across_two_server_processes(
    two_servers: tuple[Server, Server],
) -> None:
    """The same signed request reaches both servers at once, 25 times over: one of each
    pair is answered, the other refused as a replay, whichever server wins the race."""
    base = time.time_ns() // 1000
    barrier = threading.Barrier(2)

    def post(server: Server, body: bytes) -> str:
        barrier.wait()
        reply = httpx.post(
            f"{server.url}/api/v1/serviceD",
            content=body,
            timeout=30,
            headers={"Content-Type": "application/xml"},
        )
        found = CODE.search(reply.content)
        return found.group(1).decode() if found else f"HTTP {reply.status_code}"

    winners: Counter[int] = Counter()
    with ThreadPoolExecutor(2) as pool:
        for n in range(25):
            body = read_inventory(base + n)
            codes = list(pool.map(post, two_servers, (body, body)))
            assert sorted(codes) == [REPLAY_CODE, "I0"], codes
            winners[codes.index("I0")] += 1
    assert sum(winners.values()) == 25


def test_two_relays_deliver_each_message_exactly_once(store: Store, clock: ManualClock) -> None:
    register_test_users(store)
    set_response_url(store, UserId.parse(SUPPLIER), "http://127.0.0.1:9/duis")
    with store.transaction() as tx:
        tx.outbox.add_many(
            [
                {
                    "response_id": f"r{n}",
                    "user_id": UserId.parse(SUPPLIER),
                    "body": f"<m n='{n}'/>".encode(),
                    "created_at": clock.now(),
                    "attempts": 0,
                    "next_attempt_at": clock.now(),
                }
                for n in range(300)
            ]
        )
    received: list[bytes] = []

    def endpoint(request: httpx.Request) -> httpx.Response:
        received.append(request.content)
        return httpx.Response(204)

    second = other_store(store)
    try:

        async def deliver(relay_store: Store) -> None:
            async with httpx.AsyncClient(transport=httpx.MockTransport(endpoint)) as client:
                policy = RelayPolicy(batch=7)
                relay = Relay(relay_store, clock, HttpxPoster(client, policy), policy)
                while await relay.deliver_once():
                    await asyncio.sleep(0)

        async def both() -> None:
            await asyncio.gather(deliver(store), deliver(second))

        asyncio.run(both())
    finally:
        second.close()
    assert Counter(received) == {f"<m n='{n}'/>".encode(): 1 for n in range(300)}
    with store.read() as tx:
        assert tx.outbox.pending() == 0


def test_two_housekeeping_sweeps_at_once_remove_and_archive_each_device_once(
    store: Store, clock: ManualClock
) -> None:
    fleet.generate_fleet(store, clock, devices=6_000)
    rule = HousekeepingRule(12, name="AC 7.2")
    clock.advance(timedelta(days=1))
    due = housekeeping.dry_run(store, clock.now(), [rule], horizons=(0,))[0].total
    assert due > 20  # the fleet's Pending tail, most of it older than a year
    second = other_store(store)
    key = dsp_signing_key()
    try:
        with ThreadPoolExecutor(2) as pool:
            runs = list(
                pool.map(
                    lambda s: housekeeping.run(s, clock, key, rule, batch_size=3), (store, second)
                )
            )
    finally:
        second.close()
    assert sum(r.removed for r in runs) == due
    with store.read() as tx:
        archived = tx.housekeeping.archived(limit=10 * due)
    assert len(archived) == due
    assert len({a.device_id for a in archived}) == due
    assert housekeeping.dry_run(store, clock.now(), [rule], horizons=(0,))[0].total == 0
