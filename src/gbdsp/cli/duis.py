"""DUIS from a terminal: sign and send requests."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gbdsp.cli.base import (
    Context,
    cli,
    err,
    pass_ctx,
    read_bytes,
)
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.response_codes import SUCCESS


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--keep-counter",
    is_flag=True,
    help="Keep the RequestID counter (default: the current time in ms, like DCC Boxed).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-")
@click.option("--pretty", is_flag=True, help="Pretty-printed XML (the signature still verifies).")
@pass_ctx
def sign(ctx: Context, file: str, keep_counter: bool, output: str, pretty: bool) -> None:
    """Sign a DUIS request (FILE, or - for stdin) as the originator in its RequestID."""
    from gbdsp.duis import xml

    signed = _sign_file(ctx, file, keep_counter)
    if pretty:
        signed = xml.pretty(signed)
    if output == "-":
        sys.stdout.buffer.write(signed)
    else:
        Path(output).write_bytes(signed)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--url", default=None, help="gbdsp base URL (default: from config, port 8079).")
@click.option(
    "--sign/--no-sign",
    "do_sign",
    default=True,
    show_default=True,
    help="Sign (with a fresh counter) before sending.",
)
@click.option("--pretty", is_flag=True, help="Pretty-print the response.")
@pass_ctx
def send(ctx: Context, file: str, url: str | None, do_sign: bool, pretty: bool) -> None:
    """Send a DUIS request (FILE, or - for stdin, e.g. from `gbdsp request build`) to the
    right web service and print the response. It is signed first as the originator in its
    RequestID, with a fresh counter (the clock in milliseconds)."""
    import httpx

    from gbdsp.duis import xml
    from gbdsp.duis.client import response_code, web_service_of

    data = _sign_file(ctx, file, keep_counter=False) if do_sign else read_bytes(file)
    if url is None:
        with ctx.app() as app:
            url = f"http://{app.config.server.host}:{app.config.server.port}"
    service = web_service_of(data)
    try:
        reply = httpx.post(
            url.rstrip("/") + service.value,
            content=data,
            headers={"Content-Type": "application/xml"},
            timeout=30,
        )
    except httpx.HTTPError as e:
        raise InvalidValue(f"cannot reach {url}: {e}") from e
    shown = xml.pretty(reply.content) if pretty else reply.content
    sys.stdout.buffer.write(shown + (b"" if shown.endswith(b"\n") else b"\n"))
    code = response_code(reply.content) if reply.status_code == 200 else None
    err.print(f"HTTP {reply.status_code}" + (f", ResponseCode {code}" if code else ""))
    if reply.status_code != 200 or code not in SUCCESS:
        sys.exit(1)


def _sign_file(ctx: Context, file: str, keep_counter: bool) -> bytes:
    import time

    from gbdsp.duis.client import sign_request
    from gbdsp.keystore import KeyStore

    counter = None if keep_counter else time.time_ns() // 1_000_000
    return sign_request(read_bytes(file), KeyStore(ctx.data_dir).signing_key, counter)
