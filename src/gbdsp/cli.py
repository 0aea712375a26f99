"""The `gbdsp` command line: parse input, call one service, render the result."""

from __future__ import annotations

import csv
import io
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import IO, Any, BinaryIO, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gbdsp import __version__, bootstrap
from gbdsp.cli_portal import portal
from gbdsp.cli_sim import simulate
from gbdsp.csvformat import CPL_COLUMNS, DEVICE_COLUMNS, DEVICE_REQUIRED, check_header, format_cpl
from gbdsp.domain.devices import CspRegion
from gbdsp.domain.errors import GbdspError, InvalidValue
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.parties import User, UserRole
from gbdsp.services import cpl as cpl_service
from gbdsp.services import inventory
from gbdsp.services.inventory import RowError

F = TypeVar("F", bound=Callable[..., Any])
# Off a terminal (pipes, CI logs) rich would wrap at 80 columns; give tables room instead.
err = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 160)
out = Console(highlight=False, width=None if sys.stdout.isatty() else 160)


class Context:
    def __init__(self, data: str | None) -> None:
        self.data_dir = bootstrap.resolve_data_dir(data)

    @contextmanager
    def app(self) -> Iterator[bootstrap.App]:
        app = bootstrap.open_app(self.data_dir)
        try:
            yield app
        finally:
            app.close()


pass_ctx = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gbdsp")
@click.option("--data", metavar="DIR", envvar=bootstrap.DATA_ENV,
              help="Data directory (config, database, keys). Default: ./gbdsp-data, "
                   "or $GBDSP_DATA.")
@click.pass_context
def cli(ctx: click.Context, data: str | None) -> None:
    """gbdsp: the GB smart metering Data Service (SMI, CPL, DUIS gateway, SSI).

    Start with `gbdsp init`, then `gbdsp demo` for a small fleet, then `gbdsp serve`.
    """
    ctx.obj = Context(data)


@cli.command()
@pass_ctx
def init(ctx: Context) -> None:
    """Create the data directory and database, and register the DCC Boxed test Users."""
    from gbdsp.services.users import register_test_users

    app = bootstrap.initialise(ctx.data_dir)
    try:
        users = register_test_users(app.store)
    finally:
        app.close()
    out.print(f"gbdsp data directory: {ctx.data_dir}")
    out.print(f"database: {app.store.engine.url.render_as_string(hide_password=True)} (migrated)")
    for user in users:
        roles = ", ".join(sorted(r.value for r in user.roles))
        out.print(f"registered test User {user.user_id} ({roles}): {user.name}")


cli.add_command(portal)


# -- CPL ---------------------------------------------------------------------------------

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
    with ctx.app() as app, _open_csv(file, required=CPL_COLUMNS[:-1], known=CPL_COLUMNS) as (
        reader, _raw,
    ):
        errors = _ErrorPrinter()
        report = cpl_service.import_cpl(
            app.store, inventory.numbered_rows(reader), on_error=errors,
            mp202_in_force=app.config.modifications.mp202.in_force(app.clock.now().date()))
    out.print(f"CPL import: {report.changed} added or changed, {report.unchanged} unchanged, "
              f"{report.rejected} rejected")
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


# -- SMI ---------------------------------------------------------------------------------

@cli.group()
def smi() -> None:
    """The Smart Metering Inventory."""


@smi.command("import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--batch-size", default=5_000, show_default=True, type=click.IntRange(1, 100_000),
              help="Rows per transaction.")
@pass_ctx
def smi_import(ctx: Context, file: str, batch_size: int) -> None:
    """Bulk-add devices from a device extract CSV (the format `smi export` writes).

    Streams the file in batches (constant memory); idempotent, so an interrupted import
    is finished by running it again. Bad rows are reported with their line number and
    skipped. Exit status 1 if any row was rejected.
    """
    with ctx.app() as app, _open_csv(file, required=DEVICE_REQUIRED, known=DEVICE_COLUMNS) as (
        reader, raw,
    ), _progress(raw) as advance:
        errors = _ErrorPrinter()
        report = inventory.import_devices(
            app.store, app.clock, inventory.numbered_rows(reader), on_error=errors,
            on_batch=lambda r: advance(r.read), batch_size=batch_size,
        )
    out.print(f"SMI import: {report.read} rows read, {report.added} devices added, "
              f"{report.unchanged} unchanged, {report.rejected} rejected")
    if report.rejected:
        sys.exit(1)


