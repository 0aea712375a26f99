"""`gbdsp portal ...`: accounts of the people who sign in to the SSI portal."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from gbdsp.domain.ids import UserId

if TYPE_CHECKING:
    from gbdsp.cli.base import Context


@click.group()
def portal() -> None:
    """SSI portal accounts (each person works as one registered User)."""


@portal.command("add-account")
@click.argument("name")
@click.option(
    "--user",
    "user_id",
    required=True,
    metavar="USER_ID",
    help="The registered User whose view this person gets (EUI-64).",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input (for scripts) instead of a prompt.",
)
@click.pass_obj
def add_account(ctx: Context, name: str, user_id: str, password_stdin: bool) -> None:
    """Create a portal account NAME working as a registered User."""
    from gbdsp.services.portal_accounts import add_account as add

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    user = UserId.parse(user_id)
    with ctx.app() as app:
        add(app.store, name, user, password, app.clock.now())
    click.echo(f"portal account {name} works as User {user}")


@portal.command("list")
@click.pass_obj
def list_accounts(ctx: Context) -> None:
    """Portal accounts and the User each works as."""
    from gbdsp.services.portal_accounts import list_accounts as accounts

    with ctx.app() as app:
        for name, user_id in accounts(app.store):
            click.echo(f"{name}\t{user_id}")
