"""`gbdsp jobs`: the periodic jobs `gbdsp serve` runs, their last and next runs (docs/jobs.md)."""

from __future__ import annotations

import sys
from datetime import datetime

import click
from rich.table import Table
from rich.text import Text

from gbdsp.cli.base import Context, cli, err, out, pass_ctx
from gbdsp.domain.schedules import zone


@cli.group(invoke_without_command=True)
@click.pass_context
def jobs(click_ctx: click.Context) -> None:
    """Periodic jobs: schedule, last run (start, end, outcome), next run. `gbdsp serve` runs
    them; each due run happens once whatever the number of workers and servers."""
    if click_ctx.invoked_subcommand is None:
        click_ctx.invoke(jobs_list)


@jobs.command("list")
@pass_ctx
def jobs_list(ctx: Context) -> None:
    """Each job's schedule, last run and next run (times in `[jobs] timezone`)."""
    from gbdsp.services import jobs as service

    with ctx.app() as app:
        now = app.clock.now()
        tz = app.config.jobs.timezone
        table = Table()
        for column in ("job", "schedule", "last start", "last end", "outcome", "next run"):
            table.add_column(column, no_wrap=True)
        table.add_column("detail")  # the summary wraps; the rest reads across
        for s in service.status(app.store, app.clock, app.config):
            lease = s.lease
            outcome = (lease.last_outcome or "") if lease else ""
            if lease is not None and lease.running(now):
                outcome = (
                    f"running on {lease.leased_by.rsplit(':', 1)[0]}"
                    if lease.leased_by
                    else "running"
                )
            elif lease is not None and lease.leased_by is not None:
                outcome = "lost (lease expired: runs again when due)"
            cells = (
                s.job.name,
                s.schedule.expression if s.enabled else "disabled",
                _when(lease.last_started if lease else None, tz),
                _when(lease.last_finished if lease else None, tz),
                outcome,
                (_when(s.next_run, tz) + (" (due)" if s.next_run <= now else ""))
                if s.enabled
                else "-",
                (lease.last_detail or "") if lease else "never run",
            )
            table.add_row(*(Text(c) for c in cells))  # as written: no markup, no emoji
        out.print(table)
        out.print(f"times in {tz}")


@jobs.command("run")
@click.argument("name")
@pass_ctx
def jobs_run(ctx: Context, name: str) -> None:
    """Run one job now, here, taking the same lease as the scheduler (refused while another
    runner holds it). A disabled job runs too: asking by name is deliberate."""
    from gbdsp.services import jobs as service

    with ctx.app() as app:
        job = service.job(name)
        service.prepare(app.store, app.clock, app.config)
        context = app.job_context()
        result = service.run_job(context, job, manual=True)
        if result is None:
            lease = next(
                s.lease
                for s in service.status(app.store, app.clock, app.config)
                if s.job.name == name
            )
            holder = lease.leased_by if lease else "another runner"
            until = _when(lease.lease_until if lease else None, app.config.jobs.timezone)
            err.print(
                f"gbdsp: error: job {name} is running on {holder} (lease until "
                f"{until}); try again when it has finished",
                markup=False,
                emoji=False,
            )
            sys.exit(1)
    out.print(
        f"job {name}: {result.outcome} in {result.seconds:.1f}s: {result.detail}",
        markup=False,
        emoji=False,
    )
    if result.outcome != "ok":
        sys.exit(1)


def _when(moment: datetime | None, tz: str) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M:%S %Z")
