"""Issue 18's commands: certificate revocation and Other User authorisations on `gbdsp
users`, and `gbdsp housekeeping retention` (docs/security.md)."""

from __future__ import annotations

import click

from gbdsp.cli.base import Context, err, out, pass_ctx
from gbdsp.cli.housekeeping import housekeeping
from gbdsp.cli.users import users
from gbdsp.domain.ids import DeviceId, UserId


@users.command("revoke-certificate")
@click.argument("user_id")
@click.option("--serial", type=int, help="Only this certificate (default: all the User's).")
@pass_ctx
def users_revoke_certificate(ctx: Context, user_id: str, serial: int | None) -> None:
    """Revoke USER_ID's XML-signing certificates: requests they sign are refused (HTTP 403)
    at once on every worker. A revocation is permanent."""
    from gbdsp.services.security import revoke_certificates

    with ctx.app() as app:
        done = revoke_certificates(app.store, UserId.parse(user_id), app.clock.now(), serial)
    if not done:
        out.print(f"already revoked: nothing changed for {user_id}")
    for certificate in done:
        out.print(
            f"revoked certificate serial {certificate.serial} ({certificate.issuer}) of {user_id}"
        )


@users.command("authorise-ou")
@click.argument("user_id")
@click.argument("chf_id")
@pass_ctx
def users_authorise_ou(ctx: Context, user_id: str, chf_id: str) -> None:
    """Record that the consumer at the premises of CHF_ID authorised the Other User
    USER_ID (SEC I1 consent): it may then read that premises' devices and add, join and
    unjoin its own Type 2 Devices there."""
    from gbdsp.services.security import authorise_other_user

    with ctx.app() as app:
        new = authorise_other_user(
            app.store, UserId.parse(user_id), DeviceId.parse(chf_id), app.clock.now()
        )
    out.print(f"{user_id} authorised at the premises of {chf_id}" + ("" if new else " (already)"))


@users.command("withdraw-ou")
@click.argument("user_id")
@click.argument("chf_id")
@pass_ctx
def users_withdraw_ou(ctx: Context, user_id: str, chf_id: str) -> None:
    """Withdraw an Other User's authorisation at the premises of CHF_ID (consent ended)."""
    from gbdsp.services.security import withdraw_other_user

    with ctx.app() as app:
        withdraw_other_user(app.store, UserId.parse(user_id), DeviceId.parse(chf_id))
    out.print(f"{user_id} no longer authorised at the premises of {chf_id}")


@housekeeping.command("retention")
@pass_ctx
def housekeeping_retention(ctx: Context) -> None:
    """Delete audit rows and delivered outbox messages older than [retention] (in
    batches); `gbdsp serve` does the same every hour."""
    from gbdsp.services.security import purge_expired

    with ctx.app() as app:
        report = purge_expired(app.store, app.clock.now(), app.config.retention)
        days = app.config.retention
    err.print(
        f"retention: audit kept {days.audit_days or 'for ever'} days, delivered "
        f"outbox {days.outbox_days or 'for ever'} days"
    )
    out.print(
        f"deleted {report.audit_rows} audit rows and {report.outbox_messages} "
        "delivered outbox messages"
    )
