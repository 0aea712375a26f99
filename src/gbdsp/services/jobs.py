"""Periodic jobs: declared once here, run by `gbdsp serve` on the schedules of `[jobs]`.

Each due run happens once across every worker and server on the database: a run starts only
by taking the job's lease row with a compare-and-set UPDATE (store/job_repositories.py). The
runner renews the lease while it works; a runner killed mid-run stops renewing, and once the
lease has expired the next scheduler takes the job over (the run counts as lost). A failing
job records its failure and waits for its next due time; nothing a job raises reaches the
server. docs/jobs.md says what runs when.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from anyio import to_thread

from gbdsp.clock import Clock
from gbdsp.config import Config, JobConfig
from gbdsp.domain.errors import NotFound
from gbdsp.domain.schedules import Schedule
from gbdsp.duis.signature import SigningKey
from gbdsp.services import dcc_schedules, housekeeping, install_codes, registration, security
from gbdsp.store.errors import DatabaseError
from gbdsp.store.job_repositories import OUTCOMES as OUTCOMES  # re-exported for the edges
from gbdsp.store.job_repositories import JobLease as JobLease  # re-exported for the edges
from gbdsp.store.store import Store
from gbdsp.wan.emulator import DeviceEmulator
from gbdsp.wan.gbcs_ask import BuilderLookup, stand_ins

log = logging.getLogger("gbdsp.jobs")


class JobStopped(Exception):
    """Raised inside a job between two units of work when it should stop: the server is
    shutting down, or its lease was lost. Whole units stay done; the rest runs next time."""


@dataclass(frozen=True, slots=True)
class JobContext:
    store: Store
    clock: Clock
    config: Config
    signing_key: Callable[[], SigningKey]
    emulator: DeviceEmulator
    """The App's SM WAN and devices: DCC-scheduled SRVs answer in its GBCS."""
    builders: BuilderLookup = stand_ins
    """Each SRV's GBCS Response builders (the gateway registry's `gbcs_builder`, which
    services cannot import); by default none, so occurrences answer with the stand-in."""
    stop: threading.Event = field(default_factory=threading.Event)

    def check(self) -> None:
        if self.stop.is_set():
            raise JobStopped("stopped between two batches")


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    title: str
    run: Callable[[JobContext], str]
    """Does the work and returns a one-line summary for `gbdsp jobs`."""

    def settings(self, config: Config) -> JobConfig:
        settings: JobConfig = getattr(config.jobs, self.name)
        return settings

    def schedule(self, config: Config) -> Schedule:
        return config.jobs.schedule(self.settings(config))


def _housekeeping(ctx: JobContext) -> str:
    """AC 7.2 / MP60: the rule in force today, in batches; stops between two batches."""
    rule = housekeeping.rule_in_force(ctx.config, ctx.clock.now())
    report = housekeeping.run(
        ctx.store,
        ctx.clock,
        ctx.signing_key(),
        rule,
        batch_size=ctx.config.housekeeping.batch_size,
        after_batch=lambda _: ctx.check(),
    )
    return f"run {report.run_id} under {rule.describe()}: {report.removed} removed"


def _registration(ctx: JobContext) -> str:
    applied = registration.apply_due_now(ctx.store, ctx.clock)
    return f"{applied} registration entr{'y' if applied == 1 else 'ies'} taken over"


def _install_code_reminders(ctx: JobContext) -> str:
    return install_codes.send_reminders(ctx.store, ctx.clock, ctx.config).describe()


def _retention(ctx: JobContext) -> str:
    report = security.purge_expired(ctx.store, ctx.clock.now(), ctx.config.retention)
    return f"{report.audit_rows} audit rows and {report.outbox_messages} delivered messages removed"


def _dcc_schedules(ctx: JobContext) -> str:
    ran = dcc_schedules.run_due(
        ctx.store, ctx.clock, ctx.signing_key(), ctx.emulator, builders=ctx.builders
    )
    return f"{ran} DCC-scheduled occurrence{'' if ran == 1 else 's'} run"


JOBS: tuple[Job, ...] = (
    Job("housekeeping", "remove devices Pending too long (AC 7.2, MP60)", _housekeeping),
    Job(
        "registration", "apply registration data now in effect (change of supplier)", _registration
    ),
    Job(
        "install_code_reminders",
        "MP121 install codes: reminders and SLA escalation",
        _install_code_reminders,
    ),
    Job("retention", "remove audit rows and delivered messages past [retention]", _retention),
    Job("dcc_schedules", "DCC-scheduled SRVs (DUIS 5.1): run each due occurrence", _dcc_schedules),
)


