"""The HTTP app served by a real uvicorn on loopback, talked to over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gbdsp.bootstrap import App
from gbdsp.config import Config
from gbdsp.store.store import Store
from gbdsp.web.app import create_app
from tests.web.conftest import serve


@pytest.fixture
def base_url(store: Store, tmp_path: Path) -> Iterator[str]:
    with serve(create_app(App(tmp_path, Config(), store), relay=False)) as url:
        yield url


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
