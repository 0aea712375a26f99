"""DCC Users: roles, certificates, receive-response URLs."""

from __future__ import annotations

import click
from rich.table import Table

from gbdsp.cli.base import (
    Context,
    cli,
    out,
    pass_ctx,
)
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import UserId
from gbdsp.domain.parties import User, UserRole


@cli.group()
def users() -> None:
    """DCC Users: roles, XML-signing certificates, receive-response URLs."""


@users.command("add")
@click.argument("user_id")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in UserRole], case_sensitive=False),
    help="User Role (repeat for several).",
)
@click.option("--party", required=True, help="SEC Party ID the User belongs to.")
@click.option("--name", required=True, help="Display name.")
@click.option(
    "--certificate",
    type=click.Path(dir_okay=False, exists=True),
    help="PEM XML-signing certificate (its x500UniqueIdentifier must be USER_ID).",
)
@click.option(
    "--generate-key",
    is_flag=True,
    help="Generate a P-256 key and test certificate (key kept encrypted in DATA/keys).",
)
@click.option(
    "--ds-certificate",
    type=click.Path(dir_okay=False, exists=True),
    help="PEM GBCS Digital Signing certificate (signs critical pre-commands).",
)
@click.option(
    "--ka-certificate",
    type=click.Path(dir_okay=False, exists=True),
    help="PEM GBCS Key Agreement certificate (devices MAC Responses with it).",
)
@click.option(
    "--prepayment-ka-certificate",
    type=click.Path(dir_okay=False, exists=True),
    help="PEM GBCS prepayment Key Agreement certificate.",
)
@click.option("--response-url", help="Receive-response URL for asynchronous responses.")
@click.option("--acts-for", multiple=True, help="For an RSA: a supplier User it acts for.")
@click.option("--email", help="Where SSI notifications (install-code requests) are mailed.")
@click.option(
    "--force",
    is_flag=True,
    help="With --generate-key: replace a key generated before (and its certificate).",
)
@pass_ctx
def users_add(
    ctx: Context,
    user_id: str,
    roles: tuple[str, ...],
    party: str,
    name: str,
    certificate: str | None,
    generate_key: bool,
    ds_certificate: str | None,
    ka_certificate: str | None,
    prepayment_ka_certificate: str | None,
    response_url: str | None,
    acts_for: tuple[str, ...],
    email: str | None,
    force: bool,
) -> None:
    """Register a User (or replace its roles and details)."""
    from gbdsp.duis.smki import generate_identity, load_certificate, read_file
    from gbdsp.gbcs.party import CertificateKind
    from gbdsp.keystore import KeyStore
    from gbdsp.services.users import add_user

    if certificate and generate_key:
        raise click.UsageError("give --certificate or --generate-key, not both")
    uid = UserId.parse(user_id)
    user = User(
        uid,
        party,
        name,
        frozenset(UserRole.parse(r) for r in roles),
        response_url=response_url,
        acts_for=frozenset(UserId.parse(s) for s in acts_for),
        email=email,
    )
    cert = load_certificate(read_file(certificate)) if certificate else None
    gbcs = [
        (kind, read_file(path))
        for kind, path in (
            (CertificateKind.DS, ds_certificate),
            (CertificateKind.KA, ka_certificate),
            (CertificateKind.PREPAYMENT_KA, prepayment_ka_certificate),
        )
        if path
    ]
    with ctx.app() as app:
        key = None
        keys = KeyStore(app.data_dir)
        replaced = keys.generated_certificate(uid) if generate_key else None
        if replaced is not None and not force:
            raise InvalidValue(
                f"User {uid} already has a generated key (certificate serial "
                f"{replaced.serial}): pass --force to replace both"
            )
        if generate_key:
            key, pem = generate_identity(uid)
            cert = load_certificate(pem)
        add_user(app.store, user, cert, app.clock.now(), replaces=replaced, gbcs=gbcs)
        if key is not None:
            path = keys.save(uid, key, pem)
            out.print(
                f"generated key (encrypted) {path}"
                + (f", replacing certificate serial {replaced.serial}" if replaced else "")
            )
    out.print(
        f"registered User {uid} ({', '.join(sorted(roles))})"
        + (f" with certificate serial {cert.serial}" if cert else "")
        + (f" and GBCS {', '.join(k.value.upper() for k, _ in gbcs)} certificates" if gbcs else "")
    )


@users.command("list")
@pass_ctx
def users_list(ctx: Context) -> None:
    """List Users with roles, status, certificates and receive-response URL."""
    from gbdsp.services.users import list_users

    with ctx.app() as app:
        rows = list_users(app.store)
    table = Table(title=f"Users ({len(rows)})")
    for column in (
        "User ID",
        "party",
        "roles",
        "status",
        "certificates",
        "acts for",
        "response URL",
    ):
        table.add_column(column)
    for user, certificates in rows:
        table.add_row(
            str(user.user_id),
            user.party_id,
            ", ".join(sorted(r.value for r in user.roles)),
            user.status.value,
            str(certificates),
            ", ".join(str(s) for s in sorted(user.acts_for)),
            user.response_url or "",
        )
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