def job(name: str) -> Job:
    for j in JOBS:
        if j.name == name:
            return j
    raise NotFound(f"no job {name!r}: the jobs are {', '.join(j.name for j in JOBS)}")


def prepare(store: Store, clock: Clock, config: Config) -> None:
    """Every job has its lease row, with next_run on the configured schedule (a changed
    schedule takes effect from now). Every worker does this at start: it is idempotent."""
    now = clock.now()
    with store.transaction() as tx:
        for j in JOBS:
            schedule = j.schedule(config)
            next_run = schedule.next_after(now)
            tx.jobs.ensure(j.name, schedule.describe(), next_run)
            if tx.jobs.reschedule(j.name, schedule.describe(), next_run):
                log.info("job %s: schedule is now %s", j.name, schedule.describe())


@dataclass(frozen=True, slots=True)
class RunResult:
    job: str
    outcome: str
    """ok, failed or stopped."""
    detail: str
    started: datetime
    seconds: float


@dataclass(frozen=True, slots=True)
class JobStatus:
    job: Job
    enabled: bool
    schedule: Schedule
    lease: JobLease | None
    next_run: datetime


def status(store: Store, clock: Clock, config: Config) -> list[JobStatus]:
    """Each job as `gbdsp jobs` shows it (reads only: a job never run shows its first due
    time on the configured schedule)."""
    now = clock.now()
    with store.read() as tx:
        leases = {lease.name: lease for lease in tx.jobs.all()}
    statuses = []
    for j in JOBS:
        schedule = j.schedule(config)
        lease = leases.get(j.name)
        current = lease is not None and lease.schedule == schedule.describe()
        next_run = lease.next_run if lease and current else schedule.next_after(now)
        statuses.append(JobStatus(j, j.settings(config).enabled, schedule, lease, next_run))
    return statuses


def leases(store: Store) -> list[JobLease]:
    """Every job's lease row as the database holds it (what /metrics shows)."""
    with store.read() as tx:
        return tx.jobs.all()