@smi.command("show")
@click.argument("device_id")
@pass_ctx
def smi_show(ctx: Context, device_id: str) -> None:
    """Show a device: status, history and associations (for a CHF, its Device Log)."""
    from gbdsp.cli_render import render_device

    with ctx.app() as app:
        view = inventory.show_device(app.store, DeviceId.parse(device_id))
    render_device(out, view)


@smi.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="File to write (default: standard output).")
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


# -- Users -----------------------------------------------------------------------------------

@cli.group()
def users() -> None:
    """DCC Users: roles, XML-signing certificates, receive-response URLs."""


@users.command("add")
@click.argument("user_id")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice([r.value for r in UserRole], case_sensitive=False),
              help="User Role (repeat for several).")
@click.option("--party", required=True, help="SEC Party ID the User belongs to.")
@click.option("--name", required=True, help="Display name.")
@click.option("--certificate", type=click.Path(dir_okay=False, exists=True),
              help="PEM XML-signing certificate (its x500UniqueIdentifier must be USER_ID).")
@click.option("--generate-key", is_flag=True,
              help="Generate a P-256 key and test certificate (key kept encrypted in DATA/keys).")
@click.option("--response-url", help="Receive-response URL for asynchronous responses.")
@click.option("--acts-for", multiple=True, help="For an RSA: a supplier User it acts for.")
@click.option("--email", help="Where SSI notifications (install-code requests) are mailed.")
@pass_ctx
def users_add(ctx: Context, user_id: str, roles: tuple[str, ...], party: str, name: str,
              certificate: str | None, generate_key: bool, response_url: str | None,
              acts_for: tuple[str, ...], email: str | None) -> None:
    """Register a User (or replace its roles and details)."""
    from gbdsp.duis.smki import generate_identity, load_certificate, read_file
    from gbdsp.keystore import KeyStore
    from gbdsp.services.users import add_user

    if certificate and generate_key:
        raise click.UsageError("give --certificate or --generate-key, not both")
    uid = UserId.parse(user_id)
    user = User(uid, party, name, frozenset(UserRole.parse(r) for r in roles),
                response_url=response_url,
                acts_for=frozenset(UserId.parse(s) for s in acts_for), email=email)
    cert = load_certificate(read_file(certificate)) if certificate else None
    with ctx.app() as app:
        key = None
        if generate_key:
            key, pem = generate_identity(uid)
            cert = load_certificate(pem)
        add_user(app.store, user, cert)
        if key is not None:
            path = KeyStore(app.data_dir).save(uid, key, pem)
            out.print(f"generated key (encrypted) {path}")
    out.print(f"registered User {uid} ({', '.join(sorted(roles))})"
              + (f" with certificate serial {cert.serial}" if cert else ""))


@users.command("list")
@pass_ctx
def users_list(ctx: Context) -> None:
    """List Users with roles, status, certificates and receive-response URL."""
    from gbdsp.services.users import list_users

    with ctx.app() as app:
        rows = list_users(app.store)
    table = Table(title=f"Users ({len(rows)})")
    for column in ("User ID", "party", "roles", "status", "certificates", "acts for",
                   "response URL"):
        table.add_column(column)
    for user, certificates in rows:
        table.add_row(str(user.user_id), user.party_id,
                      ", ".join(sorted(r.value for r in user.roles)), user.status.value,
                      str(certificates), ", ".join(str(s) for s in sorted(user.acts_for)),
                      user.response_url or "")
    out.print(table)


