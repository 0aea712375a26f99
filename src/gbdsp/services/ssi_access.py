"""Who is calling the SSI API: bearer tokens for Users and for DCC operators.

A token is shown once when created; only its SHA-256 is stored, so a copy of the database
does not give anyone access. Each request is authorised for that User: a User sees its own
devices' housekeeping figures, an operator sees all and feeds registration data.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from gbdsp.domain.errors import NotFound
from gbdsp.domain.ids import UserId
from gbdsp.store.store import Store
from gbdsp.store.tables import ssi_tokens


@dataclass(frozen=True, slots=True)
class Caller:
    user_id: UserId | None
    """None: a DCC operator."""
    label: str

    @property
    def is_operator(self) -> bool:
        return self.user_id is None

    def may_see(self, holder: UserId | None) -> bool:
        return self.is_operator or holder == self.user_id


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(store: Store, user_id: UserId | None, label: str, at: datetime) -> str:
    """A new bearer token (returned once) for a registered User, or for an operator."""
    token = "gbdsp_" + secrets.token_urlsafe(32)
    with store.transaction() as tx:
        if user_id is not None and tx.users.get(user_id) is None:
            raise NotFound(f"{user_id} is not a registered User")
        tx.connection.execute(insert(ssi_tokens).values(
            token_hash=_digest(token), user_id=user_id, label=label, created_at=at))
    return token


def caller_of(store: Store, token: str) -> Caller | None:
    with store.read() as tx:
        row = tx.connection.execute(select(ssi_tokens.c.user_id, ssi_tokens.c.label)
                                    .where(ssi_tokens.c.token_hash == _digest(token))).first()
    return None if row is None else Caller(row[0], row[1])
