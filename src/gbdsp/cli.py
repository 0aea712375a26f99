"""The `gbdsp` command line: parse input, call one service, render the result."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, BinaryIO, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gbdsp import __version__, bootstrap
from gbdsp.csvformat import CPL_COLUMNS, DEVICE_COLUMNS, DEVICE_REQUIRED, check_header, format_cpl
from gbdsp.domain.errors import GbdspError, InvalidValue
from gbdsp.domain.ids import DeviceId
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
        report = cpl_service.import_cpl(app.store, inventory.numbered_rows(reader),
                                        on_error=errors)
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


# -- demo and serve -------------------------------------------------------------------------

@cli.command()
@click.option("--premises", default=300, show_default=True, type=click.IntRange(1, 100_000),
              help="How many generated premises (besides the DCC Boxed template premises).")
@click.option("--seed", default=1, show_default=True, help="Random seed (same seed, same fleet).")
@pass_ctx
def demo(ctx: Context, premises: int, seed: int) -> None:
    """Create a small realistic fleet, and the premises the DCC Boxed templates address."""
    from gbdsp.services.demo import create_demo_fleet

    with ctx.app() as app:
        summary = create_demo_fleet(app.store, app.clock, premises=premises, seed=seed)
    out.print(summary.describe())


@cli.command()
@click.option("--host", default=None, help="Listen address (default from config: 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default from config: 8079).")
@pass_ctx
def serve(ctx: Context, host: str | None, port: int | None) -> None:
    """Serve the HTTP app (health, metrics; DUIS and SSI endpoints as they land)."""
    import uvicorn

    from gbdsp.web.app import create_app

    with ctx.app() as app:
        bind_host = host or app.config.server.host
        bind_port = port or app.config.server.port
        err.print(f"gbdsp serving {ctx.data_dir} on http://{bind_host}:{bind_port}/")
        uvicorn.run(create_app(app), host=bind_host, port=bind_port, log_level="info")


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
