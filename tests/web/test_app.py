"""The HTTP app served by a real uvicorn on loopback, talked to over real HTTP."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from gbdsp.bootstrap import App
from gbdsp.config import Config
from gbdsp.store.store import Store
from gbdsp.web.app import create_app


@pytest.fixture
def base_url(store: Store, clock: object, tmp_path: Path) -> Iterator[str]:
    app = App(tmp_path, Config(), store)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(app), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_health_reports_the_database(base_url: str, store: Store) -> None:
    response = httpx.get(f"{base_url}/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == store.backend


def test_health_says_unavailable_when_the_database_is_gone(base_url: str, store: Store) -> None:
    if store.backend != "sqlite":
        pytest.skip("a SQLite file is the database we can take away here")
    store.engine.dispose()
    path = Path(str(store.engine.url.database))
    path.unlink()
    path.mkdir()  # a directory where the file was: every connection now fails
    response = httpx.get(f"{base_url}/health")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_metrics_count_requests(base_url: str) -> None:
    httpx.get(f"{base_url}/health")
    httpx.get(f"{base_url}/no-such-page")
    body = httpx.get(f"{base_url}/metrics").text
    assert 'gbdsp_http_requests_total{path="/health",status="200"} 1.0' in body
    assert 'gbdsp_http_requests_total{path="other",status="404"} 1.0' in body
    assert "process_cpu_seconds_total" in body
