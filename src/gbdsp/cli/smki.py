"""`gbdsp smki`: the test world's GBCS certificates and keys (docs/gbcs.md)."""

from __future__ import annotations

from pathlib import Path

import click

from gbdsp.cli.base import Context, cli, err, out, pass_ctx


@cli.group()
def smki() -> None:
    """GBCS device and party certificates of this data directory's test world."""


@smki.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--private",
    is_flag=True,
    help="Also write the private keys (EUI-ds.key, EUI-ka.key) for test tools.",
)
@pass_ctx
def smki_export(ctx: Context, directory: Path, private: bool) -> None:
    """Write EUI-ds.pem / EUI-ka.pem for every Type 1 device in the SMI, every User with
    GBCS keys and the ACB, plus issuing-authority.pem (EUI: 16 lower-case hex digits)."""
    from gbdsp.services.smki_export import export

    if private:
        err.print(
            "[yellow]warning:[/] writing device private keys: anyone who reads "
            f"{directory} can sign and MAC as those devices (test tools only)"
        )
    with ctx.app() as app:
        report = export(app.store, app.gbcs_world, directory, private=private)
    out.print(
        f"smki export: {report.devices:,} devices, {report.parties} parties, "
        f"{report.files:,} files in {directory}"
    )
    if report.users_without_keys:
        err.print(
            "no GBCS keys shipped for User(s) "
            + ", ".join(str(u) for u in report.users_without_keys)
        )
