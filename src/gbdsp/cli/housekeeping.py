"""Housekeeping of Pending devices (SEC Appendix AC 7.2; MP60)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
from rich.progress import Progress, TextColumn, TimeElapsedColumn

from gbdsp.cli.base import (
    Context,
    cli,
    err,
    out,
    pass_ctx,
)
from gbdsp.domain.ids import DeviceId


@cli.group()
def housekeeping() -> None:
    """Housekeeping of Pending devices (SEC Appendix AC 7.2; MP60)."""


@housekeeping.command("run")
@click.option(
    "--dry-run", is_flag=True, help="Change nothing: show what would go today and in 30/60/90 days."
)
@click.option(
    "--rule",
    "rules",
    multiple=True,
    metavar="RULE",
    help="Another reading to compare (dry run) or to apply, e.g. "
    "'months=12,left-pending,name=Bryt' or 'months=36,exclude=CHF+GPF'. Repeatable.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, 100_000),
    default=None,
    help="Devices per transaction (default from config).",
)
@pass_ctx
def housekeeping_run(
    ctx: Context, dry_run: bool, rules: tuple[str, ...], batch_size: int | None
) -> None:
    """Remove devices Pending beyond the rule's period (archived, owners notified)."""
    from gbdsp.domain.housekeeping import HousekeepingRule
    from gbdsp.services import housekeeping as service

    with ctx.app() as app:
        now = app.clock.now()
        in_force = service.rule_in_force(app.config, now)
        chosen = [HousekeepingRule.parse(r) for r in rules]
        if dry_run:
            from gbdsp.cli.render import render_forecasts

            forecasts = service.dry_run(app.store, now, [in_force, *chosen])
            render_forecasts(out, forecasts)
            return
        if len(chosen) > 1:
            raise click.UsageError("a real run applies one rule: give --rule at most once")
        rule = chosen[0] if chosen else in_force
        size = batch_size or app.config.housekeeping.batch_size
        with _spinner("housekeeping") as tick:
            report = service.run(
                app.store,
                app.clock,
                app.signing_key(),
                rule,
                batch_size=size,
                after_batch=lambda r: tick(r.removed),
            )
    by_type = ", ".join(f"{t} {n}" for t, n in sorted(report.by_type.items())) or "none"
    out.print(
        f"housekeeping run {report.run_id} under {rule.describe()}: "
        f"{report.removed} devices removed ({by_type}), archived, owners notified"
    )


@housekeeping.command("report")
@click.argument("kind", type=click.Choice(["pending-age", "ch-stock", "stock-rotation"]))
@pass_ctx
def housekeeping_report(ctx: Context, kind: str) -> None:
    """Pending age profile by device type and User; Communications Hub stock per party; or
    the 'newest stock installed first' report (CH installs while older stock waited)."""
    from gbdsp.cli.render import render_hub_stock, render_pending_age, render_stock_rotation
    from gbdsp.services import housekeeping as service

    with ctx.app() as app:
        if kind == "pending-age":
            render_pending_age(out, service.pending_age(app.store, app.clock))
        elif kind == "ch-stock":
            render_hub_stock(out, service.hub_stock(app.store))
        else:
            render_stock_rotation(out, service.stock_rotation(app.store, app.clock))


@housekeeping.command("archive")
@click.argument("device_id", required=False)
@click.option("--limit", default=20, show_default=True)
@pass_ctx
def housekeeping_archive(ctx: Context, device_id: str | None, limit: int) -> None:
    """Show removed devices (newest first) with the rule and their full record."""
    with ctx.app() as app, app.store.read() as tx:
        entries = tx.housekeeping.archived(DeviceId.parse(device_id) if device_id else None, limit)
    if not entries:
        out.print(
            "no device removed by housekeeping" + (f" with ID {device_id}" if device_id else "")
        )
    for e in entries:
        out.print(
            f"{e.device_id} {e.device_type} removed {e.removed_at:%Y-%m-%d %H:%M}Z "
            f"(run {e.run_id}, {e.rule}); Pending since "
            f"{e.pending_since:%Y-%m-%d}"
            if e.pending_since
            else ""
        )
        if device_id:
            out.print_json(e.record)


@contextmanager
def _spinner(what: str) -> Iterator[Callable[[int], None]]:
    with Progress(
        TextColumn(what),
        TextColumn("{task.fields[n]:,} removed"),
        TimeElapsedColumn(),
        console=err,
        disable=not err.is_terminal,
        transient=True,
    ) as progress:
        task = progress.add_task(what, n=0)
        yield lambda n: progress.update(task, n=n)