def runner_id() -> str:
    """Who holds a lease: host and process (shown by `gbdsp jobs`), plus a per-run nonce."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def run_job(ctx: JobContext, j: Job, *, manual: bool = False) -> RunResult | None:
    """Take the job's lease and run it once. None: not taken (another runner holds it, or,
    for a scheduled run, it is not due any more because another runner has just run it)."""
    store, clock, config = ctx.store, ctx.clock, ctx.config
    lease_for = timedelta(seconds=config.jobs.lease_seconds)
    runner = runner_id()
    now = clock.now()
    with store.transaction() as tx:
        seen = tx.jobs.get(j.name)
        if seen is None or not tx.jobs.take(
            seen, runner, now, now + lease_for, due_only=not manual
        ):
            return None
    if seen.leased_by is not None:
        log.warning(
            "job %s: took over from %s, whose lease expired at %s",
            j.name,
            seen.leased_by,
            seen.lease_until,
        )
    done = threading.Event()
    beat = threading.Thread(
        target=_heartbeat,
        args=(ctx, j.name, runner, lease_for, done),
        name=f"gbdsp-job-{j.name}-lease",
        daemon=True,
    )
    beat.start()
    outcome, detail = "failed", ""
    try:
        detail = j.run(ctx)
        outcome = "ok"
    except JobStopped as e:
        outcome, detail = "stopped", f"{e}; the rest runs at the next start"
    except KeyboardInterrupt:
        outcome, detail = "stopped", "interrupted"
        raise
    except Exception as e:  # a job's failure is recorded, never the server's end
        detail = describe_error(e)
        if isinstance(e, DatabaseError):  # its full text carries the statement's values
            log.error("job %s failed: %s", j.name, detail)
        else:
            log.exception("job %s failed", j.name)
    finally:
        done.set()
        beat.join()
        finished = clock.now()
        result = RunResult(j.name, outcome, detail, now, (finished - now).total_seconds())
        _record(ctx, j, runner, result, finished, manual=manual, due=seen.next_run)
    return result


def describe_error(e: Exception) -> str:
    """One line for `gbdsp jobs`: a database error without its statement and values
    (they may hold personal data)."""
    if isinstance(e, DatabaseError):
        reason = str(getattr(e, "orig", None) or type(e).__name__).strip().splitlines()
        return f"database error: {reason[0] if reason else type(e).__name__}"
    return f"{type(e).__name__}: {e}"


def _record(
    ctx: JobContext,
    j: Job,
    runner: str,
    result: RunResult,
    finished: datetime,
    *,
    manual: bool,
    due: datetime,
) -> None:
    """A stopped run stays due (the next scheduler resumes it); an ok or failed one waits
    for its next due time. A manual run moves next_run only if the job was due anyway."""
    next_run: datetime | None = j.schedule(ctx.config).next_after(finished)
    if result.outcome == "stopped" or (manual and due > finished):
        next_run = None
    with ctx.store.transaction() as tx:
        if not tx.jobs.finish(
            j.name, runner, finished, result.outcome, result.detail, result.seconds, next_run
        ):
            log.warning(
                "job %s: lease lost before the run was recorded (another runner took it over)",
                j.name,
            )


def _heartbeat(
    ctx: JobContext, name: str, runner: str, lease_for: timedelta, done: threading.Event
) -> None:
    """Renew the lease every third of its length while the job runs; if another runner
    has taken it (we stalled past the lease), ask the job to stop."""
    while not done.wait(lease_for.total_seconds() / 3):
        try:
            with ctx.store.transaction() as tx:
                still_ours = tx.jobs.renew(name, runner, ctx.clock.now() + lease_for)
        except Exception:  # a database hiccup: the next beat tries again
            log.exception("job %s: lease renewal failed", name)
            continue
        if not still_ours:
            log.warning("job %s: lease taken over by another runner; stopping", name)
            ctx.stop.set()
            return


class Scheduler:
    """Runs the due jobs of this process in threads, until cancelled (the serve lifespan).
    Several schedulers on one database race for each run; the lease gives it to one."""

    def __init__(
        self, context: JobContext, on_result: Callable[[RunResult], None] = lambda r: None
    ) -> None:
        self.context = context
        self.store, self.clock, self.config = context.store, context.clock, context.config
        self.on_result = on_result
        self.poll = context.config.jobs.poll_seconds
        self._running: dict[str, tuple[asyncio.Task[RunResult | None], threading.Event]] = {}

    def due(self) -> list[Job]:
        """Enabled jobs due now whose lease is free and that this process is not running."""
        now = self.clock.now()
        with self.store.read() as tx:
            leases = {lease.name: lease for lease in tx.jobs.all()}
        return [
            j
            for j in JOBS
            if j.settings(self.config).enabled
            and j.name not in self._running
            and (lease := leases.get(j.name)) is not None
            and lease.next_run <= now
            and lease.free(now)
        ]

    def wait_seconds(self) -> float:
        """Until the next moment something may change: the earliest next run of an enabled
        job, or the end of a lease another runner holds; at most one poll."""
        now = self.clock.now()
        with self.store.read() as tx:
            leases = tx.jobs.all()
        moments = [
            lease.lease_until if lease.running(now) and lease.lease_until else lease.next_run
            for lease in leases
            if job_enabled(self.config, lease.name) and lease.name not in self._running
        ]
        until = min(((m - now).total_seconds() for m in moments), default=self.poll)
        return max(0.05, min(self.poll, until))

    def run_now(self, j: Job, stop: threading.Event) -> RunResult | None:
        ctx = replace(self.context, stop=stop)
        result = run_job(ctx, j)
        if result is not None:
            self.on_result(result)
        return result

    async def run(self) -> None:
        prepared = False
        try:
            while True:
                try:
                    if not prepared:  # retried until the database answers
                        await to_thread.run_sync(prepare, self.store, self.clock, self.config)
                        prepared = True
                    self._reap()
                    for j in await to_thread.run_sync(self.due):
                        stop = threading.Event()
                        task = asyncio.create_task(to_thread.run_sync(self.run_now, j, stop))
                        self._running[j.name] = (task, stop)
                    wait = await to_thread.run_sync(self.wait_seconds)
                except Exception as e:  # the database may be away for a moment
                    log.error("scheduler round failed (%s); retrying", describe_error(e))
                    wait = self.poll
                await asyncio.sleep(wait)
        finally:
            await self._stop_running()

    def _reap(self) -> None:
        for name, (task, _) in list(self._running.items()):
            if task.done():
                del self._running[name]
                error = None if task.cancelled() else task.exception()
                if isinstance(error, Exception):  # recording the run failed
                    log.error(
                        "job %s: run not recorded (%s); its lease will lapse",
                        name,
                        describe_error(error),
                    )

    async def _stop_running(self) -> None:
        """Shutdown: ask each running job to stop after its current batch, and wait."""
        for _, stop in self._running.values():
            stop.set()
        tasks = [task for task, _ in self._running.values()]
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._running.clear()


def job_enabled(config: Config, name: str) -> bool:
    try:
        return job(name).settings(config).enabled
    except NotFound:  # a row left by a job that no longer exists
        return False