@users.command("set-url")
@click.argument("user_id")
@click.argument("url")
@pass_ctx
def users_set_url(ctx: Context, user_id: str, url: str) -> None:
    """Set where asynchronous DUIS responses for USER_ID are pushed ('-' to clear)."""
    from gbdsp.services.users import set_response_url

    with ctx.app() as app:
        set_response_url(app.store, UserId.parse(user_id), None if url == "-" else url)
    out.print(f"receive-response URL of {user_id}: {url}")


# -- Communications Hubs, the SM WAN emulator, registration data --------------------------------

@cli.group()
def ch() -> None:
    """Communications Hubs as the DCC delivers them."""


@ch.command("deliver")
@click.argument("chf_id")
@click.argument("gpf_id")
@click.option("--to", "to", required=True, help="Ordering supplier User ID.")
@click.option("--version", "smets", default="CHTS V1.0", show_default=True,
              help="CHTS version ('SMETS1 ...' for a hub of a SMETS1 system).")
@click.option("--region", default=None, help="CSP region: North, Central, South (or 4G ...).")
@pass_ctx
def ch_deliver(ctx: Context, chf_id: str, gpf_id: str, to: str, smets: str,
               region: str | None) -> None:
    """Deliver a CH: its CHF and GPF enter the SMI as Pending (SEC Appendix AC 2.4)."""
    from gbdsp.services.operations import deliver_hub

    with ctx.app() as app:
        deliver_hub(app.store, app.clock, app.config, UserId.parse(to), DeviceId.parse(chf_id),
                    DeviceId.parse(gpf_id), smets, CspRegion.parse(region) if region else None)
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
        out.print(install_code(app.config, DeviceId.parse(device_id)))


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

    with ctx.app() as app, _open_csv(file, required=REGISTRATION_COLUMNS,
                                     known=REGISTRATION_COLUMNS) as (reader, _raw):
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
        state = (f"applied {e.applied_at:%Y-%m-%d %H:%M}Z" if e.applied_at else
                 "due: applied by the next request or job" if e.effective_from <= now else
                 _in_days(e.effective_from - now))
        table.add_row(e.mpxn, str(e.supplier_id), f"{e.effective_from:%Y-%m-%d %H:%M}Z", state)
    out.print(table)


def _in_days(ahead: timedelta) -> str:
    days = ahead.days + 1
    return f"in flight: takes effect in {days} day{'s' if days > 1 else ''}"


# -- Housekeeping (MP60) ------------------------------------------------------------------------

@cli.group()
def housekeeping() -> None:
    """Housekeeping of Pending devices (SEC Appendix AC 7.2; MP60)."""


@housekeeping.command("run")
@click.option("--dry-run", is_flag=True,
              help="Change nothing: show what would go today and in 30/60/90 days.")
@click.option("--rule", "rules", multiple=True, metavar="RULE",
              help="Another reading to compare (dry run) or to apply, e.g. "
                   "'months=36,exclude=CHF+GPF,left-pending,name=Bryt'. Repeatable.")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=None,
              help="Devices per transaction (default from config).")
@pass_ctx
def housekeeping_run(ctx: Context, dry_run: bool, rules: tuple[str, ...],
                     batch_size: int | None) -> None:
    """Remove devices Pending beyond the rule's period (archived, owners notified)."""
    from gbdsp.domain.housekeeping import HousekeepingRule
    from gbdsp.services import housekeeping as service

    with ctx.app() as app:
        now = app.clock.now()
        in_force = service.rule_in_force(app.config, now)
        chosen = [HousekeepingRule.parse(r) for r in rules]
        if dry_run:
            from gbdsp.cli_render import render_forecasts

            forecasts = service.dry_run(app.store, now, [in_force, *chosen])
            render_forecasts(out, forecasts)
            return
        if len(chosen) > 1:
            raise click.UsageError("a real run applies one rule: give --rule at most once")
        rule = chosen[0] if chosen else in_force
        size = batch_size or app.config.housekeeping.batch_size
        with _spinner("housekeeping") as tick:
            report = service.run(app.store, app.clock, app.signing_key(), rule,
                                 batch_size=size, after_batch=lambda r: tick(r.removed))
    by_type = ", ".join(f"{t} {n}" for t, n in sorted(report.by_type.items())) or "none"
    out.print(f"housekeeping run {report.run_id} under {rule.describe()}: "
              f"{report.removed} devices removed ({by_type}), archived, owners notified")


