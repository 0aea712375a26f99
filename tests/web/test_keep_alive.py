"""Keep-alive connections are not held back by Nagle's algorithm, however uvicorn binds.

The cause of the old 44 ms `--workers` penalty: uvicorn binds a multi-worker socket with
proto 0, so asyncio never set TCP_NODELAY on its connections (docs/scaling.md).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from gbdsp.web.server import set_no_delay
from tests.duis_support import read_inventory
from tests.test_cli import Gbdsp
from tests.test_restart import free_port


async def _no_delay_of_a_connection(fix: bool) -> int:
    """TCP_NODELAY of a connection accepted on a socket bound as uvicorn's workers bind it."""
    listener = socket.socket(family=socket.AF_INET)  # proto 0, as uvicorn's bind_socket
    listener.bind(("127.0.0.1", 0))
    seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            if fix:
                set_no_delay(transport)
            sock = transport.get_extra_info("socket")
            seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
    _, writer = await asyncio.open_connection(*listener.getsockname())
    value = await asyncio.wait_for(seen, 5)
    writer.close()
    server.close()
    return value


def _in_a_fresh_thread(fix: bool) -> int:
    """asyncio.run in a thread of its own: another test may leave a loop running in this one
    (Playwright's sync API does)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _no_delay_of_a_connection(fix)).result(timeout=30)


def test_a_worker_socket_connection_gets_no_delay_only_from_us() -> None:
    assert _in_a_fresh_thread(fix=False) == 0  # the cause, still there
    assert _in_a_fresh_thread(fix=True) != 0


def _serve(gbdsp: Gbdsp, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gbdsp", "serve", "--workers", str(workers), "--port", str(port)],
        env=gbdsp.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return server, f"http://127.0.0.1:{port}"


def _median_keep_alive_seconds(gbdsp: Gbdsp, workers: int, first_counter: int) -> float:
    """Median of 40 signed DUIS round trips on one keep-alive connection to `gbdsp serve
    --workers N` (after 5 not counted: the worker's first requests warm it up)."""
    bodies = [read_inventory(first_counter + i) for i in range(45)]
    server, url = _serve(gbdsp, workers)
    try:
        with httpx.Client(timeout=10) as client:
            _wait_until_up(client, url + "/health")
            times = []
            for body in bodies:
                began = time.perf_counter()
                reply = client.post(
                    url + "/api/v1/serviceD",
                    content=body,
                    headers={"Content-Type": "application/xml"},
                )
                times.append(time.perf_counter() - began)
                assert reply.status_code == 200, reply.text
        return statistics.median(times[5:])
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


@pytest.mark.slow
def test_two_workers_answer_keep_alive_requests_about_as_fast_as_one(tmp_path: Path) -> None:
    """The old `--workers` penalty: Nagle held every keep-alive answer's body until the
    client's delayed ACK, 40 ms or more on Linux, on two workers and not on one. Compared
    with one worker in the same test, not against a fixed time, so a busy machine slows
    both alike; 15 ms of slack is well under the delayed ACK."""
    gbdsp = Gbdsp(tmp_path / "data", "")
    assert gbdsp("init").returncode == 0
    counter = time.time_ns() // 1000
    one = _median_keep_alive_seconds(gbdsp, 1, counter)
    two = _median_keep_alive_seconds(gbdsp, 2, counter + 1000)
    assert two < one + 0.015, (
        f"median keep-alive round trip {two * 1000:.1f} ms on two workers, "
        f"{one * 1000:.1f} ms on one"
    )


def _wait_until_up(client: httpx.Client, url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if client.get(url).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("gbdsp serve did not come up")
