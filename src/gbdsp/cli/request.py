"""`gbdsp request`: sample DUIS requests written by gbdsp, ready for `gbdsp send -`.

`gbdsp request build SRV` has one subcommand per buildable SRV (duis/samples.py), so
`gbdsp request build 8.11 --help` lists that SRV's own fields and their defaults.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from gbdsp.cli.base import Context, cli, out
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.duis import samples
from gbdsp.duis.xml import serialise


@cli.group()
def request() -> None:
    """Sample DUIS requests of our own (unsigned; `gbdsp send -` signs and sends them)."""


class _SrvGroup(click.Group):
    """One subcommand per buildable SRV; an unknown SRV is named with the buildable ones."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(samples.SAMPLES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = samples.SAMPLES.get(cmd_name)
        return _command(found) if found is not None else None

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name not in samples.SAMPLES:
            raise click.UsageError(
                f"no sample for SRV {name!r}; buildable: "
                f"{', '.join(samples.SAMPLES)} (`gbdsp request list`)"
            )
        return super().resolve_command(ctx, args)


@request.group("build", cls=_SrvGroup, subcommand_metavar="SRV [FIELDS]...")
def build() -> None:
    """Print a valid, unsigned DUIS 5.4 request for SRV (`gbdsp request list`).

    Defaults address the `gbdsp demo` fleet as the DCC Boxed test supplier, so
    `gbdsp request build 8.2 | gbdsp send -` works after `gbdsp init && gbdsp demo`.
    """


def _command(sample: samples.Sample) -> click.Command:
    params: list[click.Parameter] = [
        click.Option(
            ["--device"],
            metavar="ID",
            help=(
                "Target device" if sample.cv is samples.CV1 else "The device the request is about"
            )
            + f" (default: {sample.default_device_text()}).",
        ),
        click.Option(
            ["--as", "as_user"],
            metavar="USER",
            default=str(samples.DEFAULT_USER),
            show_default=True,
            help="The sending User (RequestID originator).",
        ),
        click.Option(
            ["--counter"],
            type=click.IntRange(0, 2**64 - 1),
            help="RequestID counter (default: the clock in milliseconds, as DCC "
            "Boxed and `gbdsp sign`; `gbdsp send` sets a fresh one anyway).",
        ),
        click.Option(["--pretty"], is_flag=True, help="Pretty-printed XML."),
        click.Option(
            ["-o", "--output"],
            type=click.Path(dir_okay=False, allow_dash=True),
            default="-",
            help="Write here instead of stdout.",
        ),
    ]
    for field in sample.fields:
        params.append(
            click.Option(
                [f"--{field.name}", field.name.replace("-", "_")],
                metavar="VALUE",
                help=field.help
                + (f" One of: {', '.join(field.choices)}." if field.choices else "")
                + (
                    f" Default: {field.shown_default}."
                    if field.shown_default != "-"
                    else " Optional."
                ),
            )
        )

    def run(**options: Any) -> None:
        ctx = click.get_current_context().find_object(Context)
        assert ctx is not None
        data = _build(ctx, sample, options)
        if options["output"] == "-":
            sys.stdout.buffer.write(data)
        else:
            Path(options["output"]).write_bytes(data)

    return click.Command(
        sample.srv,
        params=params,
        callback=run,
        help=f"{sample.srv} {sample.name} (CV {sample.cv.value}).",
        short_help=sample.name,
    )


def _build(ctx: Context, sample: samples.Sample, options: dict[str, Any]) -> bytes:
    from gbdsp.worlds import sample_defaults

    user = UserId.parse(options["as_user"])
    given = {f.name: options[f.name.replace("-", "_")] for f in sample.fields}
    values = sample_defaults.prepare(sample, given, datetime.now(UTC))
    device = DeviceId.parse(options["device"]) if options["device"] is not None else None
    if sample_defaults.needs_smi(sample, device, values):
        with ctx.app() as app:
            device = sample_defaults.complete(app.store, app.emulator, sample, user, device, values)
    elif device is None:
        assert isinstance(sample.device, DeviceId)
        device = sample.device
    # Milliseconds like DCC Boxed and `gbdsp sign`: one clock scale per originator, since
    # a nanosecond counter accepted once would make every later millisecond one a replay.
    counter = options["counter"] if options["counter"] is not None else time.time_ns() // 10**6
    root = samples.build_request(sample.srv, user, device, values, counter)
    return serialise(root, pretty=options["pretty"])


@request.command("list")
def request_list() -> None:
    """The buildable SRVs, their Command Variant, default device and fields."""
    table = Table(title="gbdsp request build SRV", show_lines=True)
    for column in ("SRV", "name", "CV", "default device", "fields (default)"):
        table.add_column(column)
    for s in samples.SAMPLES.values():
        fields = "\n".join(f"--{f.name} ({f.shown_default})" for f in s.fields) or "-"
        table.add_row(s.srv, s.name, str(s.cv.value), s.default_device_text(), fields)
    out.print(table)
