"""The Smart Metering Inventory: import, show, export."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gbdsp.cli.base import (
    Context,
    ErrorPrinter,
    cli,
    err,
    open_csv,
    out,
    pass_ctx,
    progress,
)
from gbdsp.csvformat import (
    DEVICE_COLUMNS,
    DEVICE_REQUIRED,
)
from gbdsp.domain.ids import DeviceId
from gbdsp.services import inventory


@cli.group()
def smi() -> None:
    """The Smart Metering Inventory."""


@smi.command("import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--batch-size",
    default=5_000,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Rows per transaction.",
)
@pass_ctx
def smi_import(ctx: Context, file: str, batch_size: int) -> None:
    """Bulk-add devices from a device extract CSV (the format `smi export` writes).

    Streams the file in batches (constant memory); idempotent, so an interrupted import
    is finished by running it again. Bad rows are reported with their line number and
    skipped. Exit status 1 if any row was rejected.
    """
    with (
        ctx.app() as app,
        open_csv(file, required=DEVICE_REQUIRED, known=DEVICE_COLUMNS) as (
            reader,
            raw,
        ),
        progress(raw) as advance,
    ):
        errors = ErrorPrinter()
        report = inventory.import_devices(
            app.store,
            app.clock,
            inventory.numbered_rows(reader),
            on_error=errors,
            on_batch=lambda r: advance(r.read),
            batch_size=batch_size,
        )
    out.print(
        f"SMI import: {report.read} rows read, {report.added} devices added, "
        f"{report.unchanged} unchanged, {report.rejected} rejected"
    )
    if report.rejected:
        sys.exit(1)


@smi.command("show")
@click.argument("device_id")
@pass_ctx
def smi_show(ctx: Context, device_id: str) -> None:
    """Show a device: status, history and associations (for a CHF, its Device Log)."""
    from gbdsp.cli.render import render_device

    with ctx.app() as app:
        view = inventory.show_device(app.store, DeviceId.parse(device_id))
    render_device(out, view)


@smi.command("export")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    default="-",
    help="File to write (default: standard output).",
)
@pass_ctx
def smi_export(ctx: Context, output: str) -> None:
    """Write the device extract CSV of the whole SMI."""
    with ctx.app() as app:
        if output == "-":
            count = inventory.export_devices(app.store, sys.stdout)
        else:
            tmp = Path(output + ".part")
            with tmp.open("w", encoding="utf-8", newline="") as f:
                count = inventory.export_devices(app.store, f)
            tmp.replace(output)  # never leave a truncated extract under the real name
    err.print(f"exported {count} devices")
