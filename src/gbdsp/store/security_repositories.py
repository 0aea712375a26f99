"""Repositories of issue 18's security state: revoked certificates, Other User
authorisations, and the retention of the audit log and the delivered outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, insert, select

from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.store.tables import audit_log, ou_authorisations, outbox, revoked_certificates

# Hot path: every trusted DUIS request runs this one primary-key lookup.
_REVOKED = select(revoked_certificates.c.revoked_at).where(
    revoked_certificates.c.issuer == bindparam("issuer"),
    revoked_certificates.c.serial == bindparam("serial"),
)


class SecurityRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # -- certificate revocation ------------------------------------------------------------

    def revoke_certificate(self, issuer: str, serial: int, at: datetime) -> bool:
        """Revoke one certificate; False if it was revoked already (the first date stays)."""
        if self.revoked_at(issuer, serial) is not None:
            return False
        self._conn.execute(
            insert(revoked_certificates).values(issuer=issuer, serial=str(serial), revoked_at=at)
        )
        return True

    def revoked_at(self, issuer: str, serial: int) -> datetime | None:
        value: datetime | None = self._conn.execute(
            _REVOKED, {"issuer": issuer, "serial": str(serial)}
        ).scalar()
        return value

    # -- Other User authorisations ------------------------------------------------------------

    def authorise_other_user(self, user_id: UserId, chf_id: DeviceId, at: datetime) -> bool:
        if chf_id in self.authorised_premises(user_id):
            return False
        self._conn.execute(
            insert(ou_authorisations).values(user_id=user_id, chf_id=chf_id, granted_at=at)
        )
        return True

    def withdraw_other_user(self, user_id: UserId, chf_id: DeviceId) -> bool:
        done = self._conn.execute(
            delete(ou_authorisations).where(
                ou_authorisations.c.user_id == user_id, ou_authorisations.c.chf_id == chf_id
            )
        )
        return done.rowcount == 1

    def authorised_premises(self, user_id: UserId) -> frozenset[DeviceId]:
        """The CHFs of the premises whose consumer authorised this Other User (a prefix
        scan of the primary key)."""
        rows = self._conn.execute(
            select(ou_authorisations.c.chf_id).where(ou_authorisations.c.user_id == user_id)
        )
        return frozenset(rows.scalars())

    def is_authorised(self, user_id: UserId, chf_id: DeviceId) -> bool:
        return (
            self._conn.execute(
                select(ou_authorisations.c.chf_id).where(
                    ou_authorisations.c.user_id == user_id, ou_authorisations.c.chf_id == chf_id
                )
            ).first()
            is not None
        )

    # -- retention --------------------------------------------------------------------------

    def delete_audit_before(self, cutoff: datetime, limit: int) -> int:
        """Delete up to `limit` audit rows older than `cutoff` (oldest first, by the `at`
        index); returns how many went. Callers loop, one short transaction per batch."""
        ids = (
            select(audit_log.c.id)
            .where(audit_log.c.at < cutoff)
            .order_by(audit_log.c.at)
            .limit(limit)
        )
        done = self._conn.execute(
            delete(audit_log).where(audit_log.c.id.in_(list(self._conn.execute(ids).scalars())))
        )
        return int(done.rowcount)

    def delete_delivered_before(self, cutoff: datetime, limit: int) -> int:
        """Delete up to `limit` outbox messages delivered before `cutoff`; undelivered
        messages are never removed, however old (nothing acknowledged is lost)."""
        ids = (
            select(outbox.c.id)
            .where(outbox.c.delivered_at.is_not(None), outbox.c.delivered_at < cutoff)
            .order_by(outbox.c.delivered_at)
            .limit(limit)
        )
        done = self._conn.execute(
            delete(outbox).where(outbox.c.id.in_(list(self._conn.execute(ids).scalars())))
        )
        return int(done.rowcount)
