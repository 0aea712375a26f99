"""Nothing acknowledged is lost: kill gbdsp mid-run, restart it, everything arrives once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.duis_support import read_firmware
from tests.test_cli import Gbdsp
from tests.web.conftest import serve
from tests.web.test_duis_http import Receiver

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, gbdsp: Gbdsp, port: int) -> None:
        self.gbdsp, self.port = gbdsp, port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gbdsp", "serve", "--port", str(self.port)],
            env=self.gbdsp.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("gbdsp serve did not come up")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[Server]:
    gbdsp = Gbdsp(tmp_path / "data", database_url)
    assert gbdsp("init").returncode == 0
    assert gbdsp("demo", "--premises", "3").returncode == 0
    s = Server(gbdsp, free_port())
    yield s
    if s.process and s.process.poll() is None:
        s.process.send_signal(signal.SIGKILL)
        s.process.wait(timeout=10)


def test_kill_and_restart_loses_nothing_and_duplicates_nothing(server: Server) -> None:
    receiver = Receiver(refuse_first=10**9)  # the User's endpoint is down at first
    with serve(receiver.app()) as receiver_url:
        server.gbdsp("users", "set-url", "90-B3-D5-1F-30-01-00-00", f"{receiver_url}/smartdcc/duis")
        server.start()
        base = time.time_ns() // 1000
        counters = [base + n for n in range(20)]
        for c in counters:
            reply = httpx.post(
                f"{server.url}/api/v1/serviceS",
                content=read_firmware(c),
                headers={"Content-Type": "application/xml"},
            )
            assert b"<sr:ResponseCode>I99</sr:ResponseCode>" in reply.content
        server.kill()  # gbdsp dies with every response still queued
        receiver.refuse_first = 0  # the User's endpoint comes back
        server.start()
        received = receiver.wait_for(len(counters), seconds=30)
        time.sleep(1.0)  # anything extra would arrive now
    ids = [body.split(b"<sr:ResponseID>")[1].split(b"</")[0] for body in receiver.received]
    assert len(ids) == len(set(ids)) == len(counters), (len(received), os.getpid())
