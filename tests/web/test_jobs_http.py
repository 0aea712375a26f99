"""The scheduler inside the server: jobs run on their own, show in /metrics and in
`gbdsp jobs`, and with several worker processes each due time runs once."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from gbdsp.bootstrap import App
from gbdsp.clock import ManualClock
from gbdsp.config import Config
from gbdsp.store.store import Store
from gbdsp.store.tables import housekeeping_runs
from gbdsp.web.app import create_app
from tests.test_cli import Gbdsp
from tests.test_restart import free_port
from tests.web.conftest import serve


def metric(text: str, name: str, **labels: str) -> float | None:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    found = re.search(rf"^{name}\{{{re.escape(wanted)}\}} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else None


def wait_for(condition: object, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


@pytest.fixture
def app_url(store: Store, tmp_path: Path, clock: ManualClock) -> Iterator[str]:
    config = Config.model_validate({"jobs": {"poll_seconds": 0.05}})
    with serve(create_app(App(tmp_path, config, store, clock), relay=False, jobs=True)) as url:
        yield url


def test_due_jobs_run_in_the_server_and_show_in_metrics(app_url: str, clock: ManualClock) -> None:
    def scrape() -> str:
        return httpx.get(f"{app_url}/metrics").text

    wait_for(
        lambda: (
            metric(scrape(), "gbdsp_job_next_run_timestamp_seconds", job="registration") is not None
        )
    )
    assert metric(scrape(), "gbdsp_job_runs_total", job="registration", outcome="ok") == 0
    clock.advance(timedelta(minutes=6))  # registration's */5 is due
    wait_for(
        lambda: metric(scrape(), "gbdsp_job_runs_total", job="registration", outcome="ok") == 1
    )
    text = scrape()
    assert (
        metric(text, "gbdsp_job_last_success_timestamp_seconds", job="registration")
        == clock.now().timestamp()
    )
    assert metric(text, "gbdsp_job_last_duration_seconds", job="registration") == 0.0
    assert metric(text, "gbdsp_job_runs_total", job="housekeeping", outcome="ok") == 0
    assert metric(text, "gbdsp_job_run_seconds_count", job="registration", outcome="ok") == 1
    assert metric(text, "gbdsp_job_leased", job="registration") == 0


@pytest.mark.slow
def test_gbdsp_serve_with_two_workers_runs_each_due_time_once(
    tmp_path: Path, database_url: str
) -> None:
    """A real `gbdsp serve --workers 2` with housekeeping due every two seconds: both
    workers wake at each due time and race for it; every due time is run once."""
    gbdsp = Gbdsp(tmp_path / "data", database_url)
    assert gbdsp("init").returncode == 0
    gbdsp.env |= {
        "GBDSP_JOBS__HOUSEKEEPING__SCHEDULE": "*/2 * * * * *",
        "GBDSP_JOBS__POLL_SECONDS": "0.2",
        "GBDSP_SERVER__WORKERS": "2",
    }
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gbdsp", "serve", "--port", str(port)],
        env=gbdsp.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = database_url or f"sqlite:///{tmp_path / 'data' / 'gbdsp.sqlite'}"
    store = Store.open(url)
    try:

        def runs() -> list[float]:
            with store.engine.connect() as conn:
                return [
                    at.timestamp()
                    for at in conn.execute(select(housekeeping_runs.c.started_at)).scalars()
                ]

        wait_for(lambda: len(runs()) >= 2, seconds=30)
        listing = gbdsp("jobs")
        assert listing.returncode == 0, listing.stderr
        line = next(x for x in listing.stdout.splitlines() if "housekeeping" in x)
        assert "*/2 * * * * *" in line and " ok " in line, listing.stdout
        scraped = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        assert (metric(scraped, "gbdsp_job_runs_total", job="housekeeping", outcome="ok") or 0) >= 2
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    started = runs()
    slots = [int(t // 2) for t in started]
    assert len(slots) == len(set(slots)), f"a due time ran twice: {sorted(started)}"
    with store.read() as tx:
        row = tx.jobs.get("housekeeping")
    store.close()
    assert row is not None and row.runs_ok == len(started) and row.runs_lost == 0
    assert row.leased_by is None  # stopped cleanly: no lease left behind
    assert process.returncode == 0, stderr[-2000:]
    assert "Traceback" not in stderr
