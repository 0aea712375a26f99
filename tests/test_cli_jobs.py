"""`gbdsp jobs` as a user runs it: list, run one now, refused while another runner has it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gbdsp.clock import SystemClock
from gbdsp.config import database_url, load
from gbdsp.store.store import Store
from tests.test_cli import Gbdsp
from tests.test_cli import gbdsp as gbdsp  # the fixture, shared

pytestmark = pytest.mark.slow


def test_jobs_list_run_and_refusals(gbdsp: Gbdsp) -> None:
    assert gbdsp("init").returncode == 0
    listing = gbdsp("jobs")
    assert listing.returncode == 0, listing.stderr
    for name, schedule in (
        ("housekeeping", "0 2 * * *"),
        ("registration", "*/5 * * * *"),
        ("install_code_reminders", "0 9-17 * * 1-5"),
    ):
        line = next(x for x in listing.stdout.splitlines() if name in x)
        assert schedule in line and "never run" in line
    ran = gbdsp("jobs", "run", "registration")
    assert ran.returncode == 0, ran.stderr
    assert "job registration: ok" in ran.stdout and "0 registration entries" in ran.stdout
    line = next(x for x in gbdsp("jobs").stdout.splitlines() if "registration" in x)
    assert " ok " in line and "never run" not in line

    unknown = gbdsp("jobs", "run", "backup")
    assert unknown.returncode == 2
    assert "no job 'backup': the jobs are housekeeping, registration" in unknown.stderr

    # another runner holds the housekeeping lease (a server mid-sweep)
    config = load(gbdsp.data_dir, gbdsp.env)
    store = Store.open(database_url(config, gbdsp.data_dir))
    try:
        now = SystemClock().now()
        with store.transaction() as tx:
            seen = tx.jobs.get("housekeeping")
            assert seen is not None
            assert tx.jobs.take(
                seen, "server-7:1234:abcd", now, now + timedelta(minutes=5), due_only=False
            )
        held = gbdsp("jobs", "run", "housekeeping")
        assert held.returncode == 1
        assert "job housekeeping is running on server-7:1234:abcd" in held.stderr
        assert "running on server-7:1234" in gbdsp("jobs").stdout
    finally:
        store.close()
