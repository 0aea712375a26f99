"""The world and the server: init, demo, serve."""

from __future__ import annotations

import os

import click

from gbdsp import bootstrap
from gbdsp.cli.base import (
    Context,
    cli,
    err,
    out,
    pass_ctx,
)
from gbdsp.domain.errors import InvalidValue


@cli.command()
@pass_ctx
def init(ctx: Context) -> None:
    """Create the data directory and database, and register the DCC Boxed test Users."""
    from gbdsp.services.users import register_test_users

    app = bootstrap.initialise(ctx.data_dir)
    try:
        users = register_test_users(app.store, app.config.world.profile)
    finally:
        app.close()
    out.print(f"gbdsp data directory: {ctx.data_dir}")
    out.print(f"database: {app.store.engine.url.render_as_string(hide_password=True)} (migrated)")
    for user in users:
        roles = ", ".join(sorted(r.value for r in user.roles))
        out.print(f"registered test User {user.user_id} ({roles or 'no DUIS role'}): {user.name}")
    out.print(f"world profile: {app.config.world.profile} (`[world] profile` in gbdsp.toml)")


@cli.command()
@click.option(
    "--premises",
    default=300,
    show_default=True,
    type=click.IntRange(0, 100_000),
    help="How many generated premises (besides the DCC Boxed template premises).",
)
@click.option("--seed", default=1, show_default=True, help="Random seed (same seed, same fleet).")
@click.option(
    "--boxed-fresh",
    is_flag=True,
    help="Put the DCC Boxed template premises back before installation, for the 8.14.1, "
    "8.14.2 and 8.1.1 templates (docs/duis-coverage.md).",
)
@pass_ctx
def demo(ctx: Context, premises: int, seed: int, boxed_fresh: bool) -> None:
    """Create a small realistic fleet with its past month (housekeeping, changes of
    supplier, install codes, Restricted mode, DUIS traffic), and the premises the DCC Boxed
    templates address. Run again, it adds nothing and says so (docs/demo.md)."""
    from gbdsp.services.portal_accounts import DEMO_PASSWORD
    from gbdsp.worlds.demo_boxed import make_fresh, prepare_template_premises
    from gbdsp.worlds.demo_month import create_demo

    with ctx.app() as app:
        report = create_demo(app, premises=premises, seed=seed)
        prepare_template_premises(app.store, app.clock)  # what the DCC Boxed templates expect
        moved = make_fresh(app.store, app.clock) if boxed_fresh else []
        port = app.config.server.port
    out.print(report.fleet.describe(), markup=False)
    out.print(report.world.describe(), markup=False)
    out.print(
        f"SSI portal (after `gbdsp serve`): http://127.0.0.1:{port}/ssi/ - demo accounts, "
        f"password {DEMO_PASSWORD!r}:"
    )
    for name, user_id in report.accounts:
        out.print(f"  {name:<16} works as User {user_id}")
    for device_id, status in moved:
        out.print(f"template premises: {device_id} back to {status.value} (--boxed-fresh)")
    if boxed_fresh and not moved:
        out.print("template premises: already as before installation (--boxed-fresh)")
    out.print(f"demo ready in {report.seconds:.1f} s")


@cli.command()
@click.option("--host", default=None, help="Listen address (default from config: 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default from config: 8079).")
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 64),
    help="Worker processes on one database (default from config: 1).",
)
@pass_ctx
def serve(ctx: Context, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve DUIS (/api/v1/serviceD, serviceS, serviceT), /health and /metrics, and push
    asynchronous responses to Users' receive-response URLs."""
    import uvicorn

    from gbdsp.web.app import create_app
    from gbdsp.web.clients import UVICORN_OPTIONS
    from gbdsp.web.server import SERVE_OPTIONS

    with ctx.app() as app:
        bind_host = host or app.config.server.host
        bind_port = port or app.config.server.port
        processes = workers or app.config.server.workers
        smki = app.config.smki
        smki_port = smki.port if smki.enabled else 0
        smki_host = smki.host or bind_host
        _refuse_taken_port(bind_host, bind_port)
        if smki_port:
            _refuse_taken_port(smki_host, smki_port, section="smki")
        err.print(
            f"gbdsp serving {ctx.data_dir}"
            + (f" with {processes} workers" if processes > 1 else "")
            + ":"
        )
        for what, path in SERVED_URLS:
            err.print(f"  {what:<12} {_url(bind_host, bind_port, path)}")
        if smki_port:
            from gbdsp.web.smki import start_smki_server

            # One SMKI listener in this process (uvicorn's supervisor when --workers N).
            start_smki_server(app, smki_host, smki_port)
            err.print(f"  {'SMKI':<12} {_url(smki_host, smki_port, '/services/')}")
        if processes == 1:
            uvicorn.run(
                create_app(app, jobs=True),
                host=bind_host,
                port=bind_port,
                log_level="info",
                access_log=app.config.server.access_log,
                **SERVE_OPTIONS,
                **UVICORN_OPTIONS,
            )
            return
        os.environ[bootstrap.DATA_ENV] = str(ctx.data_dir)  # read by each worker process
        uvicorn.run(
            "gbdsp.web.asgi:app_from_environment",
            factory=True,
            host=bind_host,
            port=bind_port,
            workers=processes,
            log_level="info",
            access_log=app.config.server.access_log,
            **SERVE_OPTIONS,
            **UVICORN_OPTIONS,
        )


SERVED_URLS = (
    ("SSI portal", "/ssi/"),
    ("SSI API", "/ssi/api/v1/openapi.json (the API described)"),
    ("DUIS", "/api/v1/serviceD (and serviceS, serviceT)"),
    ("health", "/health"),
    ("metrics", "/metrics"),
)


def _url(host: str, port: int, path: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}{path}"


def _refuse_taken_port(host: str, port: int, section: str = "server") -> None:
    """One line that says what to do, instead of uvicorn's traceback-free but bare errno."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as e:
            raise InvalidValue(
                f"cannot listen on {host}:{port} ({e.strerror}): "
                + (
                    "choose another port with `gbdsp serve --port N` (or `make run PORT=N`), "
                    "or set port in the [server] section of gbdsp.toml"
                    if section == "server"
                    else f"set port in the [{section}] section of gbdsp.toml (0 turns it off)"
                )
            ) from e
