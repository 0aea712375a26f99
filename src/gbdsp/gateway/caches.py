"""What the gateway keeps in memory between requests, and how it knows when to drop it.

Users (with roles and agent relationships), certificates and their revocation, Other User
authorisations, CPL statuses, and when registration data next falls due: read once, then
served from memory until the database's reference version moves. Triggers (migration
0017) bump that version in the same transaction as any change to those tables, whatever
makes it (a worker, the CLI, an import, plain SQL), and every request reads it first, in
its own transaction (one primary-key lookup). So a change committed before a request
begins is seen by that request on every worker: no time-to-live, no notification that a
worker could miss (docs/scaling.md).

Everything cached for one version lives in one `ReferenceView`; a new version starts an
empty view, and a request holding an older view only fills that one, so nothing read
before a change can land in the view of after it.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Final

from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.parties import Certificate, User
from gbdsp.domain.products import CplKey, CplStatus
from gbdsp.store.store import Store, Transaction

_UNKNOWN: Final = object()


class ReferenceView:
    """Reference data as of one reference version (None: uncached, everything read
    through: the version row is missing, or this request's snapshot is older)."""

    def __init__(self, version: int | None) -> None:
        self.version = version
        self._users: dict[UserId, User | None] = {}
        self._certificates: dict[tuple[str, int], Certificate] = {}
        self._revoked: dict[tuple[str, int], datetime | None] = {}
        self._ou_premises: dict[UserId, frozenset[DeviceId]] = {}
        self._cpl: dict[CplKey, CplStatus | None] = {}
        self._next_due: datetime | object | None = _UNKNOWN

    @property
    def caches(self) -> bool:
        return self.version is not None

    def user(self, tx: Transaction, user_id: UserId) -> User | None:
        """Only for a User whose signature was verified: keys are not attacker-chosen."""
        if user_id in self._users:
            return self._users[user_id]
        user = tx.users.get(user_id)
        if self.caches:
            self._users[user_id] = user
        return user

    def certificate(self, tx: Transaction, issuer: str, serial: int) -> Certificate | None:
        """A registered certificate; a miss is not kept (the key comes from an unverified
        request, so remembering misses would let anyone grow this map)."""
        found = self._certificates.get((issuer, serial))
        if found is None:
            found = tx.users.certificate(issuer, serial)
            if found is not None and self.caches:
                self._certificates[issuer, serial] = found
        return found

    def revoked_at(self, tx: Transaction, certificate: Certificate) -> datetime | None:
        key = (certificate.issuer, certificate.serial)
        if key in self._revoked:
            return self._revoked[key]
        revoked = tx.security.revoked_at(*key)
        if self.caches:
            self._revoked[key] = revoked
        return revoked

    def ou_premises(self, tx: Transaction, user_id: UserId) -> frozenset[DeviceId]:
        """The premises whose consumer authorised this Other User."""
        found = self._ou_premises.get(user_id)
        if found is None:
            found = tx.security.authorised_premises(user_id)
            if self.caches:
                self._ou_premises[user_id] = found
        return found

    def registrations_due(self, tx: Transaction, now: datetime) -> bool:
        """Whether some registration data has come into effect and not been taken over."""
        next_due = self._next_due
        if next_due is _UNKNOWN:
            next_due = tx.registrations.next_due()
            if self.caches:
                self._next_due = next_due
        return isinstance(next_due, datetime) and next_due <= now

    def cpl(self, tx: Transaction) -> CplStatuses:
        return CplStatuses(self, tx)

    def cpl_status(self, tx: Transaction, key: CplKey) -> CplStatus | None:
        known = self._cpl.get(key, _UNKNOWN)
        if known is not _UNKNOWN:
            return known  # type: ignore[return-value]
        entry = tx.cpl.find(key)
        status = None if entry is None else entry.status
        if self.caches:
            self._cpl[key] = status
        return status


class CplStatuses:
    """The CPL as a request's handlers see it (`HandlerContext.cpl`)."""

    def __init__(self, view: ReferenceView, tx: Transaction) -> None:
        self._view, self._tx = view, tx

    def status(self, key: CplKey) -> CplStatus | None:
        return self._view.cpl_status(self._tx, key)


class ReferenceCache:
    """One per gateway (per worker process), shared by its threads."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._view = ReferenceView(None)
        self._lock = threading.Lock()

    def view(self, tx: Transaction, read: tuple[int | None] | None = None) -> ReferenceView:
        """The view for this transaction: read the version (or take the one `read` in this
        transaction already, `CounterRepository.advance_reading_version`), drop what is
        older."""
        version = tx.reference.current() if read is None else read[0]
        with self._lock:
            current = self._view
            if version is None:
                return ReferenceView(None)
            if version == current.version:
                return current
            if current.version is None or version > current.version:
                self._view = ReferenceView(version)
                return self._view
            return ReferenceView(None)  # our snapshot predates the view we hold

    def certificate(self, issuer: str, serial: int) -> Certificate | None:
        """A certificate before trust, outside the request's transaction (the signature is
        checked first); `check` confirms it inside, at the request's own version."""
        found = self._view._certificates.get((issuer, serial))
        if found is not None:
            return found
        with self._store.read() as tx:
            return self.view(tx).certificate(tx, issuer, serial)

    def check(self, tx: Transaction, view: ReferenceView, used: Certificate) -> str | None:
        """Why the certificate that verified the request may not be trusted at this
        transaction's version (revoked, or no longer registered as it was); None if it may."""
        revoked = view.revoked_at(tx, used)
        if revoked is not None:
            return (
                f"certificate serial {used.serial} of {used.user_id} was revoked on "
                f"{revoked.isoformat()}"
            )
        current = view.certificate(tx, used.issuer, used.serial)
        if current is None or current != used:
            return f"certificate serial {used.serial} of {used.user_id} is no longer registered"
        return None
