"""SSI portal accounts: people who sign in to the portal, each as one DUIS User.

Passwords are hashed with argon2id; a session is a random token in an HttpOnly cookie of
which only the SHA-256 is stored, so a copy of the database lets nobody in. Sign-in attempts
are limited per (account name, client address) and per address with growing delays, counted
in the database in one locked transaction, so the limit holds across parallel requests and
worker processes (domain/sign_in_limits.py, docs/security.md).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gbdsp.clock import Clock
from gbdsp.domain import sign_in_limits as limits
from gbdsp.domain.errors import Conflict, GbdspError, InvalidValue, NotFound
from gbdsp.domain.ids import UserId
from gbdsp.domain.parties import User
from gbdsp.store.store import Store

SESSION_LIFETIME = timedelta(hours=8)
MAX_FAILURES_PER_NAME = limits.FREE_FAILURES_PER_ACCOUNT
MAX_FAILURES_PER_CLIENT = limits.FREE_FAILURES_PER_ADDRESS
MIN_PASSWORD_LENGTH = 10
ATTEMPTS_KEPT = timedelta(days=30)
"""Sign-in attempts are kept this long (for the limit, and to look into an attack)."""

_hasher = PasswordHasher()
# Verified when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class SignInRefused(GbdspError):
    """Wrong name or password (which one is not said)."""


class TooManyAttempts(GbdspError):
    """Too many failed sign-ins recently: wait before trying again."""


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    name: str
    user: User


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_account(store: Store, name: str, user_id: UserId, password: str, at: datetime) -> None:
    """A new account for a person working as `user_id` (a registered User)."""
    name = name.strip()
    if not name or len(name) > 100 or any(c.isspace() for c in name):
        raise InvalidValue("an account name is 1 to 100 characters without spaces")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidValue(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    hashed = _hasher.hash(password)
    with store.transaction() as tx:
        if tx.users.get(user_id) is None:
            raise NotFound(f"{user_id} is not a registered User")
        if tx.portal_accounts.exists(name):
            raise Conflict(f"account {name!r} already exists")
        tx.portal_accounts.add(name, user_id, hashed, at)


def list_accounts(store: Store) -> list[tuple[str, UserId]]:
    with store.read() as tx:
        return tx.portal_accounts.all()


def sign_in(store: Store, clock: Clock, name: str, password: str, client: str) -> str:
    """A new session token for the account, or SignInRefused / TooManyAttempts.

    The limit (domain/sign_in_limits.py) is checked and the attempt counted in one locked
    transaction before the password is verified, so parallel guesses cannot all pass; the
    slow password check runs with no lock held; a success clears the count."""
    now = clock.now()
    name = name.strip()[:100]
    client = client[:64]
    pair, address = (name, client), (limits.ANY_ACCOUNT, client)
    with store.transaction() as tx:
        # The address first, then the pair (always this order: no two attempts wait for
        # each other in a ring); a locked address creates no row for a new name.
        counters = tx.sign_in.lock([address])
        until = limits.locked_until(counters[address], now)
        if until is None:
            counters |= tx.sign_in.lock([pair])
            until = limits.locked_until(counters[pair], now)
        if until is None:
            for key, counter in counters.items():
                tx.sign_in.save(key, limits.take_slot(counter, now, limits.free_for(key[0])))
        else:
            tx.sign_in.record_attempt(name, client, now, succeeded=False)
        row = tx.portal_accounts.credentials(name)
    if until is not None:
        raise TooManyAttempts(
            f"too many failed sign-ins: {limits.wait_text(until, now)} and try again"
        )
    ok = _verify(row[1] if row else _DUMMY_HASH, password) and row is not None
    token = secrets.token_urlsafe(32)
    with store.transaction() as tx:
        tx.sign_in.record_attempt(name, client, now, succeeded=ok)
        if ok and row is not None:
            tx.sign_in.save(address, limits.refund(tx.sign_in.lock([address])[address]))
            tx.sign_in.clear(pair)
            tx.sign_in.purge(now - ATTEMPTS_KEPT)
            tx.portal_accounts.start_session(_digest(token), row[0], now, now + SESSION_LIFETIME)
    if not ok:
        raise SignInRefused("the account name or the password is wrong")
    return token


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def account_of(store: Store, clock: Clock, token: str) -> Account | None:
    """The signed-in account of a session token, or None (unknown or expired)."""
    with store.read() as tx:
        row = tx.portal_accounts.of_session(_digest(token), clock.now())
        user = tx.users.get(row[2]) if row else None
    if row is None or user is None or not user.is_active:
        return None
    return Account(row[0], row[1], user)


def sign_out(store: Store, token: str) -> None:
    with store.transaction() as tx:
        tx.portal_accounts.end_session(_digest(token))


def csrf_token(session_token: str) -> str:
    """The anti-forgery token of a session: derived from the session's secret, so it needs
    no storage and a page from another site cannot know it."""
    return hmac.new(session_token.encode(), b"gbdsp-portal-csrf", hashlib.sha256).hexdigest()


def csrf_ok(session_token: str, given: str) -> bool:
    return hmac.compare_digest(csrf_token(session_token), given)


DEMO_PASSWORD = "demo-portal-password"
"""The documented password of the demo accounts (README): a demo is not a deployment."""


def ensure_demo_accounts(
    store: Store, clock: Clock, accounts: list[tuple[str, UserId]]
) -> list[tuple[str, UserId]]:
    """Create the demo accounts that are missing (idempotent); returns all of them."""
    existing = {name for name, _ in list_accounts(store)}
    for name, user_id in accounts:
        if name not in existing:
            add_account(store, name, user_id, DEMO_PASSWORD, clock.now())
    return accounts
