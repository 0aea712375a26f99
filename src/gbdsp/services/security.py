"""Certificate revocation, Other User authorisations and retention (issue 18).

Each use case owns its transaction. Revocation and authorisations are state in the
database, read per request by the gateway, so they take effect at once on every worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from gbdsp.config import RetentionConfig
from gbdsp.domain.devices import DeviceType
from gbdsp.domain.errors import InvalidValue, NotFound
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.parties import Certificate, UserRole
from gbdsp.store.store import Store


def revoke_certificates(
    store: Store, user_id: UserId, now: datetime, serial: int | None = None
) -> list[Certificate]:
    """Revoke the User's XML-signing certificates (or the one with `serial`); returns
    those newly revoked. Requests they sign are refused (HTTP 403) from the next one on."""
    with store.transaction() as tx:
        if tx.users.get(user_id) is None:
            raise NotFound(f"User {user_id} is not registered")
        certificates = [
            c for c in tx.users.certificates_of(user_id) if serial is None or c.serial == serial
        ]
        if not certificates:
            which = f"serial {serial}" if serial is not None else "any certificate"
            raise NotFound(f"User {user_id} has no {which}")
        return [c for c in certificates if tx.security.revoke_certificate(c.issuer, c.serial, now)]


def revoked_of(store: Store, user_id: UserId) -> list[tuple[Certificate, datetime]]:
    with store.read() as tx:
        found = []
        for c in tx.users.certificates_of(user_id):
            at = tx.security.revoked_at(c.issuer, c.serial)
            if at is not None:
                found.append((c, at))
        return found


def authorise_other_user(store: Store, user_id: UserId, chf_id: DeviceId, now: datetime) -> bool:
    """Record that the consumer at the premises of `chf_id` authorised this Other User
    (SEC I1 consent, as the OU proved it, e.g. by the CIN of 9.1). False if already so."""
    with store.transaction() as tx:
        user = tx.users.get(user_id)
        if user is None:
            raise NotFound(f"User {user_id} is not registered")
        if UserRole.OU not in user.roles:
            raise InvalidValue(f"User {user_id} is not an Other User (OU)")
        chf = tx.devices.get(chf_id, with_history=False)
        if chf is None or chf.device_type is not DeviceType.CHF:
            raise InvalidValue(
                f"{chf_id} is not a CHF in the SMI (a premises is named by "
                "its Communications Hub Function)"
            )
        return tx.security.authorise_other_user(user_id, chf_id, now)


def withdraw_other_user(store: Store, user_id: UserId, chf_id: DeviceId) -> None:
    with store.transaction() as tx:
        if not tx.security.withdraw_other_user(user_id, chf_id):
            raise NotFound(f"User {user_id} holds no authorisation for {chf_id}")


def authorisations_of(store: Store, user_id: UserId) -> list[DeviceId]:
    with store.read() as tx:
        return sorted(tx.security.authorised_premises(user_id))


@dataclass(frozen=True, slots=True)
class RetentionReport:
    audit_rows: int
    outbox_messages: int


def purge_expired(store: Store, now: datetime, config: RetentionConfig) -> RetentionReport:
    """Delete audit rows and delivered outbox messages past their retention period, one
    short transaction per batch (the gateway never waits behind a long purge)."""
    audit = outbox = 0
    if config.audit_days:
        audit = _in_batches(
            store, now - timedelta(days=config.audit_days), config.batch_size, "audit"
        )
    if config.outbox_days:
        outbox = _in_batches(
            store, now - timedelta(days=config.outbox_days), config.batch_size, "outbox"
        )
    return RetentionReport(audit, outbox)


def _in_batches(store: Store, cutoff: datetime, batch: int, what: str) -> int:
    total = 0
    while True:
        with store.transaction() as tx:
            done = (
                tx.security.delete_audit_before(cutoff, batch)
                if what == "audit"
                else tx.security.delete_delivered_before(cutoff, batch)
            )
        total += done
        if done < batch:
            return total
