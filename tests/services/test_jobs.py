"""Periodic jobs: due times from the schedule and the injected clock, one run per due time
across racing schedulers on one database, take-over of a dead runner's lease, failures
recorded, and the MP121 reminder job's mails."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gbdsp.clock import ManualClock, SystemClock
from gbdsp.config import Config, ConfigError, load
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.schedules import Schedule
from gbdsp.services import jobs, registration
from gbdsp.services.users import register_test_users
from gbdsp.store.job_repositories import JobLease
from gbdsp.store.store import Store
from gbdsp.store.tables import housekeeping_runs
from gbdsp.wan.emulator import DeviceEmulator
from gbdsp.worlds import fleet
from gbdsp.worlds.demo import create_demo_fleet
from tests.duis_support import SUPPLIER, dsp_signing_key

NORTHWIND = UserId.parse("00-DB-12-34-56-78-01-01")
ESME = DeviceId.parse("00-DB-12-34-56-78-90-A0")
LONDON = "Europe/London"


def config(**jobs_section: object) -> Config:
    return Config.model_validate({"jobs": jobs_section})


def context(store: Store, clock: ManualClock | SystemClock, cfg: Config) -> jobs.JobContext:
    return jobs.JobContext(store, clock, cfg, dsp_signing_key, DeviceEmulator(cfg.wan))


def lease(store: Store, name: str) -> JobLease:
    with store.read() as tx:
        found = tx.jobs.get(name)
    assert found is not None
    return found


def housekeeping_run_count(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(housekeeping_runs)).scalar_one())


# -- schedules ------------------------------------------------------------------------------


def test_nightly_schedule_follows_london_time_across_the_clock_change() -> None:
    nightly = Schedule.parse("0 2 * * *", LONDON)
    winter = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert nightly.next_after(winter) == datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
    # 29 March 2026: clocks go forward at 01:00 UTC; 02:00 BST is 01:00 UTC.
    assert nightly.next_after(datetime(2026, 3, 29, 12, tzinfo=UTC)) == datetime(
        2026, 3, 30, 1, 0, tzinfo=UTC
    )
    # strictly after: a run finishing at its own due time is not due again at once
    assert nightly.next_after(datetime(2026, 3, 3, 2, 0, tzinfo=UTC)) == datetime(
        2026, 3, 4, 2, 0, tzinfo=UTC
    )


def test_working_hours_schedule_skips_the_weekend() -> None:
    hourly = Schedule.parse("0 9-17 * * 1-5", LONDON)
    friday_evening = datetime(2026, 3, 6, 17, 30, tzinfo=UTC)
    assert hourly.next_after(friday_evening) == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "zone", "message"),
    [
        ("61 * * * *", LONDON, "Bad minute"),
        ("0 2 * *", LONDON, "Wrong number of fields"),
        ("0 2 * * *", "Europe/Atlantis", "unknown time zone"),
    ],
)
def test_a_bad_schedule_is_refused_with_its_reason(
    expression: str, zone: str, message: str
) -> None:
    with pytest.raises(InvalidValue, match=message):
        Schedule.parse(expression, zone)


def test_a_bad_schedule_stops_the_configuration_loading(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"jobs.*Bad hour"):
        load(tmp_path, {"GBDSP_JOBS__HOUSEKEEPING__SCHEDULE": "0 25 * * *"})
    loaded = load(tmp_path, {"GBDSP_JOBS__REGISTRATION__ENABLED": "false"})
    assert loaded.jobs.registration.enabled is False
    assert loaded.jobs.housekeeping.schedule == "0 2 * * *"


def test_a_job_is_due_at_its_time_and_then_at_the_next(store: Store, clock: ManualClock) -> None:
    cfg = config()
    jobs.prepare(store, clock, cfg)
    scheduler = jobs.Scheduler(context(store, clock, cfg))
    assert scheduler.due() == []
    assert lease(store, "housekeeping").next_run == datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
    assert lease(store, "registration").next_run == datetime(2026, 3, 2, 9, 35, tzinfo=UTC)
    assert scheduler.wait_seconds() == cfg.jobs.poll_seconds  # next due in 5 min, poll 30 s
    clock.set(datetime(2026, 3, 3, 2, 0, 5, tzinfo=UTC))
    assert {j.name for j in scheduler.due()} == {
        "housekeeping",
        "registration",
        "install_code_reminders",
        "retention",
        "dcc_schedules",
    }
    result = scheduler.run_now(jobs.job("housekeeping"), threading.Event())
    assert result is not None and result.outcome == "ok", result
    after = lease(store, "housekeeping")
    assert after.next_run == datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
    assert (after.last_outcome, after.runs_ok, after.leased_by) == ("ok", 1, None)
    assert after.last_success == clock.now()
    assert "removed" in (after.last_detail or "")
    assert "housekeeping" not in {j.name for j in scheduler.due()}


def test_a_missed_due_time_runs_once_not_once_per_missed_night(
    store: Store, clock: ManualClock
) -> None:
    cfg = config()
    jobs.prepare(store, clock, cfg)
    clock.advance(timedelta(days=5))  # the server was down for five nights
    ctx = context(store, clock, cfg)
    assert jobs.run_job(ctx, jobs.job("housekeeping")) is not None
    assert jobs.run_job(ctx, jobs.job("housekeeping")) is None  # not due again
    assert housekeeping_run_count(store) == 1
    assert lease(store, "housekeeping").next_run == datetime(2026, 3, 8, 2, 0, tzinfo=UTC)


def test_a_disabled_job_is_never_due_but_runs_when_asked_by_name(
    store: Store, clock: ManualClock
) -> None:
    cfg = config(housekeeping={"schedule": "0 2 * * *", "enabled": False})
    jobs.prepare(store, clock, cfg)
    clock.advance(timedelta(days=2))
    scheduler = jobs.Scheduler(context(store, clock, cfg))
    assert "housekeeping" not in {j.name for j in scheduler.due()}
    result = jobs.run_job(context(store, clock, cfg), jobs.job("housekeeping"), manual=True)
    assert result is not None and result.outcome == "ok"


def test_a_manual_run_keeps_the_next_scheduled_run(store: Store, clock: ManualClock) -> None:
    cfg = config()
    jobs.prepare(store, clock, cfg)
    before = lease(store, "housekeeping").next_run
    assert jobs.run_job(context(store, clock, cfg), jobs.job("housekeeping"), manual=True)
    assert lease(store, "housekeeping").next_run == before


def test_a_changed_schedule_takes_effect_from_now(store: Store, clock: ManualClock) -> None:
    jobs.prepare(store, clock, config())
    assert lease(store, "housekeeping").next_run == datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
    jobs.prepare(store, clock, config(housekeeping={"schedule": "0 12 * * *"}))
    moved = lease(store, "housekeeping")
    assert moved.next_run == datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert moved.schedule == "0 12 * * * (Europe/London)"


# -- once across runners --------------------------------------------------------------------


def other_store(store: Store) -> Store:
    return Store.open(store.engine.url.render_as_string(hide_password=False))


def test_two_schedulers_racing_run_each_due_time_exactly_once(
    store: Store, clock: ManualClock
) -> None:
    """Two Stores (as two worker processes have), one thread each, released together at
    every due time of a job due every 10 seconds: one of them runs it, each time."""
    cfg = config(housekeeping={"schedule": "*/10 * * * * *"})
    jobs.prepare(store, clock, cfg)
    second = other_store(store)
    rounds = 15
    barrier = threading.Barrier(2)
    try:

        def race(s: Store) -> jobs.RunResult | None:
            barrier.wait()
            return jobs.run_job(context(s, clock, cfg), jobs.job("housekeeping"))

        with ThreadPoolExecutor(2) as pool:
            for _ in range(rounds):
                clock.set(lease(store, "housekeeping").next_run + timedelta(seconds=1))
                results = list(pool.map(race, (store, second)))
                assert sum(r is not None for r in results) == 1, results
    finally:
        second.close()
    assert housekeeping_run_count(store) == rounds
    assert lease(store, "housekeeping").runs_ok == rounds


def test_a_held_lease_keeps_every_other_runner_out(store: Store, clock: ManualClock) -> None:
    cfg = config(
        registration={"enabled": False},
        install_code_reminders={"enabled": False},
        retention={"enabled": False},
        dcc_schedules={"enabled": False},
    )
    jobs.prepare(store, clock, cfg)
    clock.advance(timedelta(days=1))
    seen = lease(store, "housekeeping")
    with store.transaction() as tx:
        assert tx.jobs.take(
            seen, "elsewhere:1:abc", clock.now(), clock.now() + timedelta(seconds=20), due_only=True
        )
        assert not tx.jobs.take(
            seen,
            "me:2:def",
            clock.now(),  # stale generation
            clock.now() + timedelta(minutes=5),
            due_only=False,
        )
    ctx = context(store, clock, cfg)
    assert jobs.run_job(ctx, jobs.job("housekeeping")) is None
    assert jobs.run_job(ctx, jobs.job("housekeeping"), manual=True) is None
    assert housekeeping_run_count(store) == 0
    scheduler = jobs.Scheduler(context(store, clock, cfg))
    assert scheduler.due() == []
    # due but held elsewhere: look again when that lease ends, not in a tight loop
    assert scheduler.wait_seconds() == 20


def test_a_lease_left_by_a_dead_runner_is_taken_over_after_it_expires(
    store: Store, clock: ManualClock
) -> None:
    cfg = config(lease_seconds=120)
    jobs.prepare(store, clock, cfg)
    clock.advance(timedelta(days=1))
    seen = lease(store, "housekeeping")
    with store.transaction() as tx:  # a runner takes the job, then dies without a trace
        tx.jobs.take(
            seen,
            "dead-host:4242:0000",
            clock.now(),
            clock.now() + timedelta(seconds=120),
            due_only=True,
        )
    ctx = context(store, clock, cfg)
    clock.advance(timedelta(seconds=119))
    assert jobs.run_job(ctx, jobs.job("housekeeping")) is None
    clock.advance(timedelta(seconds=2))
    result = jobs.run_job(ctx, jobs.job("housekeeping"))
    assert result is not None and result.outcome == "ok"
    after = lease(store, "housekeeping")
    assert (after.runs_lost, after.runs_ok, after.leased_by) == (1, 1, None)


RUNNER = """
import sys, time
from gbdsp.clock import SystemClock
from gbdsp.config import Config
from gbdsp.services import jobs
from gbdsp.store.store import Store
from gbdsp.wan.emulator import DeviceEmulator
from tests.duis_support import dsp_signing_key