@housekeeping.command("report")
@click.argument("kind", type=click.Choice(["pending-age", "ch-stock", "stock-rotation"]))
@pass_ctx
def housekeeping_report(ctx: Context, kind: str) -> None:
    """Pending age profile by device type and User; Communications Hub stock per party; or
    the 'newest stock installed first' report (CH installs while older stock waited)."""
    from gbdsp.cli_render import render_hub_stock, render_pending_age, render_stock_rotation
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
        entries = tx.housekeeping.archived(DeviceId.parse(device_id) if device_id else None,
                                           limit)
    if not entries:
        out.print("no device removed by housekeeping" + (f" with ID {device_id}"
                                                          if device_id else ""))
    for e in entries:
        out.print(f"{e.device_id} {e.device_type} removed {e.removed_at:%Y-%m-%d %H:%M}Z "
                  f"(run {e.run_id}, {e.rule}); Pending since "
                  f"{e.pending_since:%Y-%m-%d}" if e.pending_since else "")
        if device_id:
            out.print_json(e.record)


@contextmanager
def _spinner(what: str) -> Iterator[Callable[[int], None]]:
    with Progress(TextColumn(what), TextColumn("{task.fields[n]:,} removed"),
                  TimeElapsedColumn(), console=err, disable=not err.is_terminal,
                  transient=True) as progress:
        task = progress.add_task(what, n=0)
        yield lambda n: progress.update(task, n=n)


# -- Restricted mode (MP169) and device alerts ---------------------------------------------------

@cli.group()
def restricted() -> None:
    """MP169 Restricted mode: a consumer's choice to refuse smart functionality."""


def _set_restricted(ctx: Context, device_id: str, by: str, preference: str,
                    reasonable_steps: bool, value: bool) -> None:
    from gbdsp.services.restricted import set_restricted

    with ctx.app() as app:
        changed = set_restricted(app.store, app.clock, app.config, UserId.parse(by),
                                 DeviceId.parse(device_id), value, preference,
                                 reasonable_steps)
    state = "set" if value else "cleared"
    out.print(f"Restricted mode {state} on {', '.join(str(d) for d in changed)}; "
              "the CSP is told")


@restricted.command("set")
@click.argument("device_id")
@click.option("--by", required=True, help="The Responsible Supplier's User ID.")
@click.option("--preference", required=True, help="What the consumer asked for.")
@click.option("--reasonable-steps", is_flag=True,
              help="Confirm all reasonable steps for a smart installation were taken.")
@pass_ctx
def restricted_set(ctx: Context, device_id: str, by: str, preference: str,
                   reasonable_steps: bool) -> None:
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
@pass_ctx
def restricted_show(ctx: Context, device_id: str) -> None:
    """Who set or cleared Restricted mode, when and why; and what the CSP holds."""
    from gbdsp.services.restricted import history

    device = DeviceId.parse(device_id)
    with ctx.app() as app:
        changes = history(app.store, device)
        with app.store.read() as tx:
            csp = tx.wan.restricted_indicator(device)
    for c in changes:
        out.print(f"{c.at:%Y-%m-%d %H:%M}Z {'set' if c.restricted else 'cleared'} by {c.by}: "
                  f"{c.consumer_preference}" + (" (reasonable steps confirmed)"
                                                if c.reasonable_steps else ""))
    if not changes:
        out.print(f"{device_id} has never been in Restricted mode")
    out.print("CSP service desk: " + ("no record" if csp is None else
                                      f"{'Restricted' if csp[0] else 'not Restricted'} "
                                      f"since {csp[1]:%Y-%m-%d %H:%M}Z"))


