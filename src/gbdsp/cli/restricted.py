"""Restricted mode (MP169), device alerts and the SR outcome reports."""

from __future__ import annotations

import click
from rich.table import Table

from gbdsp.cli.base import (
    Context,
    cli,
    out,
    pass_ctx,
)
from gbdsp.cli.wan import wan
from gbdsp.domain.ids import DeviceId, UserId


@cli.group()
def restricted() -> None:
    """MP169 Restricted mode: a consumer's choice to refuse smart functionality."""


def _set_restricted(
    ctx: Context, device_id: str, by: str, preference: str, reasonable_steps: bool, value: bool
) -> None:
    from gbdsp.services.restricted import set_restricted

    with ctx.app() as app:
        changed = set_restricted(
            app.store,
            app.clock,
            app.config,
            UserId.parse(by),
            DeviceId.parse(device_id),
            value,
            preference,
            reasonable_steps,
            sealer=app.sealer(),
        )
    state = "set" if value else "cleared"
    out.print(f"Restricted mode {state} on {', '.join(str(d) for d in changed)}; the CSP is told")


@restricted.command("set")
@click.argument("device_id")
@click.option("--by", required=True, help="The Responsible Supplier's User ID.")
@click.option("--preference", required=True, help="What the consumer asked for.")
@click.option(
    "--reasonable-steps",
    is_flag=True,
    help="Confirm all reasonable steps for a smart installation were taken.",
)
@pass_ctx
def restricted_set(
    ctx: Context, device_id: str, by: str, preference: str, reasonable_steps: bool
) -> None:
    """Put a SMETS2+ ESME or GSME (and a GSME's GPF) into Restricted mode."""
    _set_restricted(ctx, device_id, by, preference, reasonable_steps, True)


@restricted.command("clear")
@click.argument("device_id")
@click.option("--by", required=True, help="The Responsible Supplier's User ID.")
@click.option("--preference", required=True, help="What the consumer asked for.")
@pass_ctx
def restricted_clear(ctx: Context, device_id: str, by: str, preference: str) -> None:
    """Take a device out of Restricted mode."""
    _set_restricted(ctx, device_id, by, preference, False, False)


@restricted.command("show")
@click.argument("device_id")
@click.option(
    "--as",
    "as_user",
    metavar="USER_ID",
    help="See it as this User (the Responsible Supplier reads the consumer's words).",
)
@pass_ctx
def restricted_show(ctx: Context, device_id: str, as_user: str | None) -> None:
    """Who set or cleared Restricted mode, when and why; and what the CSP holds.

    Without --as it is the DCC operator's view: the changes, not the consumer's words."""
    from gbdsp.domain.visibility import Viewer
    from gbdsp.services.restricted import csp_indicator, history
    from gbdsp.services.users import get_user

    device = DeviceId.parse(device_id)
    with ctx.app() as app:
        user = get_user(app.store, UserId.parse(as_user)) if as_user else None
        found = history(app.store, app.sealer(), Viewer(user), device)
        csp = csp_indicator(app.store, device)
    for c in found.changes:
        words = (
            c.consumer_preference
            if c.consumer_preference is not None
            else "(the consumer's words: --as the Responsible Supplier)"
        )
        out.print(
            f"{c.at:%Y-%m-%d %H:%M}Z {'set' if c.restricted else 'cleared'} by {c.by}: "
            f"{words}" + (" (reasonable steps confirmed)" if c.reasonable_steps else ""),
            markup=False,
        )
    if not found.access.shows_history:
        out.print(f"the Restricted-mode history of {device_id} is not for this User")
    elif not found.changes:
        out.print(f"{device_id} has never been in Restricted mode")
    out.print(
        "CSP service desk: "
        + (
            "no record"
            if csp is None
            else f"{'Restricted' if csp[0] else 'not Restricted'} since {csp[1]:%Y-%m-%d %H:%M}Z"
        )
    )


@wan.command("alert")
@click.argument("device_id")
@click.argument("alert_code")
@pass_ctx
def wan_alert(ctx: Context, device_id: str, alert_code: str) -> None:
    """Make an emulated device raise an alert (4 hex digits, for example 8F01), in GBCS."""
    from gbdsp.services.alerts import raise_alert

    with ctx.app() as app:
        outcome = raise_alert(
            app.store,
            app.clock,
            app.config,
            app.signing_key(),
            DeviceId.parse(device_id),
            alert_code,
            app.gbcs_world,
        )
    out.print(f"alert {alert_code.upper()} from {device_id}: {outcome.reason}")


@cli.group()
def report() -> None:
    """Service reports."""


@report.command("sr-outcomes")
@pass_ctx
def report_sr_outcomes(ctx: Context) -> None:
    """DUIS outcomes per SRV and User; Restricted-mode refusals apart (MP169 BR 6)."""
    from gbdsp.services.reports import sr_outcomes

    with ctx.app() as app:
        rows = sr_outcomes(app.store)
    table = Table(title="Service request outcomes (Restricted-mode refusals not failures)")
    labels = ("SRV", "User", "CSP region")
    for column in (*labels, "succeeded", "failed", "refused: Restricted", "success rate"):
        table.add_column(column, justify="left" if column in labels else "right")
    for r in rows:
        rate = f"{r.success_rate:.1%}" if r.success_rate is not None else "-"
        table.add_row(
            r.srv,
            str(r.user_id or "-"),
            r.region or "-",
            str(r.succeeded),
            str(r.failed),
            str(r.restricted),
            rate,
        )
    out.print(table)


@report.command("restricted-firmware")
@pass_ctx
def report_restricted_firmware(ctx: Context) -> None:
    """Restricted meters behind the newest CPL firmware or failing updates (MP169 R-001)."""
    from gbdsp.services.reports import restricted_firmware

    with ctx.app() as app:
        rows = restricted_firmware(app.store)
    if not rows:
        out.print("every Restricted meter runs the newest CPL firmware; no failed updates")
    for r in rows:
        out.print(
            f"{r.device_id} {r.device_type}: firmware {r.firmware} (newest on the CPL "
            f"{r.newest_on_cpl}), {r.failed_updates} failed updates"
        )
