"""The Central Products List."""

from __future__ import annotations

import csv
import sys

import click
from rich.table import Table

from gbdsp.cli.base import (
    Context,
    ErrorPrinter,
    cli,
    open_csv,
    out,
    pass_ctx,
)
from gbdsp.csvformat import (
    CPL_COLUMNS,
    format_cpl,
)
from gbdsp.services import cpl as cpl_service
from gbdsp.services import inventory


@cli.group()
def cpl() -> None:
    """The Central Products List (device models allowed in the SMI)."""


@cpl.command("import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@pass_ctx
def cpl_import(ctx: Context, file: str) -> None:
    """Add CPL entries (or change their status) from a CSV file.

    Columns: manufacturer, model, hardware_version, firmware_version, device_type,
    smets_variant (SMETS1 or SMETS2+), status (Active, Cancelled, Expired, Withdrawn).
    """
    with (
        ctx.app() as app,
        open_csv(file, required=CPL_COLUMNS[:-1], known=CPL_COLUMNS) as (
            reader,
            _raw,
        ),
    ):
        errors = ErrorPrinter()
        report = cpl_service.import_cpl(
            app.store, app.clock, app.config, inventory.numbered_rows(reader), on_error=errors
        )
    out.print(
        f"CPL import: {report.changed} added or changed, {report.unchanged} unchanged, "
        f"{report.rejected} rejected"
    )
    if report.rejected:
        sys.exit(1)


@cpl.command("list")
@click.option("--csv", "as_csv", is_flag=True, help="Write CSV instead of a table.")
@pass_ctx
def cpl_list(ctx: Context, as_csv: bool) -> None:
    """List the CPL."""
    with ctx.app() as app:
        entries = cpl_service.list_cpl(app.store)
    if as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=CPL_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(format_cpl(e) for e in entries)
        return
    table = Table(title=f"Central Products List ({len(entries)} entries)")
    for column in CPL_COLUMNS:
        table.add_column(column.replace("_", " "))
    for entry in entries:
        table.add_row(*format_cpl(entry).values())
    out.print(table)
