"""SSI API tokens."""

from __future__ import annotations

import click

from gbdsp.cli.base import (
    Context,
    cli,
    err,
    out,
    pass_ctx,
)
from gbdsp.domain.ids import UserId


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
    from gbdsp.services.ssi_access import issue_token, token_id

    if operator == (user_id is not None):
        raise click.UsageError("give a USER_ID or --operator")
    with ctx.app() as app:
        token = issue_token(
            app.store,
            UserId.parse(user_id) if user_id else None,
            label or ("operator" if operator else str(user_id)),
            app.clock.now(),
            app.config.ssi.token_days,
        )
        days = app.config.ssi.token_days
    out.print(token)
    err.print(
        f"token {token_id(token)}: valid for {days} days; shown once, only its hash is kept "
        "(gbdsp ssi tokens, gbdsp ssi revoke)"
    )
