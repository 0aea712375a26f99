"""A full disk shows in /health, and a 5xx keeps the client's keep-alive connection.

The disk is made full for real: SQLite's `max_page_count` stops the file growing, and SQLite
then refuses writes with SQLITE_FULL ("database or disk is full"), as on a full disk.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from gbdsp.bootstrap import App
from gbdsp.clock import SystemClock
from gbdsp.config import Config
from gbdsp.services.users import register_test_users
from gbdsp.store.store import Store
from gbdsp.web.app import create_app
from gbdsp.worlds.demo import create_demo_fleet
from tests.duis_support import read_inventory
from tests.web.conftest import serve


class KeepAlive:
    """One raw HTTP/1.1 connection: what the client sees is exactly what the server did."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        self.buffer = b""

    def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/xml\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        self.sock.sendall(head + body)
        return self._response()

    def _response(self) -> tuple[int, bytes]:
        while b"\r\n\r\n" not in self.buffer:
            self._more()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        assert "connection: close" not in head.decode("latin-1").lower(), lines
        length = next(int(h.split(":")[1]) for h in lines if h.lower().startswith("content-length"))
        while len(self.buffer) < length:
            self._more()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return int(lines[0].split()[1]), body

    def _more(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise AssertionError("the server closed the keep-alive connection")
        self.buffer += chunk


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_full_disk_shows_in_health_and_keeps_the_connection(store: Store, tmp_path: Path) -> None:
    register_test_users(store)
    create_demo_fleet(store, SystemClock(), premises=2, seed=1)
    with serve(create_app(App(tmp_path, Config(), store), relay=False)) as url:
        client = KeepAlive(url)
        status, body = client.request("GET", "/health")
        assert status == 200 and b'"writes":"ok"' in body

        full = _fill_the_disk(store)
        statuses = []
        for n in range(400):  # audit rows and counters grow the file until a write is refused
            status, _ = client.request("POST", "/api/v1/serviceD", read_inventory(_counter(n)))
            statuses.append(status)
            if status != 200:
                break
        assert statuses[-1] == 503, statuses[-5:]  # the database's fault: 503, not 500
        status, body = client.request("GET", "/health")  # the same connection, still open
        assert status == 503 and b"database or disk is full" in body, body

        event.remove(store.engine, "connect", full)  # room again
        store.engine.dispose()
        status, _ = client.request("POST", "/api/v1/serviceD", read_inventory(_counter(1000)))
        assert status == 200
        status, body = client.request("GET", "/health")
        assert status == 200 and b'"writes":"ok"' in body


def _fill_the_disk(store: Store) -> Any:
    with store.engine.connect() as conn:
        pages = conn.execute(text("PRAGMA page_count")).scalar()

    def full(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(store.engine, "connect", full)
    store.engine.dispose()  # every new connection has no room to grow
    return full


def _counter(n: int) -> int:
    return time.time_ns() // 1000 + n
