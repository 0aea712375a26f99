"""`gbdsp ssi tokens` and `gbdsp ssi revoke`: list and revoke SSI API tokens.

A token is never printed again after `gbdsp ssi token` made it: these show and take its ID
(the first 12 hex digits of its SHA-256), which reveals nothing of the token itself.
"""

from __future__ import annotations

import click
from rich.table import Table

from gbdsp.cli.base import Context, out, pass_ctx
from gbdsp.cli.ssi import ssi
from gbdsp.domain.ids import UserId


@ssi.command("tokens")
@click.option("--all", "show_all", is_flag=True, help="Also expired and revoked tokens.")
@pass_ctx
def ssi_tokens(ctx: Context, show_all: bool) -> None:
    """SSI API tokens by ID: whose, what for, made, expires, state (never the token)."""
    from gbdsp.services.ssi_access import list_tokens

    with ctx.app() as app:
        now = app.clock.now()
        tokens = [t for t in list_tokens(app.store) if show_all or t.state(now) == "valid"]
    table = Table("id", "user", "label", "created", "expires", "state")
    for t in tokens:
        table.add_row(
            t.token_id,
            str(t.user_id) if t.user_id else "operator",
            t.label,
            f"{t.created_at:%Y-%m-%d}",
            f"{t.expires_at:%Y-%m-%d}" if t.expires_at else "-",
            t.state(now),
        )
    out.print(table if tokens else "no tokens" + ("" if show_all else " in force (--all)"))


@ssi.command("revoke")
@click.argument("token_id", required=False)
@click.option("--user", "user_id", metavar="USER_ID", help="Every token of this User.")
@click.option("--operator", is_flag=True, help="Every DCC operator token.")
@pass_ctx
def ssi_revoke(ctx: Context, token_id: str | None, user_id: str | None, operator: bool) -> None:
    """Revoke the token TOKEN_ID (from `gbdsp ssi tokens`), or every token of --user or
    --operator: refused from the next request on, on every worker."""
    from gbdsp.services.ssi_access import revoke_token, revoke_tokens_of

    if sum(bool(x) for x in (token_id, user_id, operator)) != 1:
        raise click.UsageError("give a TOKEN_ID, --user USER_ID or --operator")
    with ctx.app() as app:
        now = app.clock.now()
        if token_id:
            info = revoke_token(app.store, token_id, now)
            out.print(f"token {info.token_id} ({info.label}) revoked")
            return
        count = revoke_tokens_of(app.store, UserId.parse(user_id) if user_id else None, now)
    out.print(f"{count} token(s) of {user_id or 'the operators'} revoked")
