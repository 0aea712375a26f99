"""`gbdsp fleet`: generate a GB-shaped SMI in bulk for scale tests (docs/scaling.md)."""

from __future__ import annotations

import time

import click

from gbdsp.cli.base import Context, cli, err, out, pass_ctx


@cli.group()
def fleet() -> None:
    """A large synthetic SMI (tens of millions of devices) for scale tests."""


@fleet.command("generate")
@click.option("--devices", type=int, required=True, help="At least this many devices.")
@click.option(
    "--first-premises",
    type=int,
    default=0,
    show_default=True,
    help="Premises number to start at (to add to a fleet already loaded).",
)
@pass_ctx
def fleet_generate(ctx: Context, devices: int, first_premises: int) -> None:
    """Load premises (CHF, GPF, ESME, GSME, IHD, some PPMIDs) straight into the database:
    COPY on PostgreSQL, one transaction; into an empty SMI the indexes are built at the end."""
    from gbdsp.worlds.fleet import generate_fleet

    started = time.perf_counter()
    with ctx.app() as app:
        shown = [0]

        def progress(written: int) -> None:
            if written >= shown[0] + 1_000_000:
                shown[0] = written
                err.print(f"  {written:,} devices ({time.perf_counter() - started:.0f}s)")

        report = generate_fleet(
            app.store,
            app.clock,
            devices=devices,
            first_premises=first_premises,
            on_progress=progress,
        )
    seconds = time.perf_counter() - started
    out.print(
        f"fleet: {report.premises:,} premises, {report.devices:,} devices, "
        f"{report.history_lines:,} status history lines, {report.registrations:,} "
        f"registrations in {seconds:.1f}s ({report.devices / seconds:,.0f} devices/s; "
        f"rows {report.load_seconds:.1f}s, indexes {report.index_seconds:.1f}s)"
    )
    for dtype, n in sorted(report.by_type.items()):
        out.print(f"  {dtype:<6} {n:>12,}")
