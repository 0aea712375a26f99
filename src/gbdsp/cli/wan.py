"""Communications Hubs as delivered, the SM WAN and device emulator, registration data."""

from __future__ import annotations

from datetime import timedelta

import click
from rich.table import Table

from gbdsp.cli.base import (
    Context,
    cli,
    open_csv,
    out,
    pass_ctx,
)
from gbdsp.domain.devices import CspRegion
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.services import inventory


@cli.group()
def ch() -> None:
    """Communications Hubs as the DCC delivers them."""


@ch.command("deliver")
@click.argument("chf_id")
@click.argument("gpf_id")
@click.option("--to", "to", required=True, help="Ordering supplier User ID.")
@click.option(
    "--version",
    "smets",
    default="CHTS V1.0",
    show_default=True,
    help="CHTS version ('SMETS1 ...' for a hub of a SMETS1 system).",
)
@click.option("--region", default=None, help="CSP region: North, Central, South (or 4G ...).")
@pass_ctx
def ch_deliver(
    ctx: Context, chf_id: str, gpf_id: str, to: str, smets: str, region: str | None
) -> None:
    """Deliver a CH: its CHF and GPF enter the SMI as Pending (SEC Appendix AC 2.4)."""
    from gbdsp.services.operations import deliver_hub

    with ctx.app() as app:
        deliver_hub(
            app.store,
            app.clock,
            app.config,
            UserId.parse(to),
            DeviceId.parse(chf_id),
            DeviceId.parse(gpf_id),
            smets,
            CspRegion.parse(region) if region else None,
            emulator=app.emulator,
        )
    out.print(f"CH {chf_id} (GPF {gpf_id}) delivered to {to}: Pending")


@cli.group()
def wan() -> None:
    """The SM WAN and device emulator (stands in for the CSPs and the devices)."""


@wan.command("coverage")
@click.argument("chf_id")
@click.argument("state", type=click.Choice(["on", "off"]))
@pass_ctx
def wan_coverage(ctx: Context, chf_id: str, state: str) -> None:
    """SM WAN coverage arrives at (or leaves) a CH's premises."""
    from gbdsp.services.operations import set_coverage

    with ctx.app() as app:
        set_coverage(app.store, app.clock, DeviceId.parse(chf_id), state == "on")
    out.print(f"SM WAN coverage at CH {chf_id}: {state}")


@wan.command("install-code")
@click.argument("device_id")
@pass_ctx
def wan_install_code(ctx: Context, device_id: str) -> None:
    """Print the install code on a device's label (what its installer reads off it)."""
    from gbdsp.services.operations import install_code

    with ctx.app() as app:
        out.print(install_code(app.emulator, DeviceId.parse(device_id)))


@cli.group()
def registration() -> None:
    """Registration data: who supplies each MPxN from when (change of supplier)."""


@registration.command("import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@pass_ctx
def registration_import(ctx: Context, file: str) -> None:
    """Import registration data (columns: mpxn, supplier, effective_from); entries in
    effect move the Responsible Supplier at once, later ones when their date comes."""
    from gbdsp.csvformat import REGISTRATION_COLUMNS, parse_registration
    from gbdsp.services import registration as service

    with (
        ctx.app() as app,
        open_csv(file, required=REGISTRATION_COLUMNS, known=REGISTRATION_COLUMNS) as (reader, _raw),
    ):
        entries = []
        for line, row in inventory.numbered_rows(reader):
            try:
                entries.append(parse_registration(row))
            except InvalidValue as e:
                raise InvalidValue(f"{file} line {line}: {e}") from e
        count = service.record(app.store, entries, app.clock.now())
    out.print(f"registration data: {count} entries recorded")


@registration.command("list")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100_000))
@pass_ctx
def registration_list(ctx: Context, limit: int) -> None:
    """Registration data, latest first: changes of supplier to come, and applied ones."""
    from gbdsp.services import registration as service

    with ctx.app() as app:
        entries = service.latest(app.store, limit)
        now = app.clock.now()
    table = Table(title=f"Registration data (latest {limit})")
    for column in ("MPxN", "supplier", "effective from", "state"):
        table.add_column(column)
    for e in entries:
        state = (
            f"applied {e.applied_at:%Y-%m-%d %H:%M}Z"
            if e.applied_at
            else "due: applied by the next request or job"
            if e.effective_from <= now
            else _in_days(e.effective_from - now)
        )
        table.add_row(e.mpxn, str(e.supplier_id), f"{e.effective_from:%Y-%m-%d %H:%M}Z", state)
    out.print(table)


def _in_days(ahead: timedelta) -> str:
    days = ahead.days + 1
    return f"in flight: takes effect in {days} day{'s' if days > 1 else ''}"