@wan.command("alert")
@click.argument("device_id")
@click.argument("alert_code")
@pass_ctx
def wan_alert(ctx: Context, device_id: str, alert_code: str) -> None:
    """Make an emulated device raise an alert (4 hex digits, for example 8F01)."""
    from gbdsp.services.alerts import raise_alert

    with ctx.app() as app:
        outcome = raise_alert(app.store, app.clock, app.config, app.signing_key(),
                              DeviceId.parse(device_id), alert_code)
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
        table.add_row(r.srv, str(r.user_id or "-"), r.region or "-", str(r.succeeded),
                      str(r.failed), str(r.restricted), rate)
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
        out.print(f"{r.device_id} {r.device_type}: firmware {r.firmware} (newest on the CPL "
                  f"{r.newest_on_cpl}), {r.failed_updates} failed updates")


# -- Install codes (MP121) ----------------------------------------------------------------------

@cli.group("install-codes")
def install_codes_group() -> None:
    """MP121: gaining suppliers ask installing suppliers for install codes (AC 4.16)."""


@install_codes_group.command("request")
@click.argument("device_ids", nargs=-1, required=True)
@click.option("--by", required=True, help="The gaining supplier's User ID.")
@click.option("--backlog", is_flag=True, help="From before the obligation: not an SLA breach.")
@pass_ctx
def install_codes_request(ctx: Context, device_ids: tuple[str, ...], by: str,
                          backlog: bool) -> None:
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
    with _open_csv(file, required=("device_id",), known=("device_id",)) as (reader, _raw):
        rows = [(line, str(row.get("device_id") or "")) for line, row in
                inventory.numbered_rows(reader)]
    _raise_install_code_requests(ctx, rows, by, backlog)


def _raise_install_code_requests(ctx: Context, rows: list[tuple[int, str]], by: str,
                                 backlog: bool) -> None:
    from gbdsp.services.install_codes import raise_requests

    with ctx.app() as app:
        results = raise_requests(app.store, app.clock, app.config, UserId.parse(by), rows,
                                 backlog=backlog)
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
        table.add_row(str(r.id), str(r.device_id), str(r.requester), str(r.assignee),
                      r.status.value, f"[red]{r.due} overdue[/]" if late else str(r.due))
    out.print(table)


@install_codes_group.command("answer")
@click.argument("request_id", type=int)
@click.option("--by", required=True, help="The installing supplier's User ID.")
@click.option("--code", help="The install code (hex).")
@click.option("--not-installer", is_flag=True, help="You did not install this device.")
@pass_ctx
def install_codes_answer(ctx: Context, request_id: int, by: str, code: str | None,
                         not_installer: bool) -> None:
    """Answer a request assigned to you (the code is sealed at once, never mailed)."""
    from gbdsp.services.install_codes import answer

    try:
        raw = bytes.fromhex(code) if code else None
    except ValueError as e:
        raise InvalidValue("--code must be hex") from e
    with ctx.app() as app:
        result = answer(app.store, app.clock, app.sealer(), UserId.parse(by), request_id,
                        install_code=raw, not_installer=not_installer)
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
    labels = ("installing supplier", "received", "in time", "late", "outstanding", "overdue",
              "median Working Days")
    for column in labels:
        table.add_column(column, justify="left" if column == labels[0] else "right")
    for s in lines:
        median = "-" if s.median_working_days is None else f"{s.median_working_days:g}"
        table.add_row(str(s.assignee), str(s.received), str(s.in_time), str(s.late),
                      str(s.outstanding), str(s.overdue), median)
    out.print(table)
    for r in late:
        out.print(f"overdue: request {r.id} ({r.device_id}) for {r.assignee}, due {r.due}")


# -- SSI API tokens -----------------------------------------------------------------------------

@cli.group()
def ssi() -> None:
    """The Self-Service Interface (REST API under /ssi/api/v1)."""


@ssi.command("token")
@click.argument("user_id", required=False)
@click.option("--operator", is_flag=True, help="A DCC operator token (sees all, feeds data).")
@click.option("--label", default="", help="What the token is for.")
@pass_ctx
def ssi_token(ctx: Context, user_id: str | None, operator: bool, label: str) -> None:
    """Create an API token for USER_ID (or --operator); it is shown once, only its hash kept."""
    from gbdsp.services.ssi_access import issue_token

    if operator == (user_id is not None):
        raise click.UsageError("give a USER_ID or --operator")
    with ctx.app() as app:
        token = issue_token(app.store, UserId.parse(user_id) if user_id else None,
                            label or ("operator" if operator else str(user_id)),
                            app.clock.now())
    out.print(token)


