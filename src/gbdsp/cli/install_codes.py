"""Install codes after a change of supplier (MP121)."""

from __future__ import annotations

import sys

import click
from rich.table import Table

from gbdsp.cli.base import (
    Context,
    cli,
    err,
    out,
    pass_ctx,
    read_bytes,
    read_secret,
)
from gbdsp.csvformat import (
    read_device_ids,
)
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import UserId


@cli.group("install-codes")
def install_codes_group() -> None:
    """MP121: gaining suppliers ask installing suppliers for install codes (AC 4.16)."""


@install_codes_group.command("request")
@click.argument("device_ids", nargs=-1, required=True)
@click.option("--by", required=True, help="The gaining supplier's User ID.")
@click.option("--backlog", is_flag=True, help="From before the obligation: not an SLA breach.")
@pass_ctx
def install_codes_request(
    ctx: Context, device_ids: tuple[str, ...], by: str, backlog: bool
) -> None:
    """Ask for the install code of one or more devices."""
    _raise_install_code_requests(ctx, list(enumerate(device_ids, 1)), by, backlog)


@install_codes_group.command("bulk")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--by", required=True, help="The gaining supplier's User ID.")
@click.option("--backlog", is_flag=True, help="From before the obligation: not an SLA breach.")
@pass_ctx
def install_codes_bulk(ctx: Context, file: str, by: str, backlog: bool) -> None:
    """Ask for many install codes at once: a CSV with a device_id column; each row is
    raised or refused on its own (exit status 1 if any was refused)."""
    rows = read_device_ids(read_bytes(file))
    _raise_install_code_requests(ctx, rows, by, backlog)


def _raise_install_code_requests(
    ctx: Context, rows: list[tuple[int, str]], by: str, backlog: bool
) -> None:
    from gbdsp.services.install_codes import raise_requests

    with ctx.app() as app:
        results = raise_requests(
            app.store, app.clock, app.config, UserId.parse(by), rows, backlog=backlog
        )
    for r in results:
        target = out if r.request_id else err
        prefix = f"request {r.request_id}" if r.request_id else f"line {r.line}"
        target.print(f"{prefix}: {r.device}: {r.message}", markup=False)
    refused = sum(1 for r in results if r.request_id is None)
    out.print(f"{len(results) - refused} requests raised, {refused} refused")
    if refused:
        sys.exit(1)


@install_codes_group.command("list")
@click.option("--by", required=True, help="Your User ID: requests you raised or must answer.")
@pass_ctx
def install_codes_list(ctx: Context, by: str) -> None:
    """Your install-code requests: raised by you, or assigned to you (due dates, overdue)."""
    from gbdsp.services.install_codes import requests_for

    with ctx.app() as app:
        rows = requests_for(app.store, UserId.parse(by))
        today = app.clock.now().date()
    table = Table(title=f"Install-code requests of {by}")
    for column in ("id", "device", "requester", "assignee", "status", "due"):
        table.add_column(column)
    for r in rows:
        late = r.status.value == "Open" and today > r.due
        table.add_row(
            str(r.id),
            str(r.device_id),
            str(r.requester),
            str(r.assignee),
            r.status.value,
            f"[red]{r.due} overdue[/]" if late else str(r.due),
        )
    out.print(table)


@install_codes_group.command("answer")
@click.argument("request_id", type=int)
@click.option("--by", required=True, help="The installing supplier's User ID.")
@click.option(
    "--code",
    help="The install code (hex). Avoid: it lands in shell history; "
    "without it the code is asked for (hidden) or read from stdin.",
)
@click.option("--not-installer", is_flag=True, help="You did not install this device.")
@pass_ctx
def install_codes_answer(
    ctx: Context, request_id: int, by: str, code: str | None, not_installer: bool
) -> None:
    """Answer a request assigned to you (the code is sealed at once, never mailed).

    The install code is asked for without echo, or read from stdin when piped."""
    from gbdsp.services.install_codes import answer

    if code is not None:
        err.print(
            "warning: --code puts the install code in your shell history and the "
            "process list; leave it out to be asked for it, or pipe it on stdin"
        )
    elif not not_installer:
        code = read_secret("Install code (hex)")
    try:
        raw = bytes.fromhex(code) if code else None
    except ValueError as e:
        raise InvalidValue("the install code must be hex") from e
    with ctx.app() as app:
        result = answer(
            app.store,
            app.clock,
            app.sealer(),
            UserId.parse(by),
            request_id,
            install_code=raw,
            not_installer=not_installer,
        )
    out.print(f"request {request_id}: {result.status.value}; the requester is told")


@install_codes_group.command("code")
@click.argument("request_id", type=int)
@click.option("--by", required=True, help="The requester's User ID.")
@pass_ctx
def install_codes_code(ctx: Context, request_id: int, by: str) -> None:
    """Read the install code of your answered request."""
    from gbdsp.services.install_codes import read_code

    with ctx.app() as app:
        out.print(read_code(app.store, app.sealer(), UserId.parse(by), request_id).hex().upper())


@install_codes_group.command("close")
@click.argument("request_id", type=int)
@click.option("--by", required=True, help="The requester's User ID.")
@pass_ctx
def install_codes_close(ctx: Context, request_id: int, by: str) -> None:
    """Close your request."""
    from gbdsp.services.install_codes import close

    with ctx.app() as app:
        close(app.store, app.clock, UserId.parse(by), request_id)
    out.print(f"request {request_id} closed")


@install_codes_group.command("report")
@pass_ctx
def install_codes_report(ctx: Context) -> None:
    """For the Panel: per installing supplier, in time, late, outstanding, overdue."""
    from gbdsp.services.install_codes import overdue, sla_report

    with ctx.app() as app:
        lines = sla_report(app.store, app.clock, app.config)
        late = overdue(app.store, app.clock)
    table = Table(title="MP121 install-code SLA (backlog excluded)")
    labels = (
        "installing supplier",
        "received",
        "in time",
        "late",
        "outstanding",
        "overdue",
        "median Working Days",
    )
    for column in labels:
        table.add_column(column, justify="left" if column == labels[0] else "right")
    for s in lines:
        median = "-" if s.median_working_days is None else f"{s.median_working_days:g}"
        table.add_row(
            str(s.assignee),
            str(s.received),
            str(s.in_time),
            str(s.late),
            str(s.outstanding),
            str(s.overdue),
            median,
        )
    out.print(table)
    for r in late:
        out.print(f"overdue: request {r.id} ({r.device_id}) for {r.assignee}, due {r.due}")
