"""What every command shares: the root group, the data directory, consoles, CSV input."""

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

from gbdsp import __version__, bootstrap
from gbdsp.csvformat import (
    check_header,
)
from gbdsp.domain.errors import InvalidValue
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


class _Root(click.Group):
    """The top-level group: `--data DIR` is accepted after the subcommand too."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_data_option(args))


def hoist_data_option(args: list[str]) -> list[str]:
    """Move every `--data DIR` / `--data=DIR` before `--` to the front, where click reads it."""
    end = args.index("--") if "--" in args else len(args)
    hoisted: list[str] = []
    rest: list[str] = []
    i = 0
    while i < end:
        arg = args[i]
        if arg == "--data" and i + 1 < end:
            hoisted += args[i : i + 2]
            i += 2
            continue
        (hoisted if arg.startswith("--data=") else rest).append(arg)
        i += 1
    return hoisted + rest + args[end:]


@click.group(cls=_Root, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gbdsp")
@click.option(
    "--data",
    metavar="DIR",
    envvar=bootstrap.DATA_ENV,
    help="Data directory (config, database, keys). Default: ./gbdsp-data, or $GBDSP_DATA.",
)
@click.pass_context
def cli(ctx: click.Context, data: str | None) -> None:
    """gbdsp: the GB smart metering Data Service (SMI, CPL, DUIS gateway, SSI).

    Start with `gbdsp init`, then `gbdsp demo` for a small fleet, then `gbdsp serve`.
    """
    ctx.obj = Context(data)


def read_secret(prompt: str) -> str:
    """A secret from a hidden prompt on a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        return str(click.prompt(prompt, hide_input=True))
    line = sys.stdin.readline().strip()
    if not line:
        raise InvalidValue(f"no input: pipe it on stdin or run on a terminal ({prompt})")
    return line


class ErrorPrinter:
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


class CountingReader(io.RawIOBase):
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
def open_csv(
    file: str, *, required: tuple[str, ...], known: tuple[str, ...]
) -> Iterator[tuple[csv.DictReader[str], CountingReader]]:
    try:
        binary: IO[bytes] = sys.stdin.buffer if file == "-" else open(file, "rb")  # noqa: SIM115
    except OSError as e:
        raise InvalidValue(f"cannot open {file}: {e.strerror}") from e
    with binary:
        raw = CountingReader(binary)  # type: ignore[arg-type]
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
def progress(raw: CountingReader) -> Iterator[Callable[[int], None]]:
    total = None
    try:
        total = Path(raw.raw.name).stat().st_size if hasattr(raw.raw, "name") else None
    except (OSError, TypeError):
        total = None
    with Progress(
        TextColumn("importing"),
        BarColumn(),
        TextColumn("{task.fields[rows]:,} rows"),
        TimeElapsedColumn(),
        console=err,
        disable=not err.is_terminal,
        transient=True,
    ) as progress:
        task = progress.add_task("import", total=total, rows=0)
        yield lambda rows: progress.update(task, completed=raw.bytes_read, rows=rows)


def read_bytes(file: str) -> bytes:
    if file == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(file).read_bytes()
    except OSError as e:
        raise InvalidValue(f"cannot read {file}: {e.strerror}") from e
