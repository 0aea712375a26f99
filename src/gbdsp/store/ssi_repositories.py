"""SQL of the SSI's doors: portal accounts and sessions, the portal's sign-in counters and
attempts, SSI API tokens, and the sealed Restricted-mode log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.sign_in_limits import Counter
from gbdsp.store.tables import (
    portal_accounts,
    portal_login_attempts,
    portal_sessions,
    portal_sign_in_counters,
    restricted_mode_log,
    ssi_tokens,
)

Key = tuple[str, str]
"""(account name or '' for any, client address)."""

_c = portal_sign_in_counters.c


class SignInRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def lock(self, keys: Sequence[Key]) -> dict[Key, Counter]:
        """The counters of `keys`, created if new and locked until the transaction ends
        (PostgreSQL: SELECT ... FOR UPDATE; SQLite: the BEGIN IMMEDIATE of every writer),
        in the order given."""
        ordered = list(dict.fromkeys(keys))
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        for name, client in ordered:
            self._conn.execute(
                dialect.insert(portal_sign_in_counters)
                .values(name=name, client=client, failures=0)
                .on_conflict_do_nothing()
            )
        found: dict[Key, Counter] = {}
        for name, client in ordered:
            query = select(_c.failures, _c.last_failure_at, _c.locked_until).where(
                _c.name == name, _c.client == client
            )
            if dialect is postgresql:
                query = query.with_for_update()
            row = self._conn.execute(query).one()
            found[(name, client)] = Counter(int(row[0]), row[1], row[2])
        return found

    def save(self, key: Key, counter: Counter) -> None:
        self._conn.execute(
            update(portal_sign_in_counters)
            .where(_c.name == key[0], _c.client == key[1])
            .values(
                failures=counter.failures,
                last_failure_at=counter.last_failure_at,
                locked_until=counter.locked_until,
            )
        )

    def clear(self, key: Key) -> None:
        self._conn.execute(
            delete(portal_sign_in_counters).where(_c.name == key[0], _c.client == key[1])
        )

    def record_attempt(self, name: str, client: str, at: datetime, *, succeeded: bool) -> None:
        """Every attempt, for looking into an attack afterwards (not for the limit)."""
        self._conn.execute(
            insert(portal_login_attempts).values(
                name=name, client=client, at=at, succeeded=succeeded
            )
        )

    def purge(self, before: datetime) -> None:
        self._conn.execute(delete(portal_login_attempts).where(portal_login_attempts.c.at < before))
        self._conn.execute(
            delete(portal_sign_in_counters).where(
                portal_sign_in_counters.c.last_failure_at < before
            )
        )


_a, _s = portal_accounts.c, portal_sessions.c


class PortalAccountRepository:
    """Accounts (a name, a DUIS User, an argon2id hash) and their sessions (the SHA-256 of
    the token only)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, name: str, user_id: UserId, password_hash: str, at: datetime) -> None:
        self._conn.execute(
            insert(portal_accounts).values(
                name=name, user_id=user_id, password_hash=password_hash, created_at=at
            )
        )

    def exists(self, name: str) -> bool:
        return self._conn.execute(select(_a.id).where(_a.name == name)).first() is not None

    def all(self) -> list[tuple[str, UserId]]:
        """(account name, User) of every account, by name."""
        rows = self._conn.execute(select(_a.name, _a.user_id).order_by(_a.name))
        return [(r[0], r[1]) for r in rows]

    def credentials(self, name: str) -> tuple[int, str] | None:
        """(account ID, password hash) of the account called `name`."""
        row = self._conn.execute(select(_a.id, _a.password_hash).where(_a.name == name)).first()
        return None if row is None else (int(row[0]), str(row[1]))

    def start_session(
        self, token_hash: str, account_id: int, at: datetime, expires_at: datetime
    ) -> None:
        """A new session; expired ones go at the same time."""
        self._conn.execute(delete(portal_sessions).where(_s.expires_at < at))
        self._conn.execute(
            insert(portal_sessions).values(
                token_hash=token_hash, account_id=account_id, created_at=at, expires_at=expires_at
            )
        )

    def of_session(self, token_hash: str, now: datetime) -> tuple[int, str, UserId] | None:
        """(account ID, name, User) of an unexpired session."""
        row = self._conn.execute(
            select(_a.id, _a.name, _a.user_id)
            .select_from(portal_sessions.join(portal_accounts, _a.id == _s.account_id))
            .where(_s.token_hash == token_hash, _s.expires_at > now)
        ).first()
        return None if row is None else (int(row[0]), str(row[1]), row[2])

    def end_session(self, token_hash: str) -> None:
        self._conn.execute(delete(portal_sessions).where(_s.token_hash == token_hash))


_t = ssi_tokens.c


class TokenRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(
        self,
        token_hash: str,
        user_id: UserId | None,
        label: str,
        at: datetime,
        expires_at: datetime,
    ) -> None:
        self._conn.execute(
            insert(ssi_tokens).values(
                token_hash=token_hash,
                user_id=user_id,
                label=label,
                created_at=at,
                expires_at=expires_at,
            )
        )

    def find(self, token_hash: str) -> Any:
        return self._conn.execute(select(ssi_tokens).where(_t.token_hash == token_hash)).first()

    def all(self) -> list[Any]:
        return list(self._conn.execute(select(ssi_tokens).order_by(_t.created_at, _t.token_hash)))

    def with_prefix(self, prefix: str) -> list[str]:
        """Hashes starting with `prefix` (a token's ID is the start of its hash)."""
        rows = self._conn.execute(
            select(_t.token_hash).where(_t.token_hash.startswith(prefix, autoescape=True)).limit(2)
        )
        return [r[0] for r in rows]

    def revoke(self, token_hashes: Sequence[str], at: datetime) -> int:
        if not token_hashes:
            return 0
        done = self._conn.execute(
            update(ssi_tokens)
            .where(_t.token_hash.in_(token_hashes), _t.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return int(done.rowcount)

    def of_user(self, user_id: UserId | None) -> list[str]:
        where = _t.user_id.is_(None) if user_id is None else _t.user_id == user_id
        return [r[0] for r in self._conn.execute(select(_t.token_hash).where(where))]


_r = restricted_mode_log.c


class RestrictedLogRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(
        self,
        device_id: DeviceId,
        restricted: bool,
        by: UserId,
        at: datetime,
        preference_sealed: bytes,
        reasonable_steps: bool,
    ) -> None:
        self._conn.execute(
            insert(restricted_mode_log).values(
                device_id=device_id,
                restricted=restricted,
                by_user=by,
                at=at,
                consumer_preference=None,
                preference_sealed=preference_sealed,
                reasonable_steps=reasonable_steps,
            )
        )

    def of_device(self, device_id: DeviceId) -> list[Any]:
        return list(
            self._conn.execute(
                select(restricted_mode_log).where(_r.device_id == device_id).order_by(_r.id)
            )
        )

    def plaintext(self, limit: int = 1000) -> list[tuple[int, str]]:
        """Rows still holding the consumer's words in clear (written before 0012)."""
        rows = self._conn.execute(
            select(_r.id, _r.consumer_preference)
            .where(_r.consumer_preference.is_not(None))
            .order_by(_r.id)
            .limit(limit)
        )
        return [(int(r[0]), str(r[1])) for r in rows]

    def seal(self, row_id: int, sealed: bytes) -> None:
        self._conn.execute(
            update(restricted_mode_log)
            .where(_r.id == row_id)
            .values(consumer_preference=None, preference_sealed=sealed)
        )