# -- DUIS from a terminal -----------------------------------------------------------------------

@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--keep-counter", is_flag=True,
              help="Keep the RequestID counter (default: the current time in ms, like DCC Boxed).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-")
@pass_ctx
def sign(ctx: Context, file: str, keep_counter: bool, output: str) -> None:
    """Sign a DUIS request as the originator in its RequestID."""
    signed = _sign_file(ctx, file, keep_counter)
    if output == "-":
        sys.stdout.buffer.write(signed)
    else:
        Path(output).write_bytes(signed)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--url", default=None, help="gbdsp base URL (default: from config, port 8079).")
@click.option("--sign/--no-sign", "do_sign", default=True, show_default=True,
              help="Sign (with a fresh counter) before sending.")
@pass_ctx
def send(ctx: Context, file: str, url: str | None, do_sign: bool) -> None:
    """Send a DUIS request to the right web service and print the response."""
    import httpx

    from gbdsp.duis.client import response_code, web_service_of

    data = _sign_file(ctx, file, keep_counter=False) if do_sign else _read_bytes(file)
    if url is None:
        with ctx.app() as app:
            url = f"http://{app.config.server.host}:{app.config.server.port}"
    service = web_service_of(data)
    try:
        reply = httpx.post(url.rstrip("/") + service.value, content=data,
                           headers={"Content-Type": "application/xml"}, timeout=30)
    except httpx.HTTPError as e:
        raise InvalidValue(f"cannot reach {url}: {e}") from e
    sys.stdout.buffer.write(reply.content + (b"" if reply.content.endswith(b"\n") else b"\n"))
    code = response_code(reply.content) if reply.status_code == 200 else None
    err.print(f"HTTP {reply.status_code}" + (f", ResponseCode {code}" if code else ""))
    if reply.status_code != 200 or code not in ("I0", "I99"):
        sys.exit(1)


def _sign_file(ctx: Context, file: str, keep_counter: bool) -> bytes:
    import time

    from gbdsp.duis.client import sign_request
    from gbdsp.keystore import KeyStore

    counter = None if keep_counter else time.time_ns() // 1_000_000
    return sign_request(_read_bytes(file), KeyStore(ctx.data_dir).signing_key, counter)


def _read_bytes(file: str) -> bytes:
    if file == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(file).read_bytes()
    except OSError as e:
        raise InvalidValue(f"cannot read {file}: {e.strerror}") from e


# -- demo and serve -------------------------------------------------------------------------

@cli.command()
@click.option("--premises", default=300, show_default=True, type=click.IntRange(0, 100_000),
              help="How many generated premises (besides the DCC Boxed template premises).")
@click.option("--seed", default=1, show_default=True, help="Random seed (same seed, same fleet).")
@pass_ctx
def demo(ctx: Context, premises: int, seed: int) -> None:
    """Create a small realistic fleet with its past month (housekeeping, changes of
    supplier, install codes, Restricted mode, DUIS traffic), and the premises the DCC Boxed
    templates address. Run again, it adds nothing and says so (docs/demo.md)."""
    from gbdsp.services.demo_world import create_demo
    from gbdsp.services.portal_accounts import DEMO_PASSWORD

    with ctx.app() as app:
        report = create_demo(app, premises=premises, seed=seed)
        port = app.config.server.port
    out.print(report.fleet.describe(), markup=False)
    out.print(report.world.describe(), markup=False)
    out.print(f"SSI portal (after `gbdsp serve`): http://127.0.0.1:{port}/ssi/ - demo accounts, "
              f"password {DEMO_PASSWORD!r}:")
    for name, user_id in report.accounts:
        out.print(f"  {name:<16} works as User {user_id}")
    out.print(f"demo ready in {report.seconds:.1f} s")


