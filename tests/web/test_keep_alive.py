"""Keep-alive connections are not held back by Nagle's algorithm, however uvicorn binds.

The cause of the old 44 ms `--workers` penalty: uvicorn binds a multi-worker socket with
proto 0, so asyncio never set TCP_NODELAY on its connections (docs/scaling.md).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from gbdsp.web.server import set_no_delay
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


@pytest.mark.slow
def test_two_workers_answer_a_keep_alive_connection_without_the_delayed_ack(tmp_path: Path) -> None:
    """With Nagle on, every keep-alive answer waited for the client's delayed ACK (40 ms or
    more); the fastest of 30 answers shows whether any of them escaped that wait."""
    gbdsp = Gbdsp(tmp_path / "data", "")
    assert gbdsp("init").returncode == 0
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gbdsp", "serve", "--workers", "2", "--port", str(port)],
        env=gbdsp.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/health"
        with httpx.Client(timeout=5) as client:
            _wait_until_up(client, url)
            times = []
            for _ in range(30):
                began = time.perf_counter()
                assert client.get(url).status_code == 200
                times.append(time.perf_counter() - began)
        assert min(times) < 0.030, f"fastest keep-alive answer {min(times) * 1000:.1f} ms"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


def _wait_until_up(client: httpx.Client, url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if client.get(url).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("gbdsp serve --workers 2 did not come up")
