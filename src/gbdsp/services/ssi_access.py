"""Who is calling the SSI API: bearer tokens for Users and for DCC operators.

A token is shown once when created; only its SHA-256 is stored, so a copy of the database
does not give anyone access. A token's ID is the first 12 hex digits of that hash: it names
the token in `gbdsp ssi tokens` and `gbdsp ssi revoke` without revealing it. A token is
refused once it has expired (`[ssi] token_days`, 90 by default), once it is revoked, and
while its User is not Active: the same rule (`User.is_active`, domain/parties.py) that
refuses a DUIS request with E3 and ends a portal session.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from gbdsp.domain.errors import GbdspError, InvalidValue, NotFound
from gbdsp.domain.ids import UserId
from gbdsp.domain.parties import User
from gbdsp.domain.visibility import Viewer
from gbdsp.store.store import Store

ID_LENGTH = 12
MIN_ID_PREFIX = 8


class TokenRefused(GbdspError):
    """The token is unknown, expired, revoked, or its User may not use the services."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class Caller:
    user: User | None
    """None: a DCC operator."""
    label: str
    token_id: str = ""

    @property
    def user_id(self) -> UserId | None:
        return self.user.user_id if self.user else None

    @property
    def is_operator(self) -> bool:
        return self.user is None

    @property
    def viewer(self) -> Viewer:
        return Viewer(self.user)

    def may_see(self, holder: UserId | None) -> bool:
        """For figures by holder: an operator sees all, a User its own (and principals')."""
        return self.viewer.sees_holder(holder)


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What may be shown of a token: never the token, only its ID."""

    token_id: str
    user_id: UserId | None
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is None or self.expires_at <= now:
            return "expired"
        return "valid"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    store: Store, user_id: UserId | None, label: str, at: datetime, days: int = 90
) -> str:
    """A new bearer token (returned once) for a registered User, or for an operator; it
    expires `days` after `at`."""
    if not 1 <= days <= 3660:
        raise InvalidValue("[ssi] token_days is 1 to 3660")
    token = "gbdsp_" + secrets.token_urlsafe(32)
    with store.transaction() as tx:
        if user_id is not None and tx.users.get(user_id) is None:
            raise NotFound(f"{user_id} is not a registered User")
        tx.tokens.add(_digest(token), user_id, label[:100], at, at + timedelta(days=days))
    return token


def token_id(token: str) -> str:
    return _digest(token)[:ID_LENGTH]


def caller_of(store: Store, token: str, now: datetime) -> Caller:
    """The caller a bearer token stands for, or TokenRefused (401, or 403 for a User that
    is Suspended or Withdrawn)."""
    with store.read() as tx:
        row = tx.tokens.find(_digest(token)) if token else None
        user = tx.users.get(row.user_id) if row is not None and row.user_id else None
    if row is None:
        raise TokenRefused(401, "a valid bearer token is needed (gbdsp ssi token)")
    if row.revoked_at is not None:
        raise TokenRefused(401, "this token has been revoked (gbdsp ssi token makes a new one)")
    if row.expires_at is None or row.expires_at <= now:
        raise TokenRefused(401, "this token has expired (gbdsp ssi token makes a new one)")
    if row.user_id is not None:
        if user is None:
            raise TokenRefused(401, "the User of this token is no longer registered")
        if not user.is_active:
            raise TokenRefused(
                403,
                f"your User is {user.status.value}: the DCC Services are "
                "not available to it (as DUIS E3)",
            )
    return Caller(user, row.label, row.token_hash[:ID_LENGTH])


def list_tokens(store: Store) -> list[TokenInfo]:
    with store.read() as tx:
        return [
            TokenInfo(
                r.token_hash[:ID_LENGTH],
                r.user_id,
                r.label,
                r.created_at,
                r.expires_at,
                r.revoked_at,
            )
            for r in tx.tokens.all()
        ]


def revoke_token(store: Store, token_id_prefix: str, at: datetime) -> TokenInfo:
    """Revoke the one token whose ID starts with the prefix given (at least 8 digits)."""
    prefix = token_id_prefix.strip().lower()
    if len(prefix) < MIN_ID_PREFIX or any(c not in "0123456789abcdef" for c in prefix):
        raise InvalidValue(
            f"a token ID is {MIN_ID_PREFIX} to {ID_LENGTH} hex digits (gbdsp ssi tokens lists them)"
        )
    with store.transaction() as tx:
        found = tx.tokens.with_prefix(prefix)
        if not found:
            raise NotFound(f"no token {prefix}")
        if len(found) > 1:
            raise InvalidValue(f"{prefix} names more than one token: give more digits")
        tx.tokens.revoke(found, at)
        row = tx.tokens.find(found[0])
    return TokenInfo(
        row.token_hash[:ID_LENGTH],
        row.user_id,
        row.label,
        row.created_at,
        row.expires_at,
        row.revoked_at,
    )


def revoke_tokens_of(store: Store, user_id: UserId | None, at: datetime) -> int:
    """Revoke every token of a User (None: every operator token); returns how many."""
    with store.transaction() as tx:
        return tx.tokens.revoke(tx.tokens.of_user(user_id), at)