store = Store.open(sys.argv[1])
cfg = Config.model_validate({"jobs": {"lease_seconds": 0.6}})
def forever(ctx):
    print("running", flush=True)
    time.sleep(3600)
    return "never"
endless = jobs.Job("housekeeping", "a run that never ends", forever)
context = jobs.JobContext(store, SystemClock(), cfg, dsp_signing_key, DeviceEmulator())
jobs.run_job(context, endless, manual=True)
"""


def test_a_runner_killed_mid_run_is_taken_over_once_its_lease_expires(
    store: Store, tmp_path: Path
) -> None:
    """kill -9 of a real process holding the lease: its heartbeat stops, the lease runs
    out, and the job is run again by the next runner."""
    clock = SystemClock()
    cfg = config(lease_seconds=0.6)
    jobs.prepare(store, clock, cfg)
    url = store.engine.url.render_as_string(hide_password=False)
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [sys.executable, "-c", RUNNER, url],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stdout.readline() == "running\n"
        time.sleep(1.0)  # longer than the lease: only the heartbeat keeps it
        held = lease(store, "housekeeping")
        assert held.running(clock.now()), held
        assert (
            jobs.run_job(context(store, clock, cfg), jobs.job("housekeeping"), manual=True) is None
        )
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    deadline = time.monotonic() + 5
    result = None
    while result is None and time.monotonic() < deadline:
        time.sleep(0.1)
        result = jobs.run_job(context(store, clock, cfg), jobs.job("housekeeping"), manual=True)
    assert result is not None and result.outcome == "ok", result
    after = lease(store, "housekeeping")
    assert (after.runs_lost, after.runs_ok) == (1, 1)
    assert housekeeping_run_count(store) == 1  # the killed run never got that far


# -- failures and the loop -------------------------------------------------------------------


def test_a_failing_job_is_recorded_and_the_scheduler_goes_on(
    store: Store, clock: ManualClock
) -> None:
    """A housekeeping rule the code cannot apply (no date is 100,000 months back) fails the
    job for real; the registration job due at the same time still runs, and the loop stops
    cleanly when cancelled. (A rule it cannot read, such as an unknown device type, no
    longer gets this far: the configuration refuses it at start-up, test_config.py.)"""
    register_test_users(store)
    create_demo_fleet(store, clock, premises=0, seed=1)
    registration.record(
        store, [("1312345678111", NORTHWIND, clock.now() + timedelta(minutes=1))], clock.now()
    )
    cfg = Config.model_validate(
        {
            "jobs": {"poll_seconds": 0.05},
            "modifications": {"mp60": {"months": 100_000}},
        }
    )
    jobs.prepare(store, clock, cfg)
    clock.set(datetime(2026, 3, 3, 2, 0, 1, tzinfo=UTC))
    seen: list[jobs.RunResult] = []

    async def run_until_both_ran() -> None:
        scheduler = jobs.Scheduler(context(store, clock, cfg), on_result=seen.append)
        task = asyncio.create_task(scheduler.run())
        for _ in range(200):
            await asyncio.sleep(0.05)
            if {r.job for r in seen} >= {"housekeeping", "registration"}:
                break
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run_until_both_ran())
    failed = lease(store, "housekeeping")
    assert (failed.last_outcome, failed.runs_failed, failed.last_success) == ("failed", 1, None)
    assert "out of range" in (failed.last_detail or "")
    assert failed.next_run == datetime(2026, 3, 4, 2, 0, tzinfo=UTC)  # waits for its time
    applied = lease(store, "registration")
    assert (applied.last_outcome, applied.last_detail) == ("ok", "1 registration entry taken over")
    with store.read() as tx:
        device = tx.devices.get(ESME, with_history=False)
    assert device is not None and device.responsible_supplier == NORTHWIND


def test_a_job_asked_to_stop_stops_between_batches_and_stays_due(
    store: Store, clock: ManualClock
) -> None:
    """Shutdown (or a lost lease) sets the stop flag: the sweep ends after its batch."""
    fleet.generate_fleet(store, clock, devices=3_000)
    cfg = Config.model_validate(
        {"housekeeping": {"batch_size": 1}, "modifications": {"mp60": {"enabled": False}}}
    )
    jobs.prepare(store, clock, cfg)
    clock.advance(timedelta(days=1))
    ctx = context(store, clock, cfg)
    ctx.stop.set()
    result = jobs.run_job(ctx, jobs.job("housekeeping"))
    assert result is not None and result.outcome == "stopped", result
    after = lease(store, "housekeeping")
    assert after.next_run <= clock.now() and after.runs_stopped == 1
    with store.read() as tx:
        assert len(tx.housekeeping.archived(limit=10)) == 1  # one whole batch, no more


# -- MP121 reminders -------------------------------------------------------------------------


@pytest.fixture
def open_requests(store: Store, clock: ManualClock) -> Iterator[dict[str, int]]:
    """Requests raised earlier: one due in two Working Days, one due later, one overdue, one
    overdue but backlog (never chased)."""
    register_test_users(store)
    create_demo_fleet(store, clock, premises=0, seed=1)  # and the demo suppliers
    with store.transaction() as tx:
        for uid, address in ((SUPPLIER, "installer@a.test"), (str(NORTHWIND), "ops@b.test")):
            user = tx.users.get(UserId.parse(uid))
            assert user is not None
            tx.users.put(replace(user, email=address))
        ids = {}
        for name, due, backlog, device in (
            ("soon", date(2026, 3, 4), False, "A0"),
            ("later", date(2026, 3, 13), False, "A1"),
            ("late", date(2026, 2, 27), False, "A2"),
            ("backlog", date(2026, 2, 20), True, "A3"),
        ):
            assignment = (DeviceId.parse(f"00-DB-12-34-56-78-90-{device}"), UserId.parse(SUPPLIER))
            raised = clock.now() - timedelta(days=10)
            (ids[name],) = tx.install_codes.raise_many(
                NORTHWIND, [assignment], raised, due, backlog=backlog
            )
    yield ids


def mails(store: Store) -> list[tuple[str, str, str]]:
    with store.read() as tx:
        return [(m.to, m.subject, m.body) for m, _ in tx.outbox.mails()]


def test_reminders_and_escalations_are_mailed_once_per_request(
    store: Store, clock: ManualClock, open_requests: dict[str, int]
) -> None:
    cfg = Config.model_validate(
        {"modifications": {"mp121": {"escalation_address": "panel@sec.test"}}}
    )
    jobs.prepare(store, clock, cfg)
    ctx = context(store, clock, cfg)
    first = jobs.run_job(ctx, jobs.job("install_code_reminders"), manual=True)
    assert first is not None and first.outcome == "ok"
    assert first.detail == "1 request(s) reminded, 1 newly overdue escalated, 4 mail(s) queued"
    sent = mails(store)
    to = {(address, subject) for address, subject, _ in sent}
    assert to == {
        ("installer@a.test", "[gbdsp] 1 install-code request(s) due soon"),
        ("installer@a.test", "[gbdsp] 1 install-code request(s) overdue"),
        ("ops@b.test", "[gbdsp] 1 of your install-code requests are overdue"),
        ("panel@sec.test", "[gbdsp] 1 install-code request(s) newly overdue"),
    }
    soon = next(body for _, subject, body in sent if "due soon" in subject)
    assert f"request {open_requests['soon']} " in soon and "due 2026-03-04" in soon
    late = next(
        body for _, subject, body in sent if subject.endswith("] 1 install-code request(s) overdue")
    )
    assert f"request {open_requests['late']} " in late
    assert all(f"request {open_requests['backlog']} " not in body for *_, body in sent)
    again = jobs.run_job(ctx, jobs.job("install_code_reminders"), manual=True)
    assert again is not None and again.detail.startswith("0 request(s) reminded, 0 newly")
    assert len(mails(store)) == 4
    clock.set(datetime(2026, 3, 11, 9, 0, tzinfo=UTC))  # 'later' is now two days away
    third = jobs.run_job(ctx, jobs.job("install_code_reminders"), manual=True)
    # 'later' is due in two Working Days; 'soon' has become overdue
    assert third is not None and third.detail.startswith("1 request(s) reminded, 1 newly")


def test_no_reminders_while_mp121_is_not_in_force(
    store: Store, clock: ManualClock, open_requests: dict[str, int]
) -> None:
    cfg = Config.model_validate({"modifications": {"mp121": {"enabled": False}}})
    jobs.prepare(store, clock, cfg)
    result = jobs.run_job(
        context(store, clock, cfg), jobs.job("install_code_reminders"), manual=True
    )
    assert result is not None and result.detail.startswith("0 request(s)")
    assert mails(store) == []


def test_a_database_error_is_recorded_without_the_statement(
    store: Store, clock: ManualClock
) -> None:
    if store.backend != "sqlite":
        pytest.skip("the throw-away SQLite file is the database we may break here")
    cfg = config()
    jobs.prepare(store, clock, cfg)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE registrations")
    result = jobs.run_job(context(store, clock, cfg), jobs.job("registration"), manual=True)
    assert result is not None and result.outcome == "failed"
    assert result.detail == "database error: no such table: registrations"
    assert lease(store, "registration").last_detail == result.detail