@cli.command()
@click.option("--host", default=None, help="Listen address (default from config: 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default from config: 8079).")
@click.option("--workers", default=None, type=click.IntRange(1, 64),
              help="Worker processes on one database (default from config: 1).")
@pass_ctx
def serve(ctx: Context, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve DUIS (/api/v1/serviceD, serviceS, serviceT), /health and /metrics, and push
    asynchronous responses to Users' receive-response URLs."""
    import uvicorn

    from gbdsp.web.app import create_app

    with ctx.app() as app:
        bind_host = host or app.config.server.host
        bind_port = port or app.config.server.port
        processes = workers or app.config.server.workers
        err.print(f"gbdsp serving {ctx.data_dir} on http://{bind_host}:{bind_port}/"
                  + (f" with {processes} workers" if processes > 1 else ""))
        if processes == 1:
            uvicorn.run(create_app(app), host=bind_host, port=bind_port, log_level="info")
            return
    os.environ[bootstrap.DATA_ENV] = str(ctx.data_dir)  # read by each worker process
    uvicorn.run("gbdsp.web.asgi:app_from_environment", factory=True, host=bind_host,
                port=bind_port, workers=processes, log_level="info")


# -- helpers ---------------------------------------------------------------------------------

class _ErrorPrinter:
    """Prints each rejected row as it is found; stops printing (not counting) after 1,000."""

    limit = 1_000

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, error: RowError) -> None:
        self.count += 1
        if self.count <= self.limit:
            err.print(f"rejected {error}", markup=False)
        elif self.count == self.limit + 1:
            err.print("(further rejected rows are counted, not printed)")


class _CountingReader(io.RawIOBase):
    """Counts bytes read, so the progress bar can show how far through the file we are."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        self.bytes_read += len(data)
        return len(data)


@contextmanager
def _open_csv(file: str, *, required: tuple[str, ...], known: tuple[str, ...]
              ) -> Iterator[tuple[csv.DictReader[str], _CountingReader]]:
    try:
        binary: IO[bytes] = sys.stdin.buffer if file == "-" else open(file, "rb")  # noqa: SIM115
    except OSError as e:
        raise InvalidValue(f"cannot open {file}: {e.strerror}") from e
    with binary:
        raw = _CountingReader(binary)  # type: ignore[arg-type]
        text = io.TextIOWrapper(io.BufferedReader(raw), encoding="utf-8-sig", newline="")
        reader = csv.DictReader(text)
        try:
            check_header(reader.fieldnames, required, known)
        except UnicodeDecodeError as e:
            raise InvalidValue(f"{file} is not UTF-8 text") from e
        except InvalidValue as e:
            raise InvalidValue(f"{file}: {e}") from e
        yield reader, raw


@contextmanager
def _progress(raw: _CountingReader) -> Iterator[Callable[[int], None]]:
    total = None
    try:
        total = Path(raw.raw.name).stat().st_size if hasattr(raw.raw, "name") else None
    except (OSError, TypeError):
        total = None
    with Progress(
        TextColumn("importing"), BarColumn(), TextColumn("{task.fields[rows]:,} rows"),
        TimeElapsedColumn(), console=err, disable=not err.is_terminal, transient=True,
    ) as progress:
        task = progress.add_task("import", total=total, rows=0)
        yield lambda rows: progress.update(task, completed=raw.bytes_read, rows=rows)


cli.add_command(simulate)


def main() -> None:
    """Entry point: user errors become one line on stderr and a non-zero exit."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        err.print("aborted")
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except GbdspError as e:
        err.print(f"gbdsp: error: {e}", markup=False)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted (imports are idempotent: run the same command again to finish)")
        sys.exit(130)
    except SQLAlchemyError as e:
        reason = str(getattr(e, "orig", None) or e).strip().splitlines()[0]
        err.print(f"gbdsp: database error: {reason}", markup=False)
        sys.exit(2)


# Command groups kept in their own modules (they register themselves on `cli`).
from gbdsp import cli_fleet  # noqa: E402, F401
